// The client CPU a probe spends judging its chain, measured on captures `trustctl probe
// --record` took from live servers (scripts/probe-bench.sh): diagnose() as the probe runner
// calls it (once, or again after an AIA fetch), and the path builder alone on the same inputs.
// CPU time of this thread, median of several rounds over every capture, per probe.
// Usage: probe_bench RECORD.jsonl ANCHORS.pem [CATALOG.pem...] [--rounds N]
// Prints one line: diagnose_us=.. build_paths_us=.. diagnoses_per_probe=.. ok=.. probes=..
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "probes/capture.h"
#include "probes/catalog.h"
#include "probes/diagnosis.h"
#include "probes/revocation_fetch.h"
#include "truststore/anchor_set.h"
#include "truststore/certificate_importer.h"
#include "truststore/path_builder.h"
#include "truststore/time_util.h"

using namespace trustctl;

namespace {

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Median over `rounds` of the CPU seconds one call of `fn` takes.
double medianCpu(int rounds, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int r = 0; r < rounds; ++r) {
    double start = threadCpuSeconds();
    fn();
    t.push_back(threadCpuSeconds() - start);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::vector<probes::Capture> readCaptures(const std::string& path) {
  std::vector<probes::Capture> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    auto c = probes::captureFromJson(nlohmann::json::parse(line));
    if (!c) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), c.error().message.c_str());
      std::exit(2);
    }
    out.push_back(std::move(*c));
  }
  return out;
}

// The capture as the runner first diagnosed it: before any AIA fetch.
probes::Capture beforeFetches(const probes::Capture& c) {
  probes::Capture first = c;
  first.fetched.erase(std::remove_if(first.fetched.begin(), first.fetched.end(),
                                     [](const probes::FetchedObject& f) {
                                       return f.purpose == probes::FetchPurpose::CaIssuers;
                                     }),
                      first.fetched.end());
  return first;
}

bool fetchedIssuer(const probes::Capture& c) {
  return std::any_of(c.fetched.begin(), c.fetched.end(), [](const probes::FetchedObject& f) {
    return f.purpose == probes::FetchPurpose::CaIssuers;
  });
}

// The path builder's own call, with the inputs diagnose() gives it.
size_t buildOnly(const probes::Capture& capture, const probes::TrustAnchors& trust,
                 const probes::Catalog& catalog, UnixTime now) {
  auto evidence = probes::revocationEvidenceOf(capture);
  truststore::PathBuildRequest request;
  for (size_t i = 0; i < capture.chain_der.size(); ++i) {
    auto cert = probes::parsePresentedCertificate(capture.chain_der[i]);
    if (!cert) {
      continue;
    }
    if (!request.leaf) {
      request.leaf = *cert;
    } else {
      request.extra.push_back({*cert, "presented", "", false, true});
    }
  }
  for (auto& c : probes::fetchedIssuers(capture)) {
    request.extra.push_back(std::move(c));
  }
  request.anchors = &trust.set();
  request.more_issuers = [&catalog](const truststore::Certificate& child) {
    std::vector<truststore::PathCandidate> out;
    for (const auto& k : catalog.withSubject(child.info().issuer)) {
      out.push_back({k.cert, k.source, k.entry, false, false});
    }
    return out;
  };
  request.now = now;
  request.revocation = truststore::RevocationMode::Soft;
  request.revocation_evidence = &evidence;
  return truststore::buildPaths(request).paths.size();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  int rounds = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else {
      files.push_back(a);
    }
  }
  if (files.size() < 2) {
    std::fprintf(stderr, "usage: probe_bench RECORD.jsonl ANCHORS.pem [CATALOG.pem...]\n");
    return 2;
  }
  std::vector<probes::Capture> captures = readCaptures(files[0]);
  auto anchors = truststore::readCertificatesFromFile(files[1]);
  if (!anchors || captures.empty()) {
    std::fprintf(stderr, "no captures or no anchors\n");
    return 2;
  }
  probes::TrustAnchors trust(truststore::AnchorSet::fromCertificates(*anchors));
  // As trustctl's catalog: the library (which holds the anchors), then the --catalog files.
  probes::Catalog catalog;
  for (const auto& a : *anchors) {
    catalog.add(a, "library");
  }
  for (size_t i = 2; i < files.size(); ++i) {
    catalog.addPathLazily(files[i], "catalog");
  }
  catalog.load();
  UnixTime now = wallClockNow();
  probes::DiagnoseOptions options(now);

  std::vector<probes::Capture> first;
  for (const auto& c : captures) {
    first.push_back(beforeFetches(c));
  }
  size_t diagnoses = 0;
  size_t ok = 0;
  // What the runner does per probe once the catalog is loaded: diagnose; after an AIA fetch,
  // diagnose again with what it brought.
  auto judgeAll = [&] {
    diagnoses = 0;
    ok = 0;
    for (size_t i = 0; i < captures.size(); ++i) {
      options.host = captures[i].servername;
      probes::Diagnosis d = probes::diagnose(first[i], trust, catalog, options);
      ++diagnoses;
      if (!d.ok() && d.unknown_issuer_of && fetchedIssuer(captures[i])) {
        d = probes::diagnose(captures[i], trust, catalog, options);
        ++diagnoses;
      }
      ok += d.ok() ? 1 : 0;
    }
  };
  auto buildAll = [&] {
    for (size_t i = 0; i < captures.size(); ++i) {
      buildOnly(first[i], trust, catalog, now);
      if (fetchedIssuer(captures[i])) {
        buildOnly(captures[i], trust, catalog, now);
      }
    }
  };
  judgeAll();  // warm: the runner's parse cache is warm after the first probe too
  double n = static_cast<double>(captures.size());
  double diagnose_us = medianCpu(rounds, judgeAll) / n * 1e6;
  double build_us = medianCpu(rounds, buildAll) / n * 1e6;
  std::printf("diagnose_us=%.1f build_paths_us=%.1f diagnoses_per_probe=%.2f ok=%zu probes=%zu\n",
              diagnose_us, build_us, static_cast<double>(diagnoses) / n, ok, captures.size());
  return 0;
}
