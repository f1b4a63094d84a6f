// Builders and servers of test_revocation.h. Everything is signed on the spot; times are
// relative to the instant the test passes in.
#include "tests/support/test_revocation.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "tests/support/servers.h"

#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "truststore/ossl.h"

namespace trustctl::testing {

namespace {

std::atomic<long> next_serial{900000};

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("test revocation: ") + what +
                             " failed: " + ossl::drainErrors());
  }
}

// A CA:FALSE certificate for `cn` issued by `issuer`; `extensions` adds (nid, value) pairs.
Issued issue(const Issued& issuer, const std::string& cn, UnixTime now,
             const std::vector<std::pair<int, std::string>>& extensions) {
  ossl::EvpPkeyPtr evp(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(evp != nullptr, "key generation");
  PrivateKeyPtr key = truststore::PrivateKey::fromEvp(evp.get());
  ossl::X509Ptr x(X509_new());
  check(x != nullptr, "X509_new");
  check(X509_set_version(x.get(), X509_VERSION_3) == 1, "version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), next_serial++) == 1, "serial");
  check(X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "subject");
  X509* signer = issuer.cert->x509();
  check(X509_set_issuer_name(x.get(), X509_get_subject_name(signer)) == 1, "issuer name");
  time_t base = static_cast<time_t>(now);
  check(X509_time_adj_ex(X509_getm_notBefore(x.get()), 0, -86400, &base) != nullptr, "notBefore");
  check(X509_time_adj_ex(X509_getm_notAfter(x.get()), 365, 0, &base) != nullptr, "notAfter");
  check(X509_set_pubkey(x.get(), key->evp()) == 1, "public key");
  addX509Extension(x.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
  addX509Extension(x.get(), signer, NID_subject_key_identifier, "hash");
  addX509Extension(x.get(), signer, NID_authority_key_identifier, "keyid:always");
  for (const auto& [nid, value] : extensions) {
    addX509Extension(x.get(), signer, nid, value);
  }
  check(X509_sign(x.get(), issuer.key->evp(), EVP_sha256()) > 0, "signing");
  auto cert = truststore::Certificate::fromX509(x.get());
  check(static_cast<bool>(cert), "wrapping the certificate");
  return Issued{*cert, key};
}

ossl::Asn1TimePtr timeAt(UnixTime t) {
  ossl::Asn1TimePtr out(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(t)));
  check(out != nullptr, "time");
  return out;
}

template <typename T, typename Fn>
std::string derOf(T* object, Fn i2d) {
  int size = i2d(object, nullptr);
  check(size > 0, "DER encoding");
  std::string der(static_cast<size_t>(size), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d(object, &p);
  return der;
}

// The index file's time form, YYMMDDHHMMSSZ.
std::string indexTime(UnixTime t) {
  time_t tt = static_cast<time_t>(t);
  struct tm parts {};
  gmtime_r(&tt, &parts);
  char buf[32];
  strftime(buf, sizeof(buf), "%y%m%d%H%M%SZ", &parts);
  return buf;
}

std::string serialHex(const CertificatePtr& cert) {
  ossl::BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert->x509()), nullptr));
  ossl::OpensslStringPtr hex(bn ? BN_bn2hex(bn.get()) : nullptr);
  check(hex != nullptr, "serial");
  return hex.get();
}

}  // namespace

