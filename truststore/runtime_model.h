#pragma once
// The connector's runtime and how it verifies a server: whether any trusted certificate is an
// anchor or only a self-signed root, how it matches the host (CN fallback, IP in the CN,
// wildcards), which keys and signatures it refuses, which file it loads and whether it adds
// the system store. The models are one table (truststore/runtime_models.def), checked
// against the real runtimes by the differential matrix test ([runtime-matrix]); the probe,
// `verify`, `status` and the agent judge a connector with its runtime's model. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truststore/anchor_set.h"
#include "truststore/certificate.h"
#include "truststore/chain_verifier.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

enum class ConnectorRuntime {
#define TRUSTCTL_RUNTIME(id, name, ...) id,
#include "truststore/runtime_models.def"
#undef TRUSTCTL_RUNTIME
};
std::string_view runtimeName(ConnectorRuntime runtime);
std::optional<ConnectorRuntime> runtimeFromName(std::string_view name);
std::vector<ConnectorRuntime> allRuntimes();
// "openssl, curl, java, ..." for error lines and --help.
std::string runtimeNameList();

// Which trusted certificates end a path.
enum class AnchorRule {
  AnyTrusted,      // any trusted certificate, the server's own included (partial chain)
  AnyTrustedCa,    // a trusted CA certificate, self-signed or not; a pinned leaf is not
  SelfSignedRoot,  // only a trusted self-signed root; trusted intermediates only help build
};

// What a trusted server certificate (a pin) does on its own.
enum class PinRule {
  Checked,        // anchors; its dates, key, signature and EKU are still checked
  Unchecked,      // accepted as it is: only the host is matched (JSSE)
  WhenSentAlone,  // anchors only when the server sends no intermediate with it (GnuTLS)
  Never,          // never anchors (unless it is self-signed: then it is its own root)
};

// Whether a trusted certificate that is not self-signed has its own signature judged by the
// SHA-1 policy when it ends the path.
enum class AnchorSignature {
  Unchecked,  // a trusted certificate's signature is not looked at (Go, GnuTLS, JSSE)
  LeafOnly,   // only when the anchor is the pinned server certificate (OpenSSL)
  Checked,    // always (trustctl's verification)
};

// Where the serverAuth extended key usage is required (a certificate without EKU passes).
enum class EkuRule {
  None,   // not checked
  Leaf,   // the server certificate only
  Chain,  // the server certificate and every CA below the anchor
};

// When the subject CN is compared with the host.
enum class CnFallback {
  Never,        // SANs only
  NoSanOfType,  // when the certificate has no SAN of the host's type (DNS or IP)
  NoSanAtAll,   // when the certificate has no DNS or IP subjectAltName
  NoSanMatch,   // whenever no SAN matches the host (SANs of the host's type included)
};

struct RuntimeModel {
  ConnectorRuntime runtime;
  std::string_view name;     // "python"
  std::string_view display;  // "Python ssl / requests"
  AnchorRule anchors;
  CnFallback cn_fallback;
  bool ip_in_cn;                  // an IP literal host matches a CN holding that IP
  bool partial_wildcard;          // "a*.example.test" matches (whole-label wildcards always do)
  int min_rsa_bits;               // RSA/DSA keys below this are refused (0 = any)
  int min_ec_bits;                // EC keys below this are refused
  bool sha1_accepted;             // SHA-1 signatures on non-root certificates
  std::string_view loads;         // the connector file it loads ("ca-bundle.pem", "truststore.p12")
  std::string_view system_store;  // whether the system store is added, and how to stop it
  std::string_view explicit_trust;  // the line that loads the store with nothing added
  std::string_view partial_chain;   // how to make a trusted intermediate anchor, "" = no way
  PinRule pinned_leaf = PinRule::Checked;
  AnchorSignature anchor_signature = AnchorSignature::LeafOnly;
  bool anchor_validity_checked = true;  // false: an expired trust anchor still anchors (JSSE)
  EkuRule eku = EkuRule::Chain;
};

const RuntimeModel& runtimeModel(ConnectorRuntime runtime);

// Whether the connector's runtime accepts the presented chain with its current trust.
struct RuntimeVerdict {
  ConnectorRuntime runtime = ConnectorRuntime::Trustctl;
  bool accepted = false;
  // Stable: "ok", a path error name ("expired", "weak_crypto", ...), "untrusted",
  // "needs_self_signed_root" (only a trusted intermediate or pin anchors, which this runtime
  // does not use), "pin_not_used", "hostname_mismatch", "cn_only".
  std::string code;
  std::string sentence;  // one plain sentence, naming the runtime
};

// Pure: judges `presented` (leaf first) against `anchors` at `options.now` for
// `options.host` as `model` says its runtime does. Only presented and trusted certificates are
// used (runtimes do not fetch AIA or read the library). Paths are built by buildPaths under
// the model's anchor rule and then judged by the model's key, SHA-1, EKU, validity and name
// rules instead of trustctl's; options.partial_chain and profile_checks are not used.
RuntimeVerdict judgeAsRuntime(const RuntimeModel& model,
                              const std::vector<CertificatePtr>& presented,
                              const AnchorSet& anchors, const VerifyOptions& options);

// What to trust so that the runtime accepts the server, from the path trustctl found (leaf
// first, ending where trustctl anchors or at the last certificate it found) and what the
// server presents. A runtime that anchors only at self-signed roots needs the root, plus any
// intermediate the server does not send; one that ignores pins needs a CA.
struct RuntimeInstallPlan {
  bool possible = false;
  std::vector<CertificatePtr> install;  // to trust, in path order (root last)
  std::string reason;  // when not possible, or what the server owner must also do; "" none
};
RuntimeInstallPlan installPlanFor(const RuntimeModel& model,
                                  const std::vector<CertificatePtr>& path,
                                  const std::vector<CertificatePtr>& presented);

// "" when the runtime can use `cert` as an anchor on its own; else one sentence saying why it
// cannot (an intermediate for a runtime without partial chain, a pinned server certificate
// for one that ignores pins), for refusing `--install` / `connector trust` without override.
std::string whyRuntimeCannotAnchor(const RuntimeModel& model, const Certificate& cert);

// True when `leaf` is for `host` as `model`'s runtime matches names: IP SANs for an IP
// literal (bracketed or not), DNS SANs with one left-most wildcard label (partial labels as
// the model says), then the subject CN as its CnFallback and ip_in_cn say.
bool runtimeMatchesHost(const RuntimeModel& model, const Certificate& leaf,
                        const std::string& host);

// Stable names of the model columns, for the table and error lines: "any_trusted", ...
std::string_view anchorRuleName(AnchorRule rule);
std::string_view pinRuleName(PinRule rule);
std::string_view cnFallbackName(CnFallback rule);
std::string_view ekuRuleName(EkuRule rule);

// The README's table of runtime models, generated from the list (a test keeps it in step).
std::string runtimeModelTable();

}  // namespace trustctl::truststore
