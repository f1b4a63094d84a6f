// Revocation verdicts from CRLs and OCSP responses (see revocation_crl.cc and
// revocation_ocsp.cc for one piece of evidence), and the URLs a certificate names for them.
#include "truststore/revocation.h"

#include <openssl/pem.h>

#include <algorithm>
#include <ctime>

#include "truststore/ossl.h"
#include "truststore/revocation_parts.h"

namespace trustctl::truststore {

namespace parts = revocation_parts;

namespace revocation_parts {

std::string reasonName(int code) {
  switch (code) {
    case 0:
      return "unspecified";
    case 1:
      return "keyCompromise";
    case 2:
      return "cACompromise";
    case 3:
      return "affiliationChanged";
    case 4:
      return "superseded";
    case 5:
      return "cessationOfOperation";
    case 6:
      return "certificateHold";
    case 8:
      return "removeFromCRL";
    case 9:
      return "privilegeWithdrawn";
    case 10:
      return "aACompromise";
    default:
      return "";
  }
}

UnixTime unixOf(const ASN1_TIME* t) {
  struct tm parts {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &parts) != 1) {
    return 0;
  }
  return static_cast<UnixTime>(timegm(&parts));
}

}  // namespace revocation_parts

std::string_view revocationModeName(RevocationMode mode) {
  switch (mode) {
    case RevocationMode::Off:
      return "off";
    case RevocationMode::Soft:
      return "soft";
    case RevocationMode::Hard:
      return "hard";
  }
  return "soft";
}

std::optional<RevocationMode> revocationModeFromName(std::string_view name) {
  for (RevocationMode m : {RevocationMode::Off, RevocationMode::Soft, RevocationMode::Hard}) {
    if (revocationModeName(m) == name) {
      return m;
    }
  }
  return std::nullopt;
}

RevocationVerdict judgeRevocation(const Certificate& cert, const Certificate& issuer,
                                  const RevocationEvidence& evidence, UnixTime now) {
  bool names_some = !crlDistributionPoints(cert).empty() || !ocspResponderUrls(cert).empty();
  if (!names_some && evidence.crls.empty() && evidence.ocsp_responses.empty()) {
    RevocationVerdict v;
    v.detail = "the certificate names no CRL distribution point and no OCSP responder";
    return v;
  }
  std::optional<RevocationVerdict> revoked;
  std::optional<RevocationVerdict> good;
  std::vector<std::string> failures;
  auto consider = [&](const parts::PieceVerdict& p, const std::string& source) {
    RevocationVerdict v;
    v.source = source;
    if (p.kind == parts::PieceVerdict::Kind::Revoked) {
      v.state = RevocationState::Revoked;
      v.reason = p.reason;
      v.revoked_at = p.revoked_at;
      v.detail = (source == "crl" ? "a CRL" : "an OCSP response") +
                 std::string(" from the issuer lists it as revoked on ") +
                 formatRfc3339(p.revoked_at) + (p.reason.empty() ? "" : " (" + p.reason + ")");
      if (!revoked) {
        revoked = v;
      }
    } else if (p.kind == parts::PieceVerdict::Kind::Good) {
      v.state = RevocationState::Good;
      v.detail = (source == "crl" ? std::string("a current CRL from the issuer")
                                  : std::string("a current OCSP response")) +
                 " says it is not revoked";
      if (!good) {
        good = v;
      }
    } else {
      failures.push_back(p.why);
    }
  };
  for (const auto& crl : evidence.crls) {
    consider(parts::judgeCrl(cert, issuer, crl, now), "crl");
  }
  for (size_t i = 0; i < evidence.ocsp_responses.size(); ++i) {
    bool stapled = evidence.ocsp_stapled && i == 0;
    consider(parts::judgeOcsp(cert, issuer, evidence.ocsp_responses[i], now),
             stapled ? "ocsp-stapled" : "ocsp");
  }
  if (revoked) {
    return *revoked;
  }
  if (good) {
    return *good;
  }
  for (const auto& e : evidence.fetch_errors) {
    failures.push_back(e);
  }
  RevocationVerdict v;
  v.state = RevocationState::Unknown;
  if (failures.empty()) {
    v.detail = "no CRL or OCSP response was obtained for " + cert.info().subject;
  } else {
    v.detail = "revocation of " + cert.info().subject + " could not be determined: ";
    for (size_t i = 0; i < failures.size(); ++i) {
      v.detail += (i == 0 ? "" : "; ") + failures[i];
    }
  }
  return v;
}

namespace {

bool isHttpUrl(const std::string& url) {
  if (url.size() < 8) {
    return false;
  }
  std::string scheme = url.substr(0, 7);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return scheme == "http://";
}

void addUri(const GENERAL_NAME* name, std::vector<std::string>& out) {
  if (name == nullptr || name->type != GEN_URI) {
    return;
  }
  const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
  std::string url(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                  static_cast<size_t>(ASN1_STRING_length(uri)));
  if (isHttpUrl(url) && url.find('\0') == std::string::npos &&
      std::find(out.begin(), out.end(), url) == out.end()) {
    out.push_back(url);
  }
}

}  // namespace

std::vector<std::string> crlDistributionPoints(const Certificate& cert) {
  std::vector<std::string> out;
  ossl::DistPointsPtr points(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(cert.x509(), NID_crl_distribution_points, nullptr, nullptr)));
  ossl::clearErrors();
  for (int i = 0; points && i < sk_DIST_POINT_num(points.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(points.get(), i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) {
      continue;  // a name relative to the issuer is no URL
    }
    const GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int k = 0; k < sk_GENERAL_NAME_num(names); ++k) {
      addUri(sk_GENERAL_NAME_value(names, k), out);
    }
  }
  return out;
}

std::vector<std::string> ocspResponderUrls(const Certificate& cert) {
  std::vector<std::string> out;
  ossl::AuthorityInfoPtr aia(static_cast<AUTHORITY_INFO_ACCESS*>(
      X509_get_ext_d2i(cert.x509(), NID_info_access, nullptr, nullptr)));
  ossl::clearErrors();
  for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
    if (OBJ_obj2nid(ad->method) == NID_ad_OCSP) {
      addUri(ad->location, out);
    }
  }
  return out;
}

std::optional<UnixTime> evidenceNextUpdate(std::string_view body, bool ocsp) {
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  std::optional<UnixTime> out;
  if (!ocsp) {
    ossl::X509CrlPtr crl;
    if (body.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
      ossl::BioPtr bio(BIO_new_mem_buf(body.data(), static_cast<int>(body.size())));
      crl.reset(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    } else {
      crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(body.size())));
    }
    if (crl && X509_CRL_get0_nextUpdate(crl.get()) != nullptr) {
      out = parts::unixOf(X509_CRL_get0_nextUpdate(crl.get()));
    }
    ossl::clearErrors();
    return out;
  }
  ossl::OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(body.size())));
  ossl::OcspBasicRespPtr basic(response ? OCSP_response_get1_basic(response.get()) : nullptr);
  for (int i = 0; basic && i < OCSP_resp_count(basic.get()); ++i) {
    ASN1_GENERALIZEDTIME* next = nullptr;
    OCSP_single_get0_status(OCSP_resp_get0(basic.get(), i), nullptr, nullptr, nullptr, &next);
    if (next != nullptr) {
      UnixTime t = parts::unixOf(next);
      out = out ? std::min(*out, t) : t;
    }
  }
  ossl::clearErrors();
  return out;
}

}  // namespace trustctl::truststore