Issued makeRevocableLeaf(const Issued& issuer, const std::string& cn, UnixTime now,
                         const std::vector<std::string>& crl_urls,
                         const std::vector<std::string>& ocsp_urls, std::vector<std::string> sans) {
  if (sans.empty()) {
    sans = {"DNS:localhost", "IP:127.0.0.1"};
  }
  std::vector<std::pair<int, std::string>> ext{
      {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
      {NID_subject_alt_name, joinedList(sans, "")}};
  if (!crl_urls.empty()) {
    ext.emplace_back(NID_crl_distribution_points, joinedList(crl_urls, "URI:"));
  }
  if (!ocsp_urls.empty()) {
    ext.emplace_back(NID_info_access, joinedList(ocsp_urls, "OCSP;URI:"));
  }
  return issue(issuer, cn, now, ext);
}

Issued makeOcspSigner(const Issued& issuer, UnixTime now, bool ocsp_signing) {
  return issue(issuer, "Test OCSP Responder", now,
               {{NID_key_usage, "critical,digitalSignature"},
                {NID_ext_key_usage, ocsp_signing ? "OCSPSigning" : "serverAuth"}});
}

std::string makeCrl(const Issued& issuer, UnixTime this_update, std::optional<UnixTime> next_update,
                    const std::vector<CrlRevocation>& revoked, const PrivateKeyPtr* signer_key) {
  ossl::X509CrlPtr crl(X509_CRL_new());
  check(crl != nullptr, "X509_CRL_new");
  check(X509_CRL_set_version(crl.get(), 1) == 1, "CRL version");
  check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.cert->x509())) == 1,
        "CRL issuer");
  check(X509_CRL_set1_lastUpdate(crl.get(), timeAt(this_update).get()) == 1, "thisUpdate");
  if (next_update) {
    check(X509_CRL_set1_nextUpdate(crl.get(), timeAt(*next_update).get()) == 1, "nextUpdate");
  }
  for (const auto& r : revoked) {
    ossl::X509RevokedPtr entry(X509_REVOKED_new());
    check(entry != nullptr, "X509_REVOKED_new");
    check(X509_REVOKED_set_serialNumber(
              entry.get(), const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(r.cert->x509()))) == 1,
          "revoked serial");
    check(X509_REVOKED_set_revocationDate(entry.get(), timeAt(r.revoked_at).get()) == 1,
          "revocation date");
    if (r.reason >= 0) {
      ossl::Asn1EnumeratedPtr reason(ASN1_ENUMERATED_new());
      check(reason && ASN1_ENUMERATED_set(reason.get(), r.reason) == 1, "reason");
      check(X509_REVOKED_add1_ext_i2d(entry.get(), NID_crl_reason, reason.get(), 0, 0) == 1,
            "reason extension");
    }
    check(X509_CRL_add0_revoked(crl.get(), entry.get()) == 1, "add revoked");
    entry.release();  // the CRL owns it now
  }
  check(X509_CRL_sort(crl.get()) == 1, "CRL sort");
  EVP_PKEY* key = signer_key != nullptr ? (*signer_key)->evp() : issuer.key->evp();
  check(X509_CRL_sign(crl.get(), key, EVP_sha256()) > 0, "CRL signing");
  return derOf(crl.get(), i2d_X509_CRL);
}

std::string crlToPem(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  check(crl && bio && PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1, "CRL PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string makeOcspResponse(const CertificatePtr& cert, const Issued& issuer, const Issued& signer,
                             const OcspAnswer& answer) {
  ossl::OcspBasicRespPtr basic(OCSP_BASICRESP_new());
  ossl::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), cert->x509(), issuer.cert->x509()));
  check(basic && id, "OCSP objects");
  int status = answer.status == OcspAnswer::Status::Good      ? V_OCSP_CERTSTATUS_GOOD
               : answer.status == OcspAnswer::Status::Revoked ? V_OCSP_CERTSTATUS_REVOKED
                                                              : V_OCSP_CERTSTATUS_UNKNOWN;
  ossl::Asn1TimePtr this_update = timeAt(answer.this_update);
  ossl::Asn1TimePtr next_update = answer.next_update ? timeAt(*answer.next_update) : nullptr;
  ossl::Asn1TimePtr revoked_at = timeAt(answer.revoked_at);
  check(OCSP_basic_add1_status(basic.get(), id.get(), status, answer.reason,
                               status == V_OCSP_CERTSTATUS_REVOKED ? revoked_at.get() : nullptr,
                               this_update.get(), next_update.get()) != nullptr,
        "OCSP status");
  bool delegated = signer.cert->der() != issuer.cert->der();
  check(OCSP_basic_sign(basic.get(), signer.cert->x509(), signer.key->evp(), EVP_sha256(), nullptr,
                        delegated ? 0 : OCSP_NOCERTS) == 1,
        "OCSP signing");
  ossl::OcspResponsePtr response(
      OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  check(response != nullptr, "OCSP response");
  return derOf(response.get(), i2d_OCSP_RESPONSE);
}

