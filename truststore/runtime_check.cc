#include "truststore/runtime_check.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "truststore/certificate_importer.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"

namespace trustctl::truststore {

namespace {

// Every regular file below `dir` by path relative to it; anything else is named with a marker
// so that a link or a FIFO in place of a file shows as a difference.
std::map<std::string, std::string> listTree(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string rel = std::filesystem::relative(it->path(), dir, ec).string();
    auto status = it->symlink_status(ec);
    if (std::filesystem::is_directory(status)) {
      continue;
    }
    out[rel] = std::filesystem::is_regular_file(status) ? "file" : "not a regular file";
  }
  return out;
}

Result<RuntimeInputs> expectedInputs(const Store& store, const StoreState& state,
                                     const Connector& connector, std::uint64_t generation) {
  return gatherRuntimeInputs(
      state, connector, generation,
      [&](const std::string& sha) { return store.loadCertificate(sha); },
      [&](const std::string& id) { return store.loadKey(id); });
}

// The generation the folder was written at: unchanged connectors are carried over by hard
// links, so their manifest keeps the number of the generation that last changed them.
std::uint64_t writtenAt(const std::string& manifest_path, const StoreState& state) {
  auto text = readWholeFile(manifest_path);
  if (!text) {
    return state.generation;
  }
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("generation") || !json["generation"].is_number()) {
    return state.generation;
  }
  auto g = json["generation"].get<std::uint64_t>();
  return g <= state.generation ? g : state.generation;
}

// The Java truststore's PKCS#12 salts are random on every write, so it is compared by the
// certificates it holds.
std::vector<std::string> javaCertificates(const std::string& bytes) {
  auto material = parseImport(bytes, kJavaTruststoreFile,
                              [] { return std::optional<std::string>(kJavaTruststorePassword); });
  std::vector<std::string> out;
  for (const auto& c : material ? material->certificates : std::vector<CertificatePtr>{}) {
    out.push_back(c->sha256());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string compareFile(const std::string& rel, const std::string& expected,
                        const std::string& actual) {
  if (rel == kJavaTruststoreFile) {
    auto want = javaCertificates(expected);
    auto have = javaCertificates(actual);
    return want == have ? ""
                        : "holds " + std::to_string(have.size()) +
                              " readable certificate(s) where the state says " +
                              std::to_string(want.size()) + ", or other ones";
  }
  if (expected == actual) {
    return "";
  }
  return "differs from what the state says it must hold (" + std::to_string(actual.size()) +
         " bytes where " + std::to_string(expected.size()) + " are expected)";
}

}  // namespace

void checkConnectorRuntime(const Store& store, const StoreState& state, const Connector& connector,
                           const std::string& runtime_dir, const std::string& scratch_dir,
                           std::vector<std::string>& problems) {
  std::string who = "connector " + connector.name + ": ";
  auto inputs =
      expectedInputs(store, state, connector, writtenAt(runtime_dir + "/" + kManifestFile, state));
  if (!inputs) {
    problems.push_back(who + "runtime files not compared: " + inputs.error().message);
    return;
  }
  std::string expected_dir = scratch_dir + "/" + connector.name;
  if (auto r = writeConnectorRuntime(expected_dir, *inputs); !r) {
    problems.push_back(who + "runtime files not compared: " + r.error().message);
    removeTree(expected_dir);
    return;
  }
  auto expected = listTree(expected_dir);
  auto actual = listTree(runtime_dir);
  const std::string advice =
      "; it was changed outside trustctl: change the connector again to rewrite it, or restore a "
      "backup";
  for (const auto& [rel, kind] : expected) {
    std::string path = runtime_dir + "/" + rel;
    auto found = actual.find(rel);
    if (found == actual.end()) {
      problems.push_back(who + path + " is missing" + advice);
      continue;
    }
    auto want = readWholeFile(expected_dir + "/" + rel);
    auto have = readWholeFile(path);
    if (!have) {
      problems.push_back(who + have.error().message);
      continue;
    }
    if (std::string diff = compareFile(rel, want ? *want : "", *have); !diff.empty()) {
      problems.push_back(who + path + " " + diff + advice);
    }
  }
  for (const auto& [rel, kind] : actual) {
    if (expected.count(rel) == 0) {
      problems.push_back(who + runtime_dir + "/" + rel + " (" + kind +
                         ") is not a file trustctl writes there" + advice);
    }
  }
  removeTree(expected_dir);
}

}  // namespace trustctl::truststore
