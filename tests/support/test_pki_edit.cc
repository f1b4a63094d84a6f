#include "tests/support/test_pki_edit.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <functional>
#include <stdexcept>

#include "truststore/ossl.h"

namespace trustctl::testing {

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("test PKI edit: ") + what +
                             " failed: " + ossl::drainErrors());
  }
}

Issued edited(const Issued& cert, const Issued& signer, const std::function<void(X509*)>& edit) {
  ossl::X509Ptr x(X509_dup(cert.cert->x509()));
  check(x != nullptr, "X509_dup");
  edit(x.get());
  // Always SHA-256: the edits make other faults than weak digests.
  check(X509_sign(x.get(), signer.key->evp(), EVP_sha256()) > 0, "re-signing");
  // Through DER, so the certificate's cached extension flags are those of the new encoding.
  unsigned char* der = nullptr;
  int len = i2d_X509(x.get(), &der);
  check(len > 0, "encoding");
  ossl::OpensslBytesPtr owned(der);
  auto parsed = truststore::Certificate::parseDer(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(len)));
  check(static_cast<bool>(parsed), "re-parsing");
  return Issued{*parsed, cert.key};
}

void remove(X509* x, int nid) {
  for (int at = X509_get_ext_by_NID(x, nid, -1); at >= 0; at = X509_get_ext_by_NID(x, nid, -1)) {
    X509_EXTENSION_free(X509_delete_ext(x, at));
  }
}

}  // namespace

Issued withoutExtension(const Issued& cert, const Issued& signer, int nid) {
  return edited(cert, signer, [nid](X509* x) { remove(x, nid); });
}

Issued withExtension(const Issued& cert, const Issued& signer, int nid, const std::string& value) {
  return edited(cert, signer, [&](X509* x) {
    remove(x, nid);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    // Key identifiers of the new extension (if any) come from the signer's certificate.
    X509V3_set_ctx(&ctx, signer.cert->x509(), x, nullptr, nullptr, 0);
    ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    check(ext != nullptr, "extension");
    check(X509_add_ext(x, ext.get(), -1) == 1, "add extension");
  });
}

}  // namespace trustctl::testing
