// One CRL judged for one certificate: parsed (DER or PEM), issued and signed by the
// certificate's issuer, current at `now`, then the certificate's serial looked up.
#include <openssl/pem.h>

#include "truststore/ossl.h"
#include "truststore/revocation_parts.h"

namespace trustctl::truststore::revocation_parts {

namespace {

ossl::X509CrlPtr parseCrl(std::string_view body) {
  if (body.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    ossl::BioPtr bio(BIO_new_mem_buf(body.data(), static_cast<int>(body.size())));
    return ossl::X509CrlPtr(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)
                                : nullptr);
  }
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  return ossl::X509CrlPtr(d2i_X509_CRL(nullptr, &p, static_cast<long>(body.size())));
}

PieceVerdict invalid(std::string why) {
  PieceVerdict v;
  v.why = std::move(why);
  return v;
}

}  // namespace

PieceVerdict judgeCrl(const Certificate& cert, const Certificate& issuer, std::string_view body,
                      UnixTime now) {
  ossl::X509CrlPtr crl = parseCrl(body);
  ossl::clearErrors();
  if (!crl) {
    return invalid("the CRL is not a DER or PEM CRL");
  }
  X509_NAME* crl_issuer = X509_CRL_get_issuer(crl.get());
  if (X509_NAME_cmp(crl_issuer, X509_get_issuer_name(cert.x509())) != 0 ||
      X509_NAME_cmp(crl_issuer, X509_get_subject_name(issuer.x509())) != 0) {
    return invalid("the CRL is issued by another CA than " + issuer.info().subject);
  }
  if ((X509_get_key_usage(issuer.x509()) & KU_CRL_SIGN) == 0) {
    return invalid("the issuer " + issuer.info().subject + " may not sign CRLs (no cRLSign)");
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer.x509());
  int verified = key == nullptr ? 0 : X509_CRL_verify(crl.get(), key);
  ossl::clearErrors();
  if (verified != 1) {
    return invalid("the CRL's signature does not verify with the key of " + issuer.info().subject);
  }
  if (X509_CRL_get_ext_by_NID(crl.get(), NID_delta_crl, -1) >= 0) {
    return invalid("the CRL is a delta CRL, which is not used on its own");
  }
  UnixTime this_update = unixOf(X509_CRL_get0_lastUpdate(crl.get()));
  if (this_update > now + kSkewSeconds) {
    return invalid("the CRL's thisUpdate " + formatRfc3339(this_update) + " is in the future");
  }
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
  if (next != nullptr && now > unixOf(next)) {
    return invalid("the CRL is stale: its nextUpdate " + formatRfc3339(unixOf(next)) +
                   " has passed");
  }
  X509_REVOKED* entry = nullptr;
  // 2 means the entry says removeFromCRL: the certificate is not (or no longer) revoked.
  if (X509_CRL_get0_by_serial(crl.get(), &entry, X509_get0_serialNumber(cert.x509())) != 1 ||
      entry == nullptr) {
    PieceVerdict good;
    good.kind = PieceVerdict::Kind::Good;
    return good;
  }
  PieceVerdict v;
  v.kind = PieceVerdict::Kind::Revoked;
  v.revoked_at = unixOf(X509_REVOKED_get0_revocationDate(entry));
  ossl::Asn1EnumeratedPtr reason(static_cast<ASN1_ENUMERATED*>(
      X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
  if (reason) {
    v.reason = reasonName(static_cast<int>(ASN1_ENUMERATED_get(reason.get())));
  }
  ossl::clearErrors();
  return v;
}

}  // namespace trustctl::truststore::revocation_parts
