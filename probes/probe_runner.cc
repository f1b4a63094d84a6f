#include "probes/probe_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "probes/https_capture.h"
#include "probes/ldap_capture.h"
#include "probes/paths_json.h"
#include "probes/proxy_route.h"
#include "probes/revocation_fetch.h"
#include "probes/runtime_judgement.h"
#include "truststore/certificate_importer.h"

namespace trustctl::probes {

namespace {

using Clock = std::chrono::steady_clock;

// What one probe may still spend on AIA fetches, over all its certificates and hops: a
// certificate listing many unreachable URLs costs the budget once, not once per URL.
struct AiaBudget {
  Clock::time_point deadline;
  int urls_left = 0;
  std::set<std::string> tried;
  double secondsLeft() const {
    return std::chrono::duration<double>(deadline - Clock::now()).count();
  }
};

AiaBudget aiaBudget(const Capture& capture, const CaptureRequest& request,
                    const RunnerOptions& options) {
  double remaining = request.timeout_seconds - capture.elapsed_seconds;
  double seconds = std::max(0.0, std::min(options.aia_timeout_seconds, remaining));
  AiaBudget b;
  b.deadline = Clock::now() + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  b.urls_left = options.aia_max_urls;
  return b;
}

// Follows AIA caIssuers of the certificate whose issuer is unknown, recording what it fetched
// (or why it could not) in the capture as evidence, within `budget`. Returns true when a
// certificate was fetched.
bool fetchMissingIssuer(const Diagnosis& d, Capture& capture, const RunnerOptions& options,
                        AiaBudget& budget) {
  if (!options.fetch_aia || !d.unknown_issuer_of) {
    return false;
  }
  for (const auto& url : d.unknown_issuer_of->info().ca_issuers) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      continue;
    }
    // Less than 10 ms left cannot fetch anything; it would only start a connection.
    if (budget.urls_left <= 0 || budget.secondsLeft() < 0.01) {
      break;
    }
    if (!budget.tried.insert(url).second) {
      continue;
    }
    --budget.urls_left;
    FetchedObject fetched{FetchPurpose::CaIssuers, url, d.unknown_issuer_of->sha256(), "", ""};
    auto bytes = fetchBounded(url, budget.secondsLeft(), options.aia_max_bytes);
    if (!bytes) {
      fetched.error = bytes.error().message;
      capture.fetched.push_back(std::move(fetched));
      continue;
    }
    fetched.body = std::move(*bytes);
    bool usable =
        truststore::parseImport(fetched.body, url, [] { return std::nullopt; }).has_value();
    capture.fetched.push_back(std::move(fetched));
    if (usable) {
      return true;
    }
  }
  return false;
}

// Through a proxy, a chain the connector does not trust may be the proxy's: the chain the
// target presents to a direct connection, taken within what is left of the probe's deadline,
// tells interception from an untrusted server.
void captureDirectChain(Capture& capture, const CaptureRequest& proxied) {
  double left = std::min(kDirectCompareSeconds, proxied.timeout_seconds - capture.elapsed_seconds);
  capture.direct_attempted = true;
  if (left < 0.1) {
    capture.direct_detail = "no time left within the probe's timeout";
    return;
  }
  CaptureRequest direct = proxied;
  direct.proxy = ProxyChoice{ProxyChoice::Mode::Direct, ""};
  direct.proxy_credentials = nullptr;
  direct.timeout_seconds = left;
  Capture seen = captureHttps(direct);
  capture.direct_chain_der = std::move(seen.chain_der);
  if (capture.direct_chain_der.empty()) {
    capture.direct_detail = seen.detail.empty() ? "no certificate presented" : seen.detail;
  }
}

