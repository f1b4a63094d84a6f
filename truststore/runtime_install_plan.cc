// What to trust so that a runtime accepts a server: from the path trustctl found, the
// certificates the runtime cannot get otherwise (it fetches nothing) and the anchor its rule
// allows.

#include "truststore/runtime_model.h"

namespace trustctl::truststore {

namespace {

std::string nameOf(const Certificate& c) {
  const auto& i = c.info();
  return "'" + (i.subject_cn.empty() ? i.subject : i.subject_cn) + "'";
}

bool isPresented(const std::vector<CertificatePtr>& presented, const Certificate& c) {
  for (const auto& p : presented) {
    if (p && p->sha256() == c.sha256()) {
      return true;
    }
  }
  return false;
}

}  // namespace

RuntimeInstallPlan installPlanFor(const RuntimeModel& model,
                                  const std::vector<CertificatePtr>& path,
                                  const std::vector<CertificatePtr>& presented) {
  RuntimeInstallPlan plan;
  if (path.empty() || !path.back()) {
    plan.reason = "no path to an issuer was found, so there is nothing " + std::string(model.name) +
                  " could trust";
    return plan;
  }
  const Certificate& top = *path.back();
  std::string why = whyRuntimeCannotAnchor(model, top);
  if (!why.empty()) {
    plan.reason = why + (model.anchors == AnchorRule::SelfSignedRoot
                             ? "; the path found ends at " + nameOf(top) +
                                   ", and its root is not known: find the root that issued it"
                             : "; trust the CA that issued it instead");
    return plan;
  }
  plan.possible = true;
  // Intermediates the server does not send: a runtime that anchors at the top of the path
  // must have them trusted to build leaf -> intermediate -> anchor.
  std::vector<std::string> missing;
  for (size_t i = 1; i + 1 < path.size(); ++i) {
    if (path[i] && !isPresented(presented, *path[i])) {
      plan.install.push_back(path[i]);
      missing.push_back(nameOf(*path[i]));
    }
  }
  plan.install.push_back(path.back());
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) {
      list += (list.empty() ? "" : ", ") + m;
    }
    plan.reason = "The server does not send " + list + ", so " + std::string(model.name) +
                  " needs it trusted too; ask the server's owner to send the whole chain";
  }
  return plan;
}

std::string whyRuntimeCannotAnchor(const RuntimeModel& model, const Certificate& cert) {
  const CertificateInfo& info = cert.info();
  if (info.self_signed) {
    return "";
  }
  if (model.anchors == AnchorRule::SelfSignedRoot) {
    return std::string(model.display) + " anchors only at a self-signed root, so " +
           (info.is_ca ? "the intermediate " : "the server certificate ") + nameOf(cert) +
           " trusted alone is not used";
  }
  if (!info.is_ca && model.pinned_leaf == PinRule::WhenSentAlone) {
    return std::string(model.display) + " uses a pinned server certificate " + nameOf(cert) +
           " only while the server sends it without intermediates, which is not to rely on";
  }
  if (!info.is_ca &&
      (model.anchors == AnchorRule::AnyTrustedCa || model.pinned_leaf == PinRule::Never)) {
    return std::string(model.display) + " does not use a pinned server certificate as an anchor";
  }
  return "";
}

}  // namespace trustctl::truststore
