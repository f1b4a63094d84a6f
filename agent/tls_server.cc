// The one file of agent/ that speaks OpenSSL: the agent's endpoint is a TLS server, and the
// listener that owns the sockets lives here, not in truststore/ (which has no network).
#include "agent/tls_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <vector>

#include "truststore/file_util.h"
#include "truststore/ossl.h"
#include "truststore/secret_wipe.h"
#include "truststore/server_cert.h"

namespace trustctl::agent {

struct TlsServerContext::Impl {
  ossl::SslCtxPtr ctx;
};

struct TlsStream::Impl {
  ossl::SslPtr ssl;
  bool fatal = false;  // after a fatal error OpenSSL forbids SSL_shutdown
  bool shut = false;
};

namespace {

// A key file is never encrypted here (server_cert.h writes PKCS#8 in the clear, mode 0600);
// without this callback OpenSSL would prompt on the terminal for one that is.
int noPassword(char*, int, int, void*) {
  return 0;
}

Error cryptoError(const std::string& path, const std::string& what) {
  std::string detail = ossl::drainErrors();
  return Error{ErrorCode::Crypto, path + ": " + what + (detail.empty() ? "" : " (" + detail + ")") +
                                      "; re-issue or re-upload the server certificate"};
}

Result<std::string> readFile(const std::string& path) {
  auto bytes = truststore::readWholeFile(path);
  if (!bytes && bytes.error().code == ErrorCode::FileNotFound) {
    return fail(ErrorCode::FileNotFound,
                path + ": missing; see 'trustctl server-cert list' for the server certificates");
  }
  return bytes;
}

Result<std::vector<ossl::X509Ptr>> parseChain(const std::string& path, const std::string& pem) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return tl::unexpected(cryptoError(path, "cannot read"));
  }
  std::vector<ossl::X509Ptr> chain;
  while (ossl::X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, noPassword, nullptr)}) {
    chain.push_back(std::move(cert));
  }
  ossl::clearErrors();  // the read past the last certificate leaves "no start line"
  if (chain.empty()) {
    return fail(ErrorCode::NoCertificate, path +
                                              ": holds no PEM certificate; re-issue or "
                                              "re-upload the server certificate");
  }
  return chain;
}

std::string derSha256(X509* cert) {
  unsigned char* der = nullptr;
  int size = i2d_X509(cert, &der);
  ossl::OpensslBytesPtr owner(der);
  return size > 0 ? ossl::sha256HexOf(der, static_cast<size_t>(size)) : "";
}

}  // namespace

TlsServerContext::TlsServerContext() : impl_(std::make_unique<Impl>()) {}
TlsServerContext::~TlsServerContext() = default;

Result<std::shared_ptr<const TlsServerContext>> TlsServerContext::load(const std::string& dir) {
  std::string chain_path = dir + "/" + truststore::kServerFullchainFile;
  std::string key_path = dir + "/" + truststore::kServerKeyFile;
  auto chain_pem = readFile(chain_path);
  if (!chain_pem) {
    return tl::unexpected(chain_pem.error());
  }
  auto chain = parseChain(chain_path, *chain_pem);
  if (!chain) {
    return tl::unexpected(chain.error());
  }
  auto key_pem = readFile(key_path);
  if (!key_pem) {
    return tl::unexpected(key_pem.error());
  }
  ossl::clearErrors();
  ossl::BioPtr key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  ossl::EvpPkeyPtr key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, noPassword, nullptr) : nullptr);
  key_bio.reset();
  truststore::wipeSecret(*key_pem);
  if (!key) {
    return tl::unexpected(cryptoError(key_path, "not a PEM private key"));
  }
  X509* leaf = chain->front().get();
  if (X509_check_private_key(leaf, key.get()) != 1) {
    ossl::clearErrors();
    return fail(ErrorCode::ServerKeyMismatch, key_path + ": is not the key of the leaf in " +
                                                  chain_path +
                                                  "; re-issue or re-upload the server certificate");
  }

  std::shared_ptr<TlsServerContext> made(new TlsServerContext());
  made->impl_->ctx.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ctx = made->impl_->ctx.get();
  if (ctx == nullptr || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return tl::unexpected(cryptoError(dir, "cannot set up a TLS server"));
  }
  // Renegotiation is an old TLS 1.2 denial-of-service lever and nothing here needs it.
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  // Partial writes let one SSL_write fill what the socket takes, like send() does.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate(ctx, leaf) != 1) {
    return tl::unexpected(cryptoError(chain_path, "the leaf is refused"));
  }
  for (size_t i = 1; i < chain->size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, (*chain)[i].get()) != 1) {
      return tl::unexpected(cryptoError(chain_path, "an intermediate is refused"));
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return tl::unexpected(cryptoError(key_path, "the key is refused"));
  }
  made->fullchain_sha256_ = ossl::sha256HexOf(
      reinterpret_cast<const unsigned char*>(chain_pem->data()), chain_pem->size());
  made->leaf_sha256_ = derSha256(leaf);
  return std::shared_ptr<const TlsServerContext>(std::move(made));
}