ProbeResult evaluate(Capture capture, const ProbeJob& job, Catalog& catalog,
                     const RunnerOptions& options) {
  ProbeResult result;
  DiagnoseOptions diag{options.now, capture.servername, job.identity_configured};
  diag.revocation = job.revocation;
  result.diagnosis = diagnose(capture, *job.trust, catalog, diag);
  if (!capture.proxy.empty() && !capture.chain_der.empty() && !result.diagnosis.ok() &&
      !capture.direct_attempted) {
    captureDirectChain(capture, job.request);
    result.diagnosis = diagnose(capture, *job.trust, catalog, diag);
  }
  // The shell's I/O, each step only when the diagnosis so far needs it: the known
  // certificates (library, catalogs, system bundle), then AIA issuers, which may point
  // further up (intermediate -> root).
  if (!result.diagnosis.ok() && !catalog.loaded()) {
    catalog.load();
    result.diagnosis = diagnose(capture, *job.trust, catalog, diag);
  }
  AiaBudget budget = aiaBudget(capture, job.request, options);
  auto probe_end =
      Clock::now() + std::chrono::milliseconds(static_cast<long>(
                         1000 * (job.request.timeout_seconds - capture.elapsed_seconds)));
  for (int hop = 0; hop < 3 && fetchMissingIssuer(result.diagnosis, capture, options, budget);
       ++hop) {
    result.diagnosis = diagnose(capture, *job.trust, catalog, diag);
  }
  if (job.revocation != truststore::RevocationMode::Off && result.diagnosis.path.size() >= 2) {
    RevocationFetchBounds bounds;
    bounds.now = options.now;
    bounds.deadline = probe_end;
    size_t fetched_before = capture.fetched.size();
    fetchRevocationEvidence(capture, result.diagnosis.path, bounds);
    if (capture.fetched.size() != fetched_before) {  // a path without URLs fetched nothing
      result.diagnosis = diagnose(capture, *job.trust, catalog, diag);
    }
  }
  RecommendContext ctx{capture.target.url(), job.connector,
                       job.request.servername.empty() ? "" : job.request.servername};
  result.recommendation = recommend(result.diagnosis, capture, ctx);
  if (job.runtime != truststore::ConnectorRuntime::Trustctl && !catalog.loaded()) {
    catalog.load();  // only a runtime that may need the root trustctl did not look for
  }
  judgeForRuntime(result, job, capture, catalog, options.now);
  result.context = ctx;
  result.proxy_argument = job.proxy_argument;
  result.connector = job.connector;
  if (capture.target.protocol != Protocol::Https) {
    if (auto note = ldapProxyNote(job.request.proxy, capture.target); !note.empty()) {
      result.notes.push_back(std::move(note));
    }
  }
  result.capture = std::move(capture);
  return result;
}

}  // namespace

std::string ldapProxyNote(const ProxyChoice& choice, const Target& target) {
  if (resolveProxy(choice, target.host, processProxyEnvironment()).direct()) {
    return "";
  }
  return "libldap does not use HTTP proxies; this LDAP probe went direct";
}

ProbeResult evaluateCapture(Capture capture, const ProbeJob& job, const Catalog& catalog,
                            UnixTime now) {
  catalog.load();
  ProbeResult result;
  DiagnoseOptions diag{now, capture.servername, job.identity_configured};
  diag.revocation = job.revocation;
  result.diagnosis = diagnose(capture, *job.trust, catalog, diag);
  RecommendContext ctx{capture.target.url(), job.connector, job.request.servername};
  result.recommendation = recommend(result.diagnosis, capture, ctx);
  judgeForRuntime(result, job, capture, catalog, now);
  result.context = ctx;
  result.proxy_argument = job.proxy_argument;
  result.connector = job.connector;
  result.capture = std::move(capture);
  return result;
}

void runProbes(const std::vector<ProbeJob>& jobs, Catalog& catalog, const RunnerOptions& options,
               const std::function<void(size_t, ProbeResult)>& done) {
  initCurlOnce();
  std::mutex done_mutex;
  auto finish = [&](size_t index, Capture capture) {
    ProbeResult result = evaluate(std::move(capture), jobs[index], catalog, options);
    std::lock_guard<std::mutex> lock(done_mutex);
    done(index, std::move(result));
  };
  std::vector<size_t> ldap_jobs;
  std::vector<const CaptureRequest*> https_requests;
  std::vector<size_t> https_jobs;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].request.target.protocol == Protocol::Https) {
      https_requests.push_back(&jobs[i].request);
      https_jobs.push_back(i);
    } else {
      ldap_jobs.push_back(i);
    }
  }
  std::atomic<size_t> next_ldap{0};
  std::vector<std::thread> workers;
  size_t worker_count =
      std::min<size_t>(ldap_jobs.size(), static_cast<size_t>(std::max(1, options.ldap_workers)));
  for (size_t w = 0; w < worker_count; ++w) {
    workers.emplace_back([&] {
      for (size_t k = next_ldap++; k < ldap_jobs.size(); k = next_ldap++) {
        size_t index = ldap_jobs[k];
        CaptureRequest request = jobs[index].request;
        const ProbeJob& job = jobs[index];
        request.chain_is_trusted = [&job, &catalog, &options](const Capture& so_far) {
          DiagnoseOptions diag{options.now, so_far.servername, job.identity_configured};
          return diagnose(so_far, *job.trust, catalog, diag).ok();
        };
        finish(index, captureLdap(request));
      }
    });
  }
  // Handshakes and diagnoses cost client CPU: with many targets, one curl multi handle per
  // core (each with its share of the parallelism) keeps every core busy.
  size_t lanes = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                  https_requests.size() / 32 + 1);
  lanes = std::min<size_t>(lanes, static_cast<size_t>(std::max(1, options.https_threads)));
  std::vector<std::thread> https_lanes;
  for (size_t lane = 0; lane < lanes && !https_requests.empty(); ++lane) {
    std::vector<const CaptureRequest*> mine;
    std::vector<size_t> mine_jobs;
    for (size_t k = lane; k < https_requests.size(); k += lanes) {
      mine.push_back(https_requests[k]);
      mine_jobs.push_back(https_jobs[k]);
    }
    int parallel = std::max(1, options.max_parallel_https / static_cast<int>(lanes));
    https_lanes.emplace_back(
        [&finish, mine = std::move(mine), mine_jobs = std::move(mine_jobs), parallel] {
          captureHttpsBatch(mine, parallel, [&](size_t k, Capture capture) {
            finish(mine_jobs[k], std::move(capture));
          });
        });
  }
  for (auto& lane : https_lanes) {
    lane.join();
  }
  for (auto& w : workers) {
    w.join();
  }
}

