#include "truststore/compromised_roots.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <mutex>

namespace trustctl::truststore {

namespace {

// Every hash below is the SHA-256 of the DER SubjectPublicKeyInfo, as listed in Chromium's
// certificate blocklist (net/cert/cert_verify_proc_blocklist.inc, with the certificates and
// reasons in net/data/ssl/blocklist/README.md). The eDellRoot and Superfish hashes were also
// recomputed here from the published certificates (openssl x509 -pubkey | openssl pkey -pubin
// -outform DER | sha256sum); tests/truststore/compromised_roots_test.cc does it again.
constexpr std::array kKnown = {
    CompromisedKey{"cdee9f3305572a677e1a6c82dc1e02a35b11cae6a684338c9f37fe1ac8daec23", "eDellRoot",
                   "Dell installed this root with its private key on its laptops in 2015 "
                   "(Dell Foundation Services), and the key was extracted from them."},
    CompromisedKey{"130ad4e0633521290531b6651f5759b0bc7bc656709ff8f365c2143b0389b6f6",
                   "DSDTestProvider",
                   "Dell System Detect installed this root with its private key in 2015, and "
                   "the key was extracted from it."},
    CompromisedKey{"4bb8f35ba1e126f8dde1b0c420625ed86dce61a7bddadbdea9aba578ff13145e",
                   "Superfish, Inc.",
                   "The Superfish adware preinstalled on Lenovo computers in 2015 used this root "
                   "with one private key on every machine to intercept HTTPS; the key was "
                   "extracted."},
    CompromisedKey{"0c43ea8bcde9fc3bca165664ac8215567e3489d5393a0c81e1a79141992e1953",
                   "SenncomRootCA (Sennheiser)",
                   "Sennheiser's HeadSetup software installed this root with its private key "
                   "on users' machines; the key was disclosed in 2018."},
    CompromisedKey{"8f591f7aa4dc3efe9490c38a4692c9011ed128f1de595569406d77b6fa1f6b4c",
                   "Sennheiser 127.0.0.1 CA",
                   "Sennheiser's HeadSetup software installed this CA certificate with its "
                   "private key on users' machines; the key was disclosed in 2018."},
    CompromisedKey{"1af56c98ff043ef92bebff54cebb4dd67a25ba956c817f3e6dd3c1e52eb584c1",
                   "Cyberoam DPI CA",
                   "Cyberoam's inspection devices shipped with the same CA private key by "
                   "default, and that key leaked in 2012 (CVE-2012-3372)."},
    CompromisedKey{"707d364e72ae521431dd953897f9c4846d5b8c324298fe53fbd4ada1f2d1157f",
                   "Mitel product certificate",
                   "Mitel products shipped with an extractable private key for a certificate "
                   "users were told to install as a trust anchor (advisory 17-0001)."},
    CompromisedKey{"6adb8e3e055460922d1501cb97f94c6a02e39c8f2774ca408825b7b58379dc14",
                   "Mitel product certificate",
                   "Mitel products shipped with an extractable private key for a certificate "
                   "users were told to install as a trust anchor (advisory 17-0001)."},
    CompromisedKey{"490b6ec6beb2d6034720b5149b6b29cd35515988cc16af854148b07b9b1f8a11",
                   "Mitel product certificate",
                   "Mitel products shipped with an extractable private key for a certificate "
                   "users were told to install as a trust anchor (advisory 17-0001)."},
    CompromisedKey{"ef551284715232de92e246c323329362b132493bb16b589e4775520beb871a56",
                   "Mitel product certificate",
                   "Mitel products shipped with an extractable private key for a certificate "
                   "users were told to install as a trust anchor (advisory 17-0001)."},
};

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return out;
}

// Keys named by TRUSTCTL_TEST_COMPROMISED_SPKI (comma-separated hex), read on each lookup so a
// test process can set it at any time. Entries are kept for the life of the process: a
// returned pointer stays valid.
const CompromisedKey* findTestKey(const std::string& wanted) {
  const char* env = std::getenv("TRUSTCTL_TEST_COMPROMISED_SPKI");
  if (!env || !*env) {
    return nullptr;
  }
  std::string list = lowercase(env);
  bool listed = false;
  for (size_t start = 0; start <= list.size();) {
    size_t end = std::min(list.find(',', start), list.size());
    if (list.compare(start, end - start, wanted) == 0) {
      listed = true;
      break;
    }
    start = end + 1;
  }
  if (!listed) {
    return nullptr;
  }
  static std::mutex mutex;
  static auto& hashes = *new std::deque<std::string>();
  static auto& entries = *new std::deque<CompromisedKey>();
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& e : entries) {
    if (e.spki_sha256 == wanted) {
      return &e;
    }
  }
  const std::string& stored = hashes.emplace_back(wanted);
  return &entries.emplace_back(CompromisedKey{
      stored, "test compromised key",
      "Listed by TRUSTCTL_TEST_COMPROMISED_SPKI for a test; not a real compromised key."});
}

}  // namespace

const CompromisedKey* findCompromisedKey(std::string_view spki_sha256_hex) {
  std::string wanted = lowercase(spki_sha256_hex);
  if (wanted.size() != 64) {
    return nullptr;
  }
  for (const auto& k : kKnown) {
    if (k.spki_sha256 == wanted) {
      return &k;
    }
  }
  return findTestKey(wanted);
}

}  // namespace trustctl::truststore
