// The list of roots whose private keys are public: lookups, case, the test hook, and two real
// published certificates (public data: no key is embedded) found by their computed SPKI hash.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include <openssl/pem.h>

#include "truststore/certificate.h"
#include "truststore/compromised_roots.h"
#include "truststore/ossl.h"

using namespace trustctl;
using truststore::findCompromisedKey;

namespace {

// The Superfish, Inc. root preinstalled on Lenovo computers (2014-2015), as published.
constexpr const char* kSuperfishPem = R"(-----BEGIN CERTIFICATE-----
MIIC9TCCAl6gAwIBAgIJANL8E4epRNznMA0GCSqGSIb3DQEBBQUAMFsxGDAWBgNV
BAoTD1N1cGVyZmlzaCwgSW5jLjELMAkGA1UEBxMCU0YxCzAJBgNVBAgTAkNBMQsw
CQYDVQQGEwJVUzEYMBYGA1UEAxMPU3VwZXJmaXNoLCBJbmMuMB4XDTE0MDUxMjE2
MjUyNloXDTM0MDUwNzE2MjUyNlowWzEYMBYGA1UEChMPU3VwZXJmaXNoLCBJbmMu
MQswCQYDVQQHEwJTRjELMAkGA1UECBMCQ0ExCzAJBgNVBAYTAlVTMRgwFgYDVQQD
Ew9TdXBlcmZpc2gsIEluYy4wgZ8wDQYJKoZIhvcNAQEBBQADgY0AMIGJAoGBAOjz
Shh2Xxk/sc9Y6X9DBwmVgDXFD/5xMSeBmRImIKXfj2r8QlU57gk4idngNsSsAYJb
1Tnm+Y8HiN/+7vahFM6pdEXY/fAXVyqC4XouEpNarIrXFWPRt5tVgA9YvBxJ7SBi
3bZMpTrrHD2g/3pxptMQeDOuS8Ic/ZJKocPnQaQtAgMBAAGjgcAwgb0wDAYDVR0T
BAUwAwEB/zAdBgNVHQ4EFgQU+5izU38URC7o7tUJml4OVoaoNYgwgY0GA1UdIwSB
hTCBgoAU+5izU38URC7o7tUJml4OVoaoNYihX6RdMFsxGDAWBgNVBAoTD1N1cGVy
ZmlzaCwgSW5jLjELMAkGA1UEBxMCU0YxCzAJBgNVBAgTAkNBMQswCQYDVQQGEwJV
UzEYMBYGA1UEAxMPU3VwZXJmaXNoLCBJbmMuggkA0vwTh6lE3OcwDQYJKoZIhvcN
AQEFBQADgYEApHyg7ApKx3DEcWjzOyLi3JyN0JL+c35yK1VEmxu0Qusfr76645Oj
1IsYwpTws6a9ZTRMzST4GQvFFQra81eLqYbPbMPuhC+FCxkUF5i0DNSWi+kczJXJ
TtCqSwGl9t9JEoFqvtW+znZ9TqyLiOMw7TGEUI+88VAqW0qmXnwPcfo=
-----END CERTIFICATE-----
)";

// The eDellRoot certificate Dell installed in 2015, as published.
constexpr const char* kEDellRootPem = R"(-----BEGIN CERTIFICATE-----
MIIC8zCCAd+gAwIBAgIQa8V7lRiTqpdLYkrAiPw7tjAJBgUrDgMCHQUAMBQxEjAQ
BgNVBAMTCWVEZWxsUm9vdDAeFw0xNTA0MDcxMDIzMjdaFw0zOTEyMzEyMzU5NTla
MBQxEjAQBgNVBAMTCWVEZWxsUm9vdDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCC
AQoCggEBAL3RJg1uzVuEX0Hw4XWGzs6oI9W+o7HZdVdBMMVb4Gzb4uZjCTNjbPx4
b8LNFL1uArUt+5VVMQDsOTY3Lg/Xe/UNukY2b+0llUOzzBYYpbsFcco4n6SsTvDh
Ni5t+kPo7c23ZrYBPmOu82eEJ6cavs/t39u+wFOkXXwvRCiHA/lWyNWNEPh17+bC
EP3q5N+JrV+6Ho3zQPEv5QUJYdmXsMmD2CMQojeQUj68J91P5w5BKjurG0xjivzh
Soie9ym7VRwLFjWScRuw/9XV6CLqTyL5xrqiiDp1uTOuqNj3uxyts9ocbsoJXuxj
5iEYkSM1nvLupEv+lgy9WqzIEFMm1l8CAwEAAaNJMEcwRQYDVR0BBD4wPIAQYA/f
EzPwmaRcZuSaa/VZ1KEWMBQxEjAQBgNVBAMTCWVEZWxsUm9vdIIQa8V7lRiTqpdL
YkrAiPw7tjAJBgUrDgMCHQUAA4IBAQArfdcScsezj8ooJ92UwwnPgg36noOgiUs5
XzPLP4h0JpUYQVKB9hY1WTDwRUfTKGh7oNOowd027a/rVSb/TNeoiJIvMKn4gbvV
CWAiHhO8u2u0RkHCDVsa7e0i4ncpueWsihjn6jBrY8T+7eDYwiFT/F03A8NJ7mK5
lZA8SFd5CTDy3EBUU5UwzXUc5HoIRUxXSPycu3aIBWawg3sCdKiAoikScPAWj0bM
0vmsP/8QSlTOBqO+QFQ6R82BtTvBNU3qbVICV4QObsxib++FAFL56NApPqskg7Vz
LfNIAjKabHUcjbuZkmg6jr4BfYW7+oQDHCsYgADjjKGdKz/8U/fP
-----END CERTIFICATE-----
)";

