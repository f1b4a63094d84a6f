#pragma once
// Revocation material generated at test time: leaves naming a CRL distribution point and an
// OCSP responder, OCSP responder certificates, CRLs and OCSP responses signed on the spot with
// times relative to an injected instant; and real servers on 127.0.0.1: nginx serving a folder
// over plain HTTP (CRLs), and `openssl ocsp` answering from an index file.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/servers.h"
#include "tests/support/test_pki.h"

namespace trustctl::testing {

// A leaf (serverAuth, SAN DNS:localhost and IP:127.0.0.1 unless `sans` says otherwise) issued
// by `issuer`, valid a year around `now`, naming these CRL and OCSP URLs.
Issued makeRevocableLeaf(const Issued& issuer, const std::string& cn, UnixTime now,
                         const std::vector<std::string>& crl_urls,
                         const std::vector<std::string>& ocsp_urls,
                         std::vector<std::string> sans = {});
// A certificate `issuer` issues to an OCSP responder, with id-kp-OCSPSigning unless told not.
Issued makeOcspSigner(const Issued& issuer, UnixTime now, bool ocsp_signing = true);

struct CrlRevocation {
  CertificatePtr cert;
  UnixTime revoked_at = 0;
  int reason = -1;  // CRLReason code, -1 for no reason extension
};
// A DER CRL issued by `issuer` (signed with `signer_key`, the issuer's own unless given).
std::string makeCrl(const Issued& issuer, UnixTime this_update, std::optional<UnixTime> next_update,
                    const std::vector<CrlRevocation>& revoked,
                    const PrivateKeyPtr* signer_key = nullptr);
std::string crlToPem(const std::string& der);

struct OcspAnswer {
  enum class Status { Good, Revoked, Unknown } status = Status::Good;
  UnixTime this_update = 0;
  std::optional<UnixTime> next_update;
  UnixTime revoked_at = 0;
  int reason = -1;  // -1: none given
};
// A DER OCSPResponse about `cert` (issued by `issuer`), signed by `signer` (the issuer or a
// delegate), including the signer's certificate when it is not the issuer.
std::string makeOcspResponse(const CertificatePtr& cert, const Issued& issuer, const Issued& signer,
                             const OcspAnswer& answer);
// An OCSPResponse with only an error status (e.g. 1 = malformedRequest, 6 = unauthorized).
std::string makeOcspErrorResponse(int status);

// nginx serving `folder` over plain HTTP on 127.0.0.1 (url(path) = http://127.0.0.1:PORT/path).
class HttpFolderServer {
 public:
  explicit HttpFolderServer(const std::string& folder);
  std::string url(const std::string& path) const;
  int port() const { return server_->port; }

 private:
  std::unique_ptr<TestServer> server_;
};

// `openssl ocsp` answering for certificates of `ca` from an index of `good` and `revoked`
// ones (revoked with reason keyCompromise), signing with `signer`, on `port` (0 = a free one).
class OcspResponder {
 public:
  OcspResponder(const Issued& ca, const Issued& signer, const std::vector<CertificatePtr>& good,
                const std::vector<CertificatePtr>& revoked, int port = 0);
  std::string url() const;
  int port() const { return server_->port; }
  void stop() { server_->process.reset(); }

 private:
  std::unique_ptr<TestServer> server_;
};

}  // namespace trustctl::testing