namespace {

nlohmann::json nullable(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

nlohmann::json certificateJson(const truststore::Certificate& c) {
  const auto& i = c.info();
  return {{"subject", i.subject},
          {"issuer", i.issuer},
          {"sha256", i.sha256},
          {"not_before", formatRfc3339(i.not_before)},
          {"not_after", formatRfc3339(i.not_after)},
          {"is_ca", i.is_ca},
          {"self_signed", i.self_signed},
          {"san", i.sans}};
}

// Which proxy the probe went through (null: direct), what it answered CONNECT with, and
// whether the target was also reached directly to compare chains.
nlohmann::json proxyJson(const Capture& c) {
  if (c.proxy.empty()) {
    return nullptr;
  }
  nlohmann::json direct = nullptr;
  if (c.direct_attempted) {
    direct = {{"chain_received", !c.direct_chain_der.empty()},
              {"detail", nullable(c.direct_detail)}};
  }
  return {{"url", c.proxy},
          {"source", c.proxy_source},
          {"connect_status", c.proxy_connect_status == 0 ? nlohmann::json(nullptr)
                                                         : nlohmann::json(c.proxy_connect_status)},
          {"status_line", nullable(c.proxy_status_line)},
          {"direct", direct}};
}

}  // namespace

nlohmann::json probeResultJson(const ProbeResult& r) {
  const Capture& c = r.capture;
  const Diagnosis& d = r.diagnosis;
  const Recommendation& rec = r.recommendation;
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : d.problems) {
    problems.push_back({{"code", diagnosisCodeName(p.code)},
                        {"certificate", nullable(p.certificate)},
                        {"detail", p.detail},
                        {"severity", p.warning ? "warning" : "error"}});
  }
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& cert : d.presented) {
    chain.push_back(certificateJson(*cert));
  }
  nlohmann::json path = nlohmann::json::array();
  for (const auto& cert : d.path) {
    path.push_back(cert->sha256());
  }
  nlohmann::json tls = {{"version", nullable(c.tls_version)},
                        {"cipher", nullable(c.cipher)},
                        {"client_certificate_requested", c.client_certificate_requested}};
  std::string subject = rec.cert              ? rec.cert->info().subject
                        : d.unknown_issuer_of ? d.unknown_issuer_of->info().issuer
                                              : "";
  nlohmann::json recommendation = {
      {"action", recommendedActionName(rec.action)},
      {"kind", nullable(rec.kind)},
      {"sha256", rec.cert ? nlohmann::json(rec.cert->sha256()) : nlohmann::json(nullptr)},
      {"subject", nullable(subject)},
      {"source", nullable(rec.source)},
      {"command", nullable(rec.command)},
      {"request_text", nullable(rec.request_text)}};
  if (!rec.note.empty()) {
    recommendation["note"] = rec.note;
  }
  if (rec.interception_root) {
    recommendation["interception_root"] = true;  // --install needs --allow-interception-root
  }
  if (rec.runtime_adjusted) {
    nlohmann::json plan = nlohmann::json::array();
    for (const auto& cert : rec.runtime_plan) {
      plan.push_back({{"sha256", cert->sha256()},
                      {"subject", cert->info().subject},
                      {"self_signed", cert->info().self_signed}});
    }
    recommendation["runtime_plan"] = plan;
  }
  const truststore::RuntimeVerdict& v = r.runtime_verdict;
  nlohmann::json out = {
      {"target", c.target.url()},
      {"protocol", protocolName(c.target.protocol)},
      {"connector", nullable(r.connector)},
      {"verdict", connectorOk(r) ? "ok" : "fail"},
      {"server_verdict", d.ok() ? "ok" : "fail"},
      {"runtime_verdict",
       {{"runtime", truststore::runtimeName(v.runtime)},
        {"accepted", v.accepted},
        {"code", v.code},
        {"sentence", v.sentence}}},
      {"diagnosis",
       {{"code", diagnosisCodeName(d.code)}, {"summary", d.summary}, {"problems", problems}}},
      {"tls", tls},
      {"presented_chain", chain},
      {"path", path},
      {"paths_tried", pathsTriedJson(d.paths_tried)},
      {"recommendation", recommendation},
      {"elapsed_seconds", c.elapsed_seconds}};
  out["proxy"] = proxyJson(c);
  if (!r.notes.empty()) {
    out["notes"] = r.notes;
  }
  if (c.target.protocol != Protocol::Https) {
    out["ldap"] = {
        {"root_dse_result", c.ldap_result},
        {"bind", c.ldap_bind_result == -1 ? nlohmann::json(nullptr)
                                          : nlohmann::json({{"result", c.ldap_bind_result},
                                                            {"message", c.ldap_bind_message}})}};
  }
  return out;
}

}  // namespace trustctl::probes
