#pragma once
// An immutable X.509 certificate: its DER, the parsed OpenSSL object and the fields trustctl
// shows and decides on. Shared as CertificatePtr. It does not judge validity or trust; see
// certificate_status.h and chain_verifier.h for that.

#include <memory>
#include <string>
#include <vector>

#include "truststore/error.h"
#include "truststore/time_util.h"

typedef struct x509_st X509;

namespace trustctl::truststore {

// The fields of a certificate that survive without OpenSSL: kept in the store's state so that
// listing a large library parses no DER.
struct CertificateInfo {
  std::string sha256;   // 64 lowercase hex digits of the DER
  std::string subject;  // RFC 2253 one line
  std::string issuer;
  std::string subject_cn;  // "" when the name has no CN
  std::string issuer_cn;
  std::string serial;  // hex
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  bool is_ca = false;         // basicConstraints CA:TRUE, or a v1 self-signed certificate
  bool self_signed = false;   // issuer == subject and the signature verifies with its own key
  std::string key_algorithm;  // "RSA", "EC", "Ed25519", ...
  int key_bits = 0;
  std::string signature_algorithm;  // e.g. "sha256WithRSAEncryption"
  std::vector<std::string> sans;    // "DNS:host", "IP:127.0.0.1", "email:...", "URI:..."
  std::string subject_key_id;       // hex, "" when absent
  std::string authority_key_id;
  std::vector<std::string> ca_issuers;  // AIA caIssuers URLs
  std::string spki_sha256;              // hex SHA-256 of the SubjectPublicKeyInfo
};

class Certificate;
using CertificatePtr = std::shared_ptr<const Certificate>;

class Certificate {
 public:
  // Parses one DER certificate; fails with UnrecognizedFormat when it is not one, including
  // when bytes follow the certificate.
  static Result<CertificatePtr> parseDer(std::string_view der);
  // Takes a new reference to `x` (borrowed) and re-encodes it.
  static Result<CertificatePtr> fromX509(X509* x);

  ~Certificate();
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  const CertificateInfo& info() const { return info_; }
  const std::string& sha256() const { return info_.sha256; }
  const std::string& der() const { return der_; }
  std::string pem() const;
  // Borrowed; valid while this Certificate lives. OpenSSL calls need it non-const.
  X509* x509() const { return x509_; }

  // True when `child` names this certificate's subject as its issuer and its signature
  // verifies with this certificate's public key.
  bool isIssuerOf(const Certificate& child) const;

 private:
  Certificate() = default;
  std::string der_;
  X509* x509_ = nullptr;  // owned; freed in the destructor through ossl.h's owner
  CertificateInfo info_;
};

// Short fingerprint for tables: the first 16 hex digits.
std::string shortFingerprint(const std::string& sha256_hex);

}  // namespace trustctl::truststore