std::string makeOcspErrorResponse(int status) {
  ossl::OcspResponsePtr response(OCSP_response_create(status, nullptr));
  check(response != nullptr, "OCSP error response");
  return derOf(response.get(), i2d_OCSP_RESPONSE);
}

HttpFolderServer::HttpFolderServer(const std::string& folder) {
  server_ = std::make_unique<TestServer>();
  server_->dir = std::make_unique<TempDir>();
  const std::string d = server_->dir->path();
  server_->port = freeLoopbackPort();
  std::string conf =
      "daemon off; master_process on; worker_processes 1; pid " + d + "/nginx.pid; error_log " + d +
      "/error.log;\n" + (geteuid() == 0 ? "user root;\n" : "") +
      "events { worker_connections 64; }\n"
      "http { access_log off; default_type application/pkix-crl; client_body_temp_path " +
      d + "; proxy_temp_path " + d + "; fastcgi_temp_path " + d + "; uwsgi_temp_path " + d +
      "; scgi_temp_path " + d + ";\n server { listen 127.0.0.1:" + std::to_string(server_->port) +
      "; root " + folder + "; location /moved { return 302 /; } } }\n";
  std::string conf_path = server_->dir->write("nginx.conf", conf);
  server_->process = std::make_unique<ServerProcess>(
      std::vector<std::string>{"nginx", "-c", conf_path, "-p", d, "-e", d + "/error.log"},
      server_->dir->file("server.log"));
  waitUntilListening(*server_->process, server_->port, "nginx");
}

std::string HttpFolderServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(server_->port) + "/" + path;
}

OcspResponder::OcspResponder(const Issued& ca, const Issued& signer,
                             const std::vector<CertificatePtr>& good,
                             const std::vector<CertificatePtr>& revoked, int port) {
  server_ = std::make_unique<TestServer>();
  server_->dir = std::make_unique<TempDir>();
  std::string index;
  auto line = [&](const CertificatePtr& c, const std::string& status, const std::string& rev) {
    index += status + "\t" + indexTime(c->info().not_after) + "\t" + rev + "\t" + serialHex(c) +
             "\tunknown\t/CN=" + c->info().subject_cn + "\n";
  };
  for (const auto& c : good) {
    line(c, "V", "");
  }
  for (const auto& c : revoked) {
    line(c, "R", indexTime(c->info().not_before + 3600) + ",keyCompromise");
  }
  const TempDir& d = *server_->dir;
  std::string index_path = d.write("index.txt", index);
  d.write("index.txt.attr", "unique_subject = no\n");
  std::string ca_path = d.write("ca.pem", toPem({ca.cert}));
  std::string signer_path = d.write("signer.pem", toPem({signer.cert}));
  std::string key_path = d.write("signer.key", keyPem(signer.key));
  server_->port = port != 0 ? port : freeLoopbackPort();
  // `openssl ocsp -port` takes a port only; tests reach it on 127.0.0.1.
  server_->process = std::make_unique<ServerProcess>(
      std::vector<std::string>{"openssl", "ocsp", "-index", index_path, "-port",
                               std::to_string(server_->port), "-rsigner", signer_path, "-rkey",
                               key_path, "-CA", ca_path, "-nmin", "60", "-ignore_err"},
      d.file("server.log"));
  // A connection that sends nothing leaves `openssl ocsp` stuck on it for good, so readiness
  // is read from its log instead of probed with a connect.
  for (int i = 0; i < 200; ++i) {  // at most ~10 s
    if (server_->process->logTail().find("waiting for OCSP client") != std::string::npos) {
      return;
    }
    if (!server_->process->running()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("openssl ocsp did not start: " + server_->process->logTail());
}

std::string OcspResponder::url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port) + "/";
}

}  // namespace trustctl::testing
