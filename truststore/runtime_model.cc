#include "truststore/runtime_model.h"

#include <array>

namespace trustctl::truststore {

namespace {

constexpr std::array kModels = {
#define TRUSTCTL_RUNTIME(id, name_, display_, anchors_, pin, cn, ip_cn, partial_wc, rsa, ec, sha1, \
                         pin_sig, anchor_dates, eku_, loads_, system, explicit_line, partial)      \
  RuntimeModel{.runtime = ConnectorRuntime::id,                                                    \
               .name = name_,                                                                      \
               .display = display_,                                                                \
               .anchors = anchors_,                                                                \
               .cn_fallback = cn,                                                                  \
               .ip_in_cn = ip_cn,                                                                  \
               .partial_wildcard = partial_wc,                                                     \
               .min_rsa_bits = rsa,                                                                \
               .min_ec_bits = ec,                                                                  \
               .sha1_accepted = sha1,                                                              \
               .loads = loads_,                                                                    \
               .system_store = system,                                                             \
               .explicit_trust = explicit_line,                                                    \
               .partial_chain = partial,                                                           \
               .pinned_leaf = pin,                                                                 \
               .anchor_signature = pin_sig,                                                        \
               .anchor_validity_checked = anchor_dates,                                            \
               .eku = eku_},
#include "truststore/runtime_models.def"
#undef TRUSTCTL_RUNTIME
};

std::string anchorCell(const RuntimeModel& m) {
  switch (m.anchors) {
    case AnchorRule::AnyTrusted:
      return "any trusted certificate";
    case AnchorRule::AnyTrustedCa:
      return "any trusted CA certificate";
    case AnchorRule::SelfSignedRoot:
      return "self-signed root only";
  }
  return "?";
}

std::string pinCell(const RuntimeModel& m) {
  switch (m.pinned_leaf) {
    case PinRule::Checked:
      return "anchors, still checked";
    case PinRule::Unchecked:
      return "accepted as is (host only)";
    case PinRule::WhenSentAlone:
      return "only when sent alone";
    case PinRule::Never:
      return "not used";
  }
  return "?";
}

std::string cnCell(const RuntimeModel& m) {
  switch (m.cn_fallback) {
    case CnFallback::Never:
      return "never";
    case CnFallback::NoSanOfType:
      return "no SAN of the host's type";
    case CnFallback::NoSanAtAll:
      return "no DNS/IP SAN";
    case CnFallback::NoSanMatch:
      return "no SAN matches";
  }
  return "?";
}

std::string keyCell(const RuntimeModel& m) {
  if (m.min_rsa_bits == 0 && m.min_ec_bits == 0) {
    return "any";
  }
  return std::to_string(m.min_rsa_bits) + " / " + std::to_string(m.min_ec_bits);
}

std::string ekuCell(const RuntimeModel& m) {
  switch (m.eku) {
    case EkuRule::None:
      return "not checked";
    case EkuRule::Leaf:
      return "serverAuth, leaf";
    case EkuRule::Chain:
      return "serverAuth, chain";
  }
  return "?";
}

// A table cell: a '|' in it would end the cell, so it is escaped (GitHub keeps "\\|" in code).
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  }
  return out;
}

std::string code(std::string_view text) {
  return "`" + cell(text) + "`";
}

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

std::string_view anchorRuleName(AnchorRule rule) {
  switch (rule) {
    case AnchorRule::AnyTrusted:
      return "any_trusted";
    case AnchorRule::AnyTrustedCa:
      return "any_trusted_ca";
    case AnchorRule::SelfSignedRoot:
      return "self_signed_root";
  }
  return "?";
}

std::string_view pinRuleName(PinRule rule) {
  switch (rule) {
    case PinRule::Checked:
      return "checked";
    case PinRule::Unchecked:
      return "unchecked";
    case PinRule::WhenSentAlone:
      return "when_sent_alone";
    case PinRule::Never:
      return "never";
  }
  return "?";
}

std::string_view cnFallbackName(CnFallback rule) {
  switch (rule) {
    case CnFallback::Never:
      return "never";
    case CnFallback::NoSanOfType:
      return "no_san_of_type";
    case CnFallback::NoSanAtAll:
      return "no_san_at_all";
    case CnFallback::NoSanMatch:
      return "no_san_match";
  }
  return "?";
}

std::string_view ekuRuleName(EkuRule rule) {
  switch (rule) {
    case EkuRule::None:
      return "none";
    case EkuRule::Leaf:
      return "leaf";
    case EkuRule::Chain:
      return "chain";
  }
  return "?";
}

std::string runtimeModelTable() {
  std::string out =
      "| runtime | anchors | pinned server cert | CN fallback | IP in CN | partial wildcard | "
      "min RSA / EC bits | SHA-1 | EKU | loads | system store | explicit trust | "
      "intermediate trust |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  auto yes = [](bool b) { return std::string(b ? "yes" : "no"); };
  for (const auto& m : kModels) {
    out += "| " + code(m.name) + " | " + anchorCell(m) + " | " + pinCell(m) + " | " + cnCell(m) +
           " | " + yes(m.ip_in_cn) + " | " + yes(m.partial_wildcard) + " | " + keyCell(m) + " | " +
           (m.sha1_accepted ? "accepted" : "refused") + " | " + ekuCell(m) + " | " + code(m.loads) +
           " | " + cell(m.system_store) + " | " + code(m.explicit_trust) + " | " +
           cell(m.partial_chain) + " |\n";
  }
  return out;
}

}  // namespace trustctl::truststore
