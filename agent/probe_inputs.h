#pragma once
// Inputs of a probe run taken from the store: see probe_inputs.cc.

#include <memory>
#include <string>
#include <vector>

#include "probes/capture.h"
#include "probes/catalog.h"
#include "probes/diagnosis.h"
#include "truststore/store.h"
#include "truststore/temporary_identity_files.h"

namespace trustctl::agent {

// Identity material for one probe run; for LDAP the key goes to a 0600 file in a 0700 folder
// (libldap reads files) that is removed when the run ends, unless the connector's runtime
// folder already has them.
struct IdentityFiles {
  probes::ClientIdentity identity;
  std::unique_ptr<truststore::TemporaryIdentityFiles> temp_files;  // null when not needed
};

Result<std::unique_ptr<IdentityFiles>> loadIdentity(const truststore::Store& store,
                                                    const truststore::StoreState& state,
                                                    const std::string& entry_name,
                                                    const std::string& runtime_dir);
// The connector's anchors from its indexed runtime files.
Result<std::shared_ptr<const probes::TrustAnchors>> connectorTrust(const truststore::Store& store,
                                                                   const std::string& name);
// The library as a catalog source, read only when a diagnosis needs it. An entry another
// connector trusts is reported as "connector:NAME".
void addLibrary(probes::Catalog& catalog, const truststore::Store& store,
                const truststore::StoreState& state);
// How one connector's HTTPS probes go out: --proxy (a URL or "none") over the connector's
// `proxy` ("" = the environment, "none" = direct, else a URL), and the credentials from
// --proxy-credentials-file over the connector's proxy_credentials_file. The credentials are a
// secret, wiped when this is destroyed; jobs point at them.
struct ProbeProxy {
  probes::ProxyChoice choice;
  std::string argument;     // the --proxy value, "" when not given (for recommended commands)
  std::string credentials;  // "user:password", "" none
  ~ProbeProxy();
};

// Fails with InvalidArgument for a proxy URL that is not valid (naming where it came from),
// and as loadProxyCredentials fails for the credentials file.
Result<std::unique_ptr<ProbeProxy>> proxyFor(const std::string& proxy_flag,
                                             const std::string& credentials_flag,
                                             const truststore::Connector* connector);

// Captures written by --record (one JSON object per line).
Result<std::vector<probes::Capture>> readReplay(const std::string& path);

}  // namespace trustctl::agent