truststore::CertificatePtr parsePem(const char* pem) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem, -1));
  ossl::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(x);
  auto cert = truststore::Certificate::fromX509(x.get());
  REQUIRE(cert);
  return *cert;
}

struct EnvGuard {
  explicit EnvGuard(const char* value) { ::setenv("TRUSTCTL_TEST_COMPROMISED_SPKI", value, 1); }
  ~EnvGuard() { ::unsetenv("TRUSTCTL_TEST_COMPROMISED_SPKI"); }
};

}  // namespace

TEST_CASE("compromised roots: the known keys are found by SPKI hash, in any case", "[truststore]") {
  const auto* dell =
      findCompromisedKey("cdee9f3305572a677e1a6c82dc1e02a35b11cae6a684338c9f37fe1ac8daec23");
  REQUIRE(dell);
  CHECK(dell->name == "eDellRoot");
  CHECK(!dell->why.empty());
  const auto* upper =
      findCompromisedKey("CDEE9F3305572A677E1A6C82DC1E02A35B11CAE6A684338C9F37FE1AC8DAEC23");
  CHECK(upper == dell);
  const auto* dsd =
      findCompromisedKey("130ad4e0633521290531b6651f5759b0bc7bc656709ff8f365c2143b0389b6f6");
  REQUIRE(dsd);
  CHECK(dsd->name == "DSDTestProvider");
  CHECK(findCompromisedKey("0c43ea8bcde9fc3bca165664ac8215567e3489d5393a0c81e1a79141992e1953"));
}

TEST_CASE("compromised roots: other keys, prefixes and junk are not on the list", "[truststore]") {
  CHECK_FALSE(findCompromisedKey(""));
  CHECK_FALSE(findCompromisedKey("cdee9f33"));
  CHECK_FALSE(
      findCompromisedKey("cdee9f3305572a677e1a6c82dc1e02a35b11cae6a684338c9f37fe1ac8daec24"));
  CHECK_FALSE(
      findCompromisedKey("cdee9f3305572a677e1a6c82dc1e02a35b11cae6a684338c9f37fe1ac8daec23,"));
}

TEST_CASE("compromised roots: published certificates are found by their computed SPKI hash",
          "[truststore]") {
  auto superfish = parsePem(kSuperfishPem);
  const auto* s = findCompromisedKey(superfish->info().spki_sha256);
  REQUIRE(s);
  CHECK(s->name == "Superfish, Inc.");
  auto dell = parsePem(kEDellRootPem);
  const auto* d = findCompromisedKey(dell->info().spki_sha256);
  REQUIRE(d);
  CHECK(d->name == "eDellRoot");
}

TEST_CASE("compromised roots: TRUSTCTL_TEST_COMPROMISED_SPKI adds keys at run time",
          "[truststore]") {
  const std::string a(64, 'a');
  const std::string b = std::string(63, 'b') + "c";
  CHECK_FALSE(findCompromisedKey(a));
  {
    EnvGuard env(("AAAA" + std::string(60, 'A') + "," + b).c_str());
    const auto* ka = findCompromisedKey(a);
    REQUIRE(ka);
    CHECK(ka->name == "test compromised key");
    CHECK(ka->spki_sha256 == a);
    CHECK(findCompromisedKey(a) == ka);  // one entry, a stable pointer
    REQUIRE(findCompromisedKey(b));
    CHECK_FALSE(findCompromisedKey(std::string(64, 'd')));
  }
  CHECK_FALSE(findCompromisedKey(a));
}
