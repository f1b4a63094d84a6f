// The table of faults: its parts assembled in one order, and the small PKI pieces the
// revocation scenarios need (a CRL), built here so the table depends on nothing but TestPki.
#include "tests/support/fault_scenarios.h"

#include <openssl/x509v3.h>

#include <set>
#include <stdexcept>

#include "truststore/ossl.h"

namespace trustctl::testing {

namespace {

using RevokedPtr = std::unique_ptr<X509_REVOKED, ossl::Deleter<X509_REVOKED_free>>;

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("fault scenarios: ") + what +
                             " failed: " + ossl::drainErrors());
  }
}

ossl::Asn1TimePtr timeAt(UnixTime now, long offset) {
  ossl::Asn1TimePtr t(ASN1_TIME_new());
  time_t base = static_cast<time_t>(now);
  check(t && X509_time_adj_ex(t.get(), 0, offset, &base) != nullptr, "CRL time");
  return t;
}

}  // namespace

std::string_view fixName(Fix fix) {
  switch (fix) {
    case Fix::InstallRecommended:
      return "install the recommendation";
    case Fix::NothingToInstall:
      return "nothing to install";
    case Fix::NothingFound:
      return "nothing found to install";
    case Fix::NotApplicable:
      return "not applicable";
  }
  return "";
}

CertOptions loopbackLeafOptions() {
  CertOptions o;
  o.sans = {"DNS:localhost", "IP:127.0.0.1"};
  return o;
}

std::string scenarioUrl(const ScenarioSetup& setup, int port) {
  return setup.scheme + "://" + setup.host + ":" + std::to_string(port) + "/";
}

long serialOf(const CertificatePtr& cert) {
  return ASN1_INTEGER_get(X509_get0_serialNumber(cert->x509()));
}

std::string makeCrlDer(const Issued& issuer, const std::vector<long>& revoked_serials,
                       UnixTime now) {
  ossl::X509CrlPtr crl(X509_CRL_new());
  check(crl != nullptr, "X509_CRL_new");
  check(X509_CRL_set_version(crl.get(), 1) == 1, "CRL version");  // v2
  check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.cert->x509())) == 1,
        "CRL issuer");
  auto last = timeAt(now, -3600);
  auto next = timeAt(now, 7L * 86400);
  check(X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1, "CRL thisUpdate");
  check(X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1, "CRL nextUpdate");
  for (long serial : revoked_serials) {
    RevokedPtr entry(X509_REVOKED_new());
    ossl::Asn1IntegerPtr number(ASN1_INTEGER_new());
    check(entry && number && ASN1_INTEGER_set(number.get(), serial) == 1, "revoked serial");
    check(X509_REVOKED_set_serialNumber(entry.get(), number.get()) == 1 &&
              X509_REVOKED_set_revocationDate(entry.get(), last.get()) == 1,
          "revoked entry");
    check(X509_CRL_add0_revoked(crl.get(), entry.get()) == 1, "X509_CRL_add0_revoked");
    entry.release();  // owned by the CRL now
  }
  ossl::Asn1IntegerPtr crl_number(ASN1_INTEGER_new());
  check(crl_number && ASN1_INTEGER_set(crl_number.get(), 1) == 1, "CRL number");
  check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crl_number.get(), 0, 0) == 1,
        "CRL number extension");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer.cert->x509(), nullptr, nullptr, crl.get(), 0);
  ossl::X509ExtensionPtr aki(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  check(aki && X509_CRL_add_ext(crl.get(), aki.get(), -1) == 1, "CRL authority key id");
  check(X509_CRL_sort(crl.get()) == 1, "X509_CRL_sort");
  check(X509_CRL_sign(crl.get(), issuer.key->evp(), EVP_sha256()) > 0, "X509_CRL_sign");
  unsigned char* buf = nullptr;
  int len = i2d_X509_CRL(crl.get(), &buf);
  ossl::OpensslBytesPtr owned(buf);
  check(len > 0, "i2d_X509_CRL");
  return std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
}

const std::vector<FaultScenario>& faultScenarios() {
  static const std::vector<FaultScenario> table = [] {
    std::vector<FaultScenario> all;
    for (auto part : {classicCertificateScenarios, longTailCertificateScenarios, chainScenarios,
                      transportScenarios, proxyScenarios}) {
      for (auto& s : part()) {
        all.push_back(std::move(s));
      }
    }
    std::set<std::string> names;
    for (const auto& s : all) {
      if (!names.insert(s.name).second) {
        throw std::logic_error("fault scenarios: the name '" + s.name + "' is used twice");
      }
    }
    return all;
  }();
  return table;
}

}  // namespace trustctl::testing
