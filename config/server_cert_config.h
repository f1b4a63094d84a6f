#pragma once
// The [server_certs.NAME] tables of a config file: read against their schema (one problem a
// line, file:line:column) and, for user-provided ones, the certificate, chain and key files
// parsed. The upload checks that need the store (library intermediates, `now`) run when the
// plan is made (server_cert_plan.h); the CA-issued ones are issued when it is applied.

#include <string>

#include <toml++/toml.h>

#include "config/config_file.h"
#include "config/table_reader.h"

namespace trustctl::config {

// `path` against `base_dir` unless it is absolute or empty.
std::string resolvePath(const std::string& base_dir, const std::string& path);

// Reads every [server_certs.NAME] of `tables` into cfg.server_certs; files resolved against
// `base`. Each bad field is one problem naming the table and the field.
void readServerCerts(const toml::table& tables, const std::string& base, ConfigFile& cfg,
                     Problems& p);

// A user-provided spec's files: cert (PEM, DER or a PKCS#12 with password_file), key and ca.
// A missing or unreadable file, a wrong password or no key is one problem.
void loadServerCertMaterial(ServerCertSpec& spec, Problems& p);

}  // namespace trustctl::config