Result<std::unique_ptr<TlsStream>> TlsServerContext::newStream(int fd) const {
  ossl::clearErrors();
  auto impl = std::make_unique<TlsStream::Impl>();
  // SSL_new takes its own reference to the context: replacing this one later is safe.
  impl->ssl.reset(SSL_new(impl_->ctx.get()));
  if (!impl->ssl || SSL_set_fd(impl->ssl.get(), fd) != 1) {
    return tl::unexpected(cryptoError("TLS session", "cannot be created"));
  }
  SSL_set_accept_state(impl->ssl.get());
  return std::unique_ptr<TlsStream>(new TlsStream(std::move(impl)));
}

TlsStream::TlsStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsStream::~TlsStream() = default;

TlsIo TlsStream::classify(int rc) {
  switch (SSL_get_error(impl_->ssl.get(), rc)) {
    case SSL_ERROR_WANT_READ:
      return TlsIo::WantRead;
    case SSL_ERROR_WANT_WRITE:
      return TlsIo::WantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return TlsIo::Closed;
    case SSL_ERROR_SYSCALL:
      impl_->fatal = true;
      failure_ = ossl::drainErrors();
      return failure_.empty() ? TlsIo::Closed : TlsIo::Failed;  // empty: EOF or reset
    default:
      impl_->fatal = true;
      failure_ = ossl::drainErrors();
      return TlsIo::Failed;
  }
}

TlsIo TlsStream::handshake() {
  ossl::clearErrors();
  int rc = SSL_do_handshake(impl_->ssl.get());
  return rc == 1 ? TlsIo::Done : classify(rc);
}

TlsIo TlsStream::read(std::string& into, size_t limit) {
  char buf[4096];
  while (into.size() < limit) {
    ossl::clearErrors();
    size_t got = 0;
    size_t want = std::min(sizeof(buf), limit - into.size());
    if (SSL_read_ex(impl_->ssl.get(), buf, want, &got) != 1) {
      return classify(0);
    }
    into.append(buf, got);
  }
  return TlsIo::Done;
}

TlsIo TlsStream::write(std::string_view data, size_t& sent) {
  while (sent < data.size()) {
    ossl::clearErrors();
    size_t n = 0;
    if (SSL_write_ex(impl_->ssl.get(), data.data() + sent, data.size() - sent, &n) != 1) {
      return classify(0);
    }
    sent += n;
  }
  return TlsIo::Done;
}

void TlsStream::shutdown() {
  if (impl_->shut || impl_->fatal || SSL_is_init_finished(impl_->ssl.get()) != 1) {
    return;
  }
  impl_->shut = true;
  ossl::clearErrors();
  SSL_shutdown(impl_->ssl.get());  // one try: the socket is closed next whatever it returns
  ossl::clearErrors();
}

}  // namespace trustctl::agent
