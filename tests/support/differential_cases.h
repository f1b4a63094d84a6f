#pragma once
// The chains of the differential test of `trustctl verify` against `openssl verify`
// (tests/integration/verify_differential_test.cc): valid ones, and one fault each of the
// kinds RFC 5280, the TLS server profile and host name matching know. Generated from one
// TestPki, so the set is the same on every run and in every year.

#include <string>
#include <vector>

#include "tests/support/test_pki.h"

namespace trustctl::testing {

struct DifferentialCase {
  std::string name;
  CertificatePtr leaf;
  std::vector<CertificatePtr> untrusted;  // passed as --untrusted / -untrusted, in this order
  std::vector<CertificatePtr> anchors;    // what the connector trusts / the -CAfile
  std::string host;                       // "" checks no name
};

// Deterministic in what each case is (not in its key bytes): judged at `pki.now()`.
std::vector<DifferentialCase> makeDifferentialCases(TestPki& pki);

}  // namespace trustctl::testing
