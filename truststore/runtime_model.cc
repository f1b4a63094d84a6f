#include "truststore/runtime_model.h"

#include <array>

namespace trustctl::truststore {

namespace {

constexpr std::array kModels = {
#define TRUSTCTL_RUNTIME(id, name, display, anchors, cn, ip_cn, partial_wc, rsa, ec, sha1, loads, \
                         system, explicit_line, partial)                                          \
  RuntimeModel{ConnectorRuntime::id, name,   display, anchors, cn,    ip_cn,                      \
               partial_wc,           rsa,    ec,      sha1,    loads, system,                     \
               explicit_line,        partial},
#include "truststore/runtime_models.def"
#undef TRUSTCTL_RUNTIME
};

}  // namespace

std::string_view runtimeName(ConnectorRuntime runtime) {
  return runtimeModel(runtime).name;
}

std::optional<ConnectorRuntime> runtimeFromName(std::string_view name) {
  for (const auto& m : kModels) {
    if (m.name == name) {
      return m.runtime;
    }
  }
  return std::nullopt;
}

std::vector<ConnectorRuntime> allRuntimes() {
  std::vector<ConnectorRuntime> out;
  for (const auto& m : kModels) {
    out.push_back(m.runtime);
  }
  return out;
}

std::string runtimeNameList() {
  std::string out;
  for (const auto& m : kModels) {
    out += (out.empty() ? "" : ", ") + std::string(m.name);
  }
  return out;
}

const RuntimeModel& runtimeModel(ConnectorRuntime runtime) {
  for (const auto& m : kModels) {
    if (m.runtime == runtime) {
      return m;
    }
  }
  return kModels.front();
}

// A first model: trustctl's own verification with the anchor rule applied. The differential
// matrix refines it per runtime.
RuntimeVerdict judgeAsRuntime(const RuntimeModel& model,
                              const std::vector<CertificatePtr>& presented,
                              const AnchorSet& anchors, const VerifyOptions& options) {
  VerifyOptions o = options;
  o.partial_chain = model.anchors != AnchorRule::SelfSignedRoot;
  VerifyOutcome outcome = verifyChain(presented, anchors, o);
  RuntimeVerdict v;
  v.runtime = model.runtime;
  v.accepted = outcome.ok;
  v.code = outcome.ok ? "ok" : outcome.error_name;
  v.sentence = std::string(model.display) + (outcome.ok ? " accepts the server certificate"
                                                        : " refuses it: " + outcome.error_text);
  return v;
}

RuntimeInstallPlan installPlanFor(const RuntimeModel& model,
                                  const std::vector<CertificatePtr>& path,
                                  const std::vector<CertificatePtr>& presented) {
  (void)presented;
  RuntimeInstallPlan plan;
  if (path.empty()) {
    plan.reason = "no path to an issuer was found";
    return plan;
  }
  plan.possible = whyRuntimeCannotAnchor(model, *path.back()).empty();
  if (plan.possible) {
    plan.install.push_back(path.back());
  }
  return plan;
}

std::string whyRuntimeCannotAnchor(const RuntimeModel& model, const Certificate& cert) {
  const CertificateInfo& info = cert.info();
  if (model.anchors == AnchorRule::SelfSignedRoot && !info.self_signed) {
    return std::string(model.display) +
           " anchors only at a self-signed root, so a trusted intermediate or server "
           "certificate alone is not used";
  }
  if (model.anchors == AnchorRule::AnyTrustedCa && !info.is_ca) {
    return std::string(model.display) + " does not use a pinned server certificate as an anchor";
  }
  return "";
}

std::string runtimeModelTable() {
  std::string out = "| runtime | loads | system store | explicit trust |\n|---|---|---|---|\n";
  for (const auto& m : kModels) {
    out += "| `" + std::string(m.name) + "` | `" + std::string(m.loads) + "` | " +
           std::string(m.system_store) + " | `" + std::string(m.explicit_trust) + "` |\n";
  }
  return out;
}

}  // namespace trustctl::truststore
