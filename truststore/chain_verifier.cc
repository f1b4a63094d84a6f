#include "truststore/chain_verifier.h"

#include <arpa/inet.h>

#include <openssl/x509_vfy.h>

#include "truststore/ossl.h"

namespace trustctl::truststore {

namespace {

VerifyOutcome failure(int error, std::string text) {
  VerifyOutcome out;
  out.error = error;
  out.error_name = "no_certificate";
  out.error_text = std::move(text);
  return out;
}

}  // namespace

std::string bareHost(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  std::string bare = bareHost(host);
  return inet_pton(AF_INET, bare.c_str(), buf) == 1 || inet_pton(AF_INET6, bare.c_str(), buf) == 1;
}

bool expectHost(X509_VERIFY_PARAM* param, const std::string& host) {
  std::string bare = bareHost(host);
  // As matchesHost: SANs only, whole-label wildcards. OpenSSL's default would compare the CN
  // when no DNS SAN exists, and a connector on the runtime library would then accept a
  // certificate trustctl's verdict refuses (the runtime matrix showed it).
  X509_VERIFY_PARAM_set_hostflags(
      param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return isIpLiteral(bare) ? X509_VERIFY_PARAM_set1_ip_asc(param, bare.c_str()) == 1
                           : X509_VERIFY_PARAM_set1_host(param, bare.c_str(), bare.size()) == 1;
}

bool matchesHost(const Certificate& leaf, const std::string& host) {
  std::string bare = bareHost(host);
  if (isIpLiteral(bare)) {
    return X509_check_ip_asc(leaf.x509(), bare.c_str(), 0) == 1;
  }
  int rc = X509_check_host(
      leaf.x509(), bare.c_str(), bare.size(),
      X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
  ossl::clearErrors();
  return rc == 1;
}

namespace {

void failWith(VerifyOutcome& out, int error, std::string name, std::string text, int depth) {
  out.ok = false;
  out.error = error;
  out.error_name = std::move(name);
  out.error_text = std::move(text);
  out.error_depth = depth;
}

// Why the best path is not valid: its first fault from the leaf up, else why it is not trusted.
void explainBest(VerifyOutcome& out, const CertPath& best, const std::string& limit) {
  for (size_t i = 0; i < best.elements.size(); ++i) {
    for (const auto& err : best.elements[i].errors) {
      if (!err.warning) {
        const auto& who = best.elements[i].candidate.cert->info();
        failWith(out, pathErrorX509Code(err.code), std::string(pathErrorName(err.code)),
                 "'" + (who.subject_cn.empty() ? who.subject : who.subject_cn) + "' " + err.detail,
                 static_cast<int>(i));
        return;
      }
    }
  }
  int top = static_cast<int>(best.elements.size()) - 1;
  const auto& info = best.elements.back().candidate.cert->info();
  switch (best.end) {
    case PathEnd::UntrustedRoot:
      failWith(
          out,
          top == 0 ? X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT : X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
          "untrusted", "the path ends at root '" + info.subject + "', which is not trusted", top);
      return;
    case PathEnd::Limit:
      failWith(out, X509_V_ERR_CERT_CHAIN_TOO_LONG, "path_building_limit",
               "path building stopped: " + limit, top);
      return;
    case PathEnd::NoIssuer:
      failWith(out, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "untrusted",
               "the issuer of '" + info.subject + "' ('" + info.issuer + "') is not known", top);
      return;
    case PathEnd::Anchored:
      failWith(out, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "untrusted",
               "the path needs certificates that were not given", top);
      return;
  }
}

}  // namespace

VerifyOutcome verifyChain(const std::vector<CertificatePtr>& presented, const AnchorSet& anchors,
                          const VerifyOptions& options) {
  if (presented.empty()) {
    return failure(X509_V_ERR_UNSPECIFIED, "no certificate was presented");
  }
  PathBuildRequest request;
  request.leaf = presented[0];
  for (size_t i = 1; i < presented.size(); ++i) {
    request.extra.push_back({presented[i], "presented", "", false, true});
  }
  request.anchors = &anchors;
  request.now = options.now;
  request.check_validity = options.check_time;
  request.any_trusted_is_anchor = options.partial_chain;
  request.profile_checks = options.profile_checks;
  request.revocation = options.revocation;
  request.revocation_evidence = options.revocation_evidence;
  VerifyOutcome out;
  out.paths = buildPaths(request);
  if (const CertPath* valid = out.paths.firstValid()) {
    for (const auto& e : valid->elements) {
      out.path.push_back(e.candidate.cert);
    }
    out.ok = true;
    if (!options.host.empty() && !matchesHost(*presented[0], options.host)) {
      failWith(
          out,
          isIpLiteral(options.host) ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH,
          "hostname_mismatch",
          "the certificate is not for '" + bareHost(options.host) +
              "' (its subjectAltName does not name it; the CN is not used)",
          0);
    }
    return out;
  }
  if (const CertPath* best = out.paths.best()) {
    for (const auto& e : best->elements) {
      out.path.push_back(e.candidate.cert);
    }
    explainBest(out, *best, out.paths.limit_detail);
  }
  return out;
}

}  // namespace trustctl::truststore
