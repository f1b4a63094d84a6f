#include "truststore/certificate.h"

#include <openssl/pem.h>

#include "truststore/ossl.h"

namespace trustctl::truststore {

namespace {

std::string nameOneLine(const X509_NAME* name) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    return "";
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string commonName(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) {
    return "";
  }
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) {
    return "";
  }
  ossl::OpensslBytesPtr owned(utf8);
  return std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
}

UnixTime asn1ToUnix(const ASN1_TIME* t) {
  struct tm parts {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &parts) != 1) {
    return 0;
  }
  return static_cast<UnixTime>(timegm(&parts));
}

std::string generalNameText(const GENERAL_NAME* gn) {
  int type = 0;
  const void* value = GENERAL_NAME_get0_value(gn, &type);
  auto asString = [](const void* v) {
    const auto* s = static_cast<const ASN1_STRING*>(v);
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
  };
  switch (type) {
    case GEN_DNS:
      return "DNS:" + asString(value);
    case GEN_EMAIL:
      return "email:" + asString(value);
    case GEN_URI:
      return "URI:" + asString(value);
    case GEN_IPADD: {
      const auto* s = static_cast<const ASN1_OCTET_STRING*>(value);
      // OpenSSL's ipaddr_to_asc is not public; rebuild the textual form for IPv4 and IPv6.
      const unsigned char* b = ASN1_STRING_get0_data(s);
      int len = ASN1_STRING_length(s);
      char buf[64];
      if (len == 4) {
        std::snprintf(buf, sizeof buf, "%d.%d.%d.%d", b[0], b[1], b[2], b[3]);
        return std::string("IP:") + buf;
      }
      if (len == 16) {
        std::string out = "IP:";
        for (int i = 0; i < 16; i += 2) {
          std::snprintf(buf, sizeof buf, "%s%x", i == 0 ? "" : ":", (b[i] << 8) | b[i + 1]);
          out += buf;
        }
        return out;
      }
      return "IP:?";
    }
    default:
      return "other";
  }
}

std::string keyIdHex(const ASN1_OCTET_STRING* id) {
  if (id == nullptr) {
    return "";
  }
  return ossl::hexOf(ASN1_STRING_get0_data(id), static_cast<size_t>(ASN1_STRING_length(id)));
}

void fillInfo(X509* x, const std::string& der, CertificateInfo& info) {
  info.sha256 = ossl::sha256HexOf(reinterpret_cast<const unsigned char*>(der.data()), der.size());
  info.subject = nameOneLine(X509_get_subject_name(x));
  info.issuer = nameOneLine(X509_get_issuer_name(x));
  info.subject_cn = commonName(X509_get_subject_name(x));
  info.issuer_cn = commonName(X509_get_issuer_name(x));
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(x)) {
    ossl::BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (bn) {
      ossl::OpensslStringPtr text(BN_bn2hex(bn.get()));
      info.serial = text ? text.get() : "";
    }
  }
  info.not_before = asn1ToUnix(X509_get0_notBefore(x));
  info.not_after = asn1ToUnix(X509_get0_notAfter(x));
  // X509_check_ca() caches the extensions; 1 = basicConstraints CA, 3 = v1 self-signed.
  int ca = X509_check_ca(x);
  info.is_ca = ca == 1 || ca == 3;
  EVP_PKEY* key = X509_get0_pubkey(x);
  bool names_match = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
  info.self_signed = names_match && key != nullptr && X509_verify(x, key) == 1;
  ossl::clearErrors();
  if (key != nullptr) {
    const char* type = EVP_PKEY_get0_type_name(key);
    info.key_algorithm = type != nullptr ? type : "unknown";
    info.key_bits = EVP_PKEY_get_bits(key);
  }
  info.signature_algorithm = OBJ_nid2ln(X509_get_signature_nid(x));
  ossl::GeneralNamesPtr sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      info.sans.push_back(generalNameText(sk_GENERAL_NAME_value(sans.get(), i)));
    }
  }
  info.subject_key_id = keyIdHex(X509_get0_subject_key_id(x));
  info.authority_key_id = keyIdHex(X509_get0_authority_key_id(x));
  ossl::AuthorityInfoPtr aia(
      static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(x, NID_info_access, nullptr, nullptr)));
  if (aia) {
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
      const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
      if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
        info.ca_issuers.push_back(generalNameText(ad->location).substr(4));
      }
    }
  }
  unsigned char* spki = nullptr;
  int spki_len = i2d_PUBKEY(key, &spki);
  if (spki_len > 0) {
    ossl::OpensslBytesPtr owned(spki);
    info.spki_sha256 = ossl::sha256HexOf(spki, static_cast<size_t>(spki_len));
  }
  ossl::clearErrors();
}

}  // namespace

Result<CertificatePtr> Certificate::parseDer(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    ossl::clearErrors();
    return fail(ErrorCode::UnrecognizedFormat, "the data is not one DER X.509 certificate");
  }
  auto cert = std::shared_ptr<Certificate>(new Certificate());
  cert->der_ = std::string(der);
  cert->x509_ = x.release();
  fillInfo(cert->x509_, cert->der_, cert->info_);
  return CertificatePtr(std::move(cert));
}

Result<CertificatePtr> Certificate::fromX509(X509* x) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(x, &buf);
  if (len <= 0) {
    ossl::clearErrors();
    return fail(ErrorCode::UnrecognizedFormat, "a certificate could not be encoded as DER");
  }
  ossl::OpensslBytesPtr owned(buf);
  auto cert = std::shared_ptr<Certificate>(new Certificate());
  cert->der_ = std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  cert->x509_ = ossl::upRef(x).release();
  fillInfo(cert->x509_, cert->der_, cert->info_);
  return CertificatePtr(std::move(cert));
}

Certificate::~Certificate() {
  ossl::X509Ptr owned(x509_);
}

std::string Certificate::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), x509_);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

bool Certificate::isIssuerOf(const Certificate& child) const {
  if (X509_NAME_cmp(X509_get_subject_name(x509_), X509_get_issuer_name(child.x509_)) != 0) {
    return false;
  }
  EVP_PKEY* key = X509_get0_pubkey(x509_);
  bool ok = key != nullptr && X509_verify(child.x509_, key) == 1;
  ossl::clearErrors();
  return ok;
}

std::string shortFingerprint(const std::string& sha256_hex) {
  return sha256_hex.substr(0, 16);
}

}  // namespace trustctl::truststore
