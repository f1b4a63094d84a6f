// One OCSP response judged for one certificate: a successful response whose basic response is
// signed by the issuer or by a responder the issuer certified for OCSP signing, holding a
// single response about this certificate that is current at `now`.
#include "truststore/ossl.h"
#include "truststore/revocation_parts.h"

namespace trustctl::truststore::revocation_parts {

namespace {

// A response without nextUpdate says "newer information is always available"; it is trusted
// this long after its thisUpdate, so an old recorded or stapled answer does not count forever.
constexpr UnixTime kNoNextUpdateLifetime = 7 * 86400;

PieceVerdict invalid(std::string why) {
  PieceVerdict v;
  v.why = std::move(why);
  return v;
}

// Why `signer` may not sign OCSP answers about certificates of `issuer`, "" when it may.
std::string delegateProblem(X509* signer, const Certificate& issuer, UnixTime now) {
  if (X509_check_issued(issuer.x509(), signer) != X509_V_OK) {
    return "the OCSP responder certificate is not issued by " + issuer.info().subject;
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer.x509());
  if (key == nullptr || X509_verify(signer, key) != 1) {
    return "the OCSP responder certificate's signature does not verify with the key of " +
           issuer.info().subject;
  }
  if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
      (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0) {
    return "the OCSP responder certificate lacks the OCSPSigning extended key usage";
  }
  if (now < unixOf(X509_get0_notBefore(signer)) - kSkewSeconds ||
      now > unixOf(X509_get0_notAfter(signer))) {
    return "the OCSP responder certificate is not valid at this time";
  }
  return "";
}

// The single response about `cert`, whichever hash algorithm its CertID names.
OCSP_SINGLERESP* singleFor(OCSP_BASICRESP* basic, const Certificate& cert,
                           const Certificate& issuer) {
  for (int i = 0; i < OCSP_resp_count(basic); ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic, i);
    const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
    ASN1_OBJECT* md_oid = nullptr;
    if (OCSP_id_get0_info(nullptr, &md_oid, nullptr, nullptr, const_cast<OCSP_CERTID*>(id)) != 1) {
      continue;
    }
    const EVP_MD* md = EVP_get_digestbyobj(md_oid);
    if (md == nullptr) {
      continue;
    }
    ossl::OcspCertIdPtr mine(OCSP_cert_to_id(md, cert.x509(), issuer.x509()));
    if (mine && OCSP_id_cmp(mine.get(), id) == 0) {
      return single;
    }
  }
  return nullptr;
}

}  // namespace

PieceVerdict judgeOcsp(const Certificate& cert, const Certificate& issuer, std::string_view body,
                       UnixTime now) {
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  ossl::OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(body.size())));
  ossl::clearErrors();
  if (!response) {
    return invalid("the OCSP response is not a DER OCSPResponse");
  }
  int status = OCSP_response_status(response.get());
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return invalid(std::string("the OCSP responder answered ") + OCSP_response_status_str(status));
  }
  ossl::OcspBasicRespPtr basic(OCSP_response_get1_basic(response.get()));
  ossl::clearErrors();
  if (!basic) {
    return invalid("the OCSP response holds no basic response");
  }
  ossl::X509StackPtr extra(sk_X509_new_null());
  if (!extra || sk_X509_push(extra.get(), issuer.x509()) <= 0) {
    return invalid("out of memory");
  }
  X509_up_ref(issuer.x509());  // the stack owns one reference
  X509* signer = nullptr;
  if (OCSP_resp_get0_signer(basic.get(), &signer, extra.get()) != 1 || signer == nullptr) {
    ossl::clearErrors();
    return invalid("the OCSP response is signed by a responder certificate it does not include");
  }
  if (X509_cmp(signer, issuer.x509()) != 0) {
    if (std::string why = delegateProblem(signer, issuer, now); !why.empty()) {
      ossl::clearErrors();
      return invalid(why);
    }
  }
  // Only the signature: who may sign was decided above, without a trust store or the clock.
  ossl::X509StorePtr empty(X509_STORE_new());
  int verified =
      empty ? OCSP_basic_verify(basic.get(), extra.get(), empty.get(), OCSP_NOVERIFY) : 0;
  ossl::clearErrors();
  if (verified <= 0) {
    return invalid("the OCSP response's signature does not verify");
  }
  OCSP_SINGLERESP* single = singleFor(basic.get(), cert, issuer);
  if (single == nullptr) {
    return invalid("the OCSP response is about another certificate");
  }
  int reason = -1;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  int cert_status =
      OCSP_single_get0_status(single, &reason, &revoked_at, &this_update, &next_update);
  UnixTime this_at = unixOf(this_update);
  if (this_update == nullptr || this_at > now + kSkewSeconds) {
    return invalid("the OCSP response's thisUpdate " + formatRfc3339(this_at) +
                   " is in the future");
  }
  UnixTime next_at = next_update != nullptr ? unixOf(next_update) : this_at + kNoNextUpdateLifetime;
  if (now > next_at + kSkewSeconds) {
    return invalid("the OCSP response is stale: " +
                   std::string(next_update != nullptr ? "its nextUpdate " : "valid until ") +
                   formatRfc3339(next_at) + " has passed");
  }
  PieceVerdict v;
  switch (cert_status) {
    case V_OCSP_CERTSTATUS_GOOD:
      v.kind = PieceVerdict::Kind::Good;
      break;
    case V_OCSP_CERTSTATUS_REVOKED:
      v.kind = PieceVerdict::Kind::Revoked;
      v.reason = reasonName(reason);
      v.revoked_at = unixOf(revoked_at);
      break;
    default:
      v.kind = PieceVerdict::Kind::Unknown;
      v.why = "the OCSP responder does not know the certificate";
      break;
  }
  return v;
}

}  // namespace trustctl::truststore::revocation_parts
