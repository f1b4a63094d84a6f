#include "truststore/chain_verifier.h"

#include <arpa/inet.h>

#include <openssl/x509_vfy.h>

#include "truststore/ossl.h"

namespace trustctl::truststore {

namespace {

VerifyOutcome failure(int error, std::string text) {
  VerifyOutcome out;
  out.error = error;
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
  return isIpLiteral(bare) ? X509_VERIFY_PARAM_set1_ip_asc(param, bare.c_str()) == 1
                           : X509_VERIFY_PARAM_set1_host(param, bare.c_str(), bare.size()) == 1;
}

VerifyOutcome verifyChain(const std::vector<CertificatePtr>& presented, const AnchorSet& anchors,
                          const VerifyOptions& options) {
  ossl::X509StorePtr store = anchors.newX509Store();
  if (!store) {
    return failure(X509_V_ERR_OUT_OF_MEM, "could not create a certificate store");
  }
  return verifyChain(presented, store.get(), options);
}

VerifyOutcome verifyChain(const std::vector<CertificatePtr>& presented, X509_STORE* store,
                          const VerifyOptions& options) {
  if (presented.empty()) {
    return failure(X509_V_ERR_UNSPECIFIED, "no certificate was presented");
  }
  ossl::X509StackPtr untrusted(sk_X509_new_null());
  for (size_t i = 1; i < presented.size(); ++i) {
    ossl::X509Ptr ref = ossl::upRef(presented[i]->x509());
    if (sk_X509_push(untrusted.get(), ref.get()) > 0) {
      ref.release();
    }
  }
  ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, presented[0]->x509(), untrusted.get()) != 1) {
    ossl::clearErrors();
    return failure(X509_V_ERR_OUT_OF_MEM, "could not start a verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (options.check_time) {
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(options.now));
  } else {
    // Not with set_time: OpenSSL lets an explicit check time win over NO_CHECK_TIME.
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
  }
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (!options.host.empty()) {
    expectHost(param, options.host);
  }
  int rc = X509_verify_cert(ctx.get());
  VerifyOutcome out;
  out.ok = rc == 1;
  out.error = out.ok ? 0 : X509_STORE_CTX_get_error(ctx.get());
  out.error_text = X509_verify_cert_error_string(out.error);
  out.error_depth = out.ok ? -1 : X509_STORE_CTX_get_error_depth(ctx.get());
  ossl::X509StackPtr chain(X509_STORE_CTX_get1_chain(ctx.get()));
  for (int i = 0; i < sk_X509_num(chain.get()); ++i) {
    X509* x = sk_X509_value(chain.get(), i);
    // Reuse the caller's objects where the chain holds them, so fingerprints are computed once.
    CertificatePtr match;
    for (const auto& p : presented) {
      if (p->x509() == x) {
        match = p;
      }
    }
    if (!match) {
      auto parsed = Certificate::fromX509(x);
      if (parsed) {
        match = *parsed;
      }
    }
    if (match) {
      out.path.push_back(std::move(match));
    }
  }
  ossl::clearErrors();
  return out;
}

}  // namespace trustctl::truststore
