// The per-certificate checks of one certification path: RFC 5280 path validation (validity,
// basicConstraints, pathLenConstraint, keyUsage, name constraints, critical extensions), the
// TLS server purpose (EKU), weak keys and digests, revocation from recorded evidence, and, on
// request, the profile rules a careful verifier adds. Signatures are checked by the search.

#include <openssl/x509v3.h>

#include "truststore/certificate_status.h"
#include "truststore/ossl.h"
#include "truststore/path_builder.h"

namespace trustctl::truststore {

namespace {

void add(PathElement& e, PathErrorCode code, std::string detail, bool warning = false) {
  e.errors.push_back({code, std::move(detail), warning});
}

bool selfIssued(const Certificate& c) {
  return c.info().subject == c.info().issuer;
}

uint32_t flags(const Certificate& c) {
  return X509_get_extension_flags(c.x509());
}

std::string ekuText(const Certificate& c) {
  uint32_t xku = X509_get_extended_key_usage(c.x509());
  std::string out;
  auto name = [&](uint32_t bit, const char* n) {
    if (xku & bit) {
      out += (out.empty() ? "" : ", ") + std::string(n);
    }
  };
  name(XKU_SSL_CLIENT, "clientAuth");
  name(XKU_SMIME, "emailProtection");
  name(XKU_CODE_SIGN, "codeSigning");
  name(XKU_OCSP_SIGN, "OCSPSigning");
  name(XKU_TIMESTAMP, "timeStamping");
  return out.empty() ? "other purposes" : out;
}

bool allowsServerAuth(const Certificate& c) {
  if ((flags(c) & EXFLAG_XKUSAGE) == 0) {
    return true;
  }
  return (X509_get_extended_key_usage(c.x509()) & (XKU_SSL_SERVER | XKU_ANYEKU)) != 0;
}

void checkValidity(PathElement& e, UnixTime now) {
  const auto& i = e.candidate.cert->info();
  if (now > i.not_after) {
    add(e, PathErrorCode::Expired, "expired on " + formatRfc3339(i.not_after));
  } else if (now < i.not_before) {
    add(e, PathErrorCode::NotYetValid, "is not valid before " + formatRfc3339(i.not_before));
  }
}

void checkExtensions(PathElement& e) {
  X509* x = e.candidate.cert->x509();
  if (flags(*e.candidate.cert) & EXFLAG_INVALID) {
    add(e, PathErrorCode::Malformed, "has extensions that cannot be parsed or are duplicated");
  }
  for (int k = 0; k < X509_get_ext_count(x); ++k) {
    X509_EXTENSION* ext = X509_get_ext(x, k);
    if (X509_EXTENSION_get_critical(ext) && !X509_supported_extension(ext)) {
      char oid[80] = {0};
      OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(ext), 0);
      add(e, PathErrorCode::UnknownCritical,
          "carries critical extension " + std::string(oid) + ", which verifiers must refuse");
    }
  }
}

// Element `i` issued element `i - 1`: it must be a CA allowed to sign certificates.
void checkIssuer(CertPath& p, size_t i) {
  PathElement& e = p.elements[i];
  const Certificate& c = *e.candidate.cert;
  int ca = X509_check_ca(c.x509());
  bool top_v1_root = ca == 3 && i + 1 == p.elements.size();
  // A CA:TRUE without keyCertSign is "not a CA" for X509_check_ca too: name its keyUsage.
  bool lacks_cert_sign =
      (flags(c) & EXFLAG_KUSAGE) && !(X509_get_key_usage(c.x509()) & KU_KEY_CERT_SIGN);
  if (ca != 1 && !top_v1_root && !(lacks_cert_sign && (flags(c) & EXFLAG_CA))) {
    add(e, PathErrorCode::IssuerNotCa,
        (flags(c) & EXFLAG_BCONS) ? "signs certificates but is not a CA (basicConstraints CA:FALSE)"
                                  : "signs certificates but has no basicConstraints CA:TRUE");
  } else if (lacks_cert_sign) {
    add(e, PathErrorCode::IssuerNotCa, "signs certificates but its keyUsage lacks keyCertSign");
  }
  long pathlen = X509_get_pathlen(c.x509());
  if (pathlen >= 0) {
    long below = 0;
    for (size_t k = 1; k < i; ++k) {
      below += selfIssued(*p.elements[k].candidate.cert) ? 0 : 1;
    }
    if (below > pathlen) {
      add(e, PathErrorCode::PathLength,
          "allows " + std::to_string(pathlen) + " CA certificate(s) below it (pathlen:" +
              std::to_string(pathlen) + "), and the path has " + std::to_string(below));
    }
  }
}

void checkPurpose(CertPath& p, size_t i) {
  PathElement& e = p.elements[i];
  const Certificate& c = *e.candidate.cert;
  if (!allowsServerAuth(c)) {
    add(e, PathErrorCode::NotForServerAuth,
        i == 0 ? "its extended key usage is " + ekuText(c) + ", without serverAuth"
               : "restricts the certificates below it to " + ekuText(c) + ", without serverAuth");
  }
  if (i == 0 && (flags(c) & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(c.x509()) &
        (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT))) {
    add(e, PathErrorCode::LeafKeyUsage,
        "its keyUsage allows neither digitalSignature nor keyEncipherment, so no TLS server "
        "can use it");
  }
}

// Name constraints of element `i` apply to every certificate below it but self-issued CAs.
void checkNameConstraints(CertPath& p, size_t i) {
  X509* ca = p.elements[i].candidate.cert->x509();
  auto* nc =
      static_cast<NAME_CONSTRAINTS*>(X509_get_ext_d2i(ca, NID_name_constraints, nullptr, nullptr));
  if (!nc) {
    ossl::clearErrors();
    return;
  }
  const std::string& ca_name = p.elements[i].candidate.cert->info().subject;
  for (size_t j = 0; j < i; ++j) {
    const Certificate& below = *p.elements[j].candidate.cert;
    if (j > 0 && selfIssued(below)) {
      continue;
    }
    int rc = NAME_CONSTRAINTS_check(below.x509(), nc);
    if (rc == X509_V_OK && j == 0) {
      rc = NAME_CONSTRAINTS_check_CN(below.x509(), nc);
    }
    if (rc != X509_V_OK) {
      std::string how = rc == X509_V_ERR_EXCLUDED_VIOLATION    ? "excluded by"
                        : rc == X509_V_ERR_PERMITTED_VIOLATION ? "outside what is permitted by"
                                                               : "not checkable against";
      add(p.elements[j], PathErrorCode::NameConstraints,
          "names a host " + how + " the name constraints of '" + ca_name + "'");
    }
  }
  NAME_CONSTRAINTS_free(nc);
  ossl::clearErrors();
}

void checkRevocation(CertPath& p, size_t i, const PathBuildRequest& request) {
  if (request.revocation == RevocationMode::Off || i + 1 >= p.elements.size()) {
    return;
  }
  PathElement& e = p.elements[i];
  static const RevocationEvidence kNone;
  const RevocationEvidence* evidence = &kNone;
  if (request.revocation_evidence) {
    auto it = request.revocation_evidence->find(e.candidate.cert->sha256());
    if (it != request.revocation_evidence->end()) {
      evidence = &it->second;
    }
  }
  e.revocation =
      judgeRevocation(*e.candidate.cert, *p.elements[i + 1].candidate.cert, *evidence, request.now);
  if (e.revocation.state == RevocationState::Revoked) {
    std::string why = e.revocation.reason.empty() ? "" : " (" + e.revocation.reason + ")";
    add(e, PathErrorCode::Revoked,
        "was revoked on " + formatRfc3339(e.revocation.revoked_at) + why + ", says its CA's " +
            e.revocation.source);
  } else if (e.revocation.state == RevocationState::Unknown) {
    add(e, PathErrorCode::RevocationUnknown, e.revocation.detail,
        request.revocation != RevocationMode::Hard);
  }
}

void checkProfile(CertPath& p, size_t i) {
  PathElement& e = p.elements[i];
  const Certificate& c = *e.candidate.cert;
  const auto& info = c.info();
  bool is_issuer = i > 0;
  if (!info.self_signed && info.authority_key_id.empty()) {
    add(e, PathErrorCode::Profile, "has no authority key identifier (RFC 5280 4.2.1.1)");
  }
  if (is_issuer && info.subject_key_id.empty()) {
    add(e, PathErrorCode::Profile, "is a CA without a subject key identifier (RFC 5280 4.2.1.2)");
  }
  const ASN1_INTEGER* serial = X509_get0_serialNumber(c.x509());
  if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER || ASN1_STRING_length(serial) > 20) {
    add(e, PathErrorCode::Profile, "has a negative serial number or one over 20 octets");
  }
  int bc = X509_get_ext_by_NID(c.x509(), NID_basic_constraints, -1);
  if (is_issuer && bc >= 0 && !X509_EXTENSION_get_critical(X509_get_ext(c.x509(), bc))) {
    add(e, PathErrorCode::Profile,
        "is a CA whose basicConstraints is not critical (RFC 5280 4.2.1.9)");
  }
  if (is_issuer && X509_NAME_entry_count(X509_get_subject_name(c.x509())) == 0) {
    add(e, PathErrorCode::Profile, "is a CA with an empty subject");
  }
  if (X509_get_version(c.x509()) != 2 && X509_get_ext_count(c.x509()) > 0) {
    add(e, PathErrorCode::Profile, "has extensions but is not a version 3 certificate");
  }
  if (i == 0 && (flags(c) & EXFLAG_KUSAGE) && (X509_get_key_usage(c.x509()) & KU_KEY_CERT_SIGN) &&
      X509_check_ca(c.x509()) != 1) {
    add(e, PathErrorCode::Profile, "asserts keyCertSign without being a CA");
  }
  if (info.not_before > info.not_after) {
    add(e, PathErrorCode::Profile, "has notBefore after notAfter");
  }
  if (is_issuer && info.self_signed && X509_get_version(c.x509()) == 2 &&
      !(flags(c) & EXFLAG_BCONS)) {
    add(e, PathErrorCode::Profile, "is a v3 root without basicConstraints");
  }
}

}  // namespace

void checkPath(CertPath& p, const PathBuildRequest& request) {
  for (size_t i = 0; i < p.elements.size(); ++i) {
    PathElement& e = p.elements[i];
    if (request.check_validity) {
      checkValidity(e, request.now);
    }
    checkExtensions(e);
    if (i > 0) {
      checkIssuer(p, i);
      checkNameConstraints(p, i);
    }
    bool anchor = e.candidate.trusted && i + 1 == p.elements.size() && i > 0;
    if (request.require_server_auth && !anchor) {
      checkPurpose(p, i);
    }
    std::string reason;
    // A trust anchor's own signature is never checked (RFC 5280, 6.1.1: the anchor is an
    // input), so how a trusted intermediate was signed does not weaken the path; its key does.
    const CertificateInfo& info = e.candidate.cert->info();
    bool weak = anchor ? isWeakKey(info, &reason) : isWeak(info, &reason);
    if (weak) {
      add(e, PathErrorCode::Weak, "is weak: " + reason);
    }
    checkRevocation(p, i, request);
    if (request.profile_checks) {
      checkProfile(p, i);
    }
  }
}

}  // namespace trustctl::truststore
