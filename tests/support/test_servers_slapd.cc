// startSlapd of test_servers.h, following /work/shared/notes/slapd-tls.md: a cn=config written
// by slapadd (slaptest cannot build one from scratch), back_mdb, slapd in the foreground.
// Debian's slapd uses GnuTLS, so these servers exercise a second TLS stack besides OpenSSL.
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "tests/support/test_servers.h"

namespace trustctl::testing::inline harness {

namespace {

std::string tlsAttributes(const TempDir& dir, const SlapdOptions& options) {
  if (options.chain.empty()) {
    return "";  // no olcTLS* at all: StartTLS is then refused as unsupported
  }
  // slapd refuses to start TLS without a readable CA file even when it never verifies
  // clients, so the top of the served chain stands in.
  std::string ca_file =
      options.client_cas.empty() ? dir.file("chain-top.pem") : dir.file("client-cas.pem");
  std::string attrs = "olcTLSCertificateFile: " + dir.file("chain.pem") + "\n";
  attrs += "olcTLSCertificateKeyFile: " + dir.file("key.pem") + "\n";
  attrs += "olcTLSCACertificateFile: " + ca_file + "\n";
  attrs += std::string("olcTLSVerifyClient: ") + (options.client_cas.empty() ? "never" : "demand") +
           "\n";
  if (!options.cipher_suite.empty()) {
    attrs += "olcTLSCipherSuite: " + options.cipher_suite + "\n";
  }
  return attrs;
}

std::string configLdif(const TempDir& dir, const SlapdOptions& options) {
  std::string ldif = "dn: cn=config\nobjectClass: olcGlobal\ncn: config\n";
  ldif += "olcPidFile: " + dir.file("slapd.pid") + "\n";
  ldif += "olcArgsFile: " + dir.file("slapd.args") + "\n";
  ldif += "olcLogLevel: none\n";
  ldif += tlsAttributes(dir, options);
  ldif +=
      "\n"
      "dn: cn=module{0},cn=config\n"
      "objectClass: olcModuleList\n"
      "cn: module{0}\n"
      "olcModulePath: /usr/lib/ldap\n"
      "olcModuleLoad: back_mdb\n"
      "\n"
      "dn: cn=schema,cn=config\n"
      "objectClass: olcSchemaConfig\n"
      "cn: schema\n"
      "\n"
      "include: file:///etc/ldap/schema/core.ldif\n"
      "include: file:///etc/ldap/schema/cosine.ldif\n"
      "include: file:///etc/ldap/schema/inetorgperson.ldif\n"
      "\n"
      "dn: olcDatabase={-1}frontend,cn=config\n"
      "objectClass: olcDatabaseConfig\n"
      "objectClass: olcFrontendConfig\n"
      "olcDatabase: {-1}frontend\n"
      "\n"
      "dn: olcDatabase={0}config,cn=config\n"
      "objectClass: olcDatabaseConfig\n"
      "olcDatabase: {0}config\n";
  // Lets the user who built the server manage cn=config over ldapi:// should a test add one.
  ldif += "olcAccess: {0}to * by dn.exact=gidNumber=" + std::to_string(getegid()) +
          "+uidNumber=" + std::to_string(geteuid()) +
          ",cn=peercred,cn=external,cn=auth manage by * break\n";
  ldif +=
      "\n"
      "dn: olcDatabase={1}mdb,cn=config\n"
      "objectClass: olcDatabaseConfig\n"
      "objectClass: olcMdbConfig\n"
      "olcDatabase: {1}mdb\n"
      "olcSuffix: dc=example,dc=test\n"
      "olcRootDN: cn=admin,dc=example,dc=test\n"
      "olcRootPW: secret\n";
  ldif += "olcDbDirectory: " + dir.file("db") + "\n";
  ldif += "olcDbMaxSize: 16777216\n";
  return ldif;
}

void makeDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0) {
    throw std::runtime_error("test servers: cannot create " + path);
  }
}

}  // namespace

SlapdServer::SlapdServer(const SlapdOptions& options) {
  bool tls = !options.chain.empty();
  if (tls) {
    if (!options.key) {
      throw std::runtime_error("test servers: startSlapd needs the key of chain[0]");
    }
    dir().write("chain.pem", toPem(options.chain));
    dir().write("chain-top.pem", toPem({options.chain.back()}));
    writePrivate("key.pem", keyPem(options.key));  // unencrypted PKCS#8, as GnuTLS wants
    if (!options.client_cas.empty()) {
      dir().write("client-cas.pem", toPem(options.client_cas));
    }
  }
  std::string slapd_d = dir().file("slapd.d");
  makeDirectory(slapd_d);
  makeDirectory(dir().file("db"));
  std::string ldif = dir().write("config.ldif", configLdif(dir(), options));
  ProgramResult added = runProgram({"slapadd", "-n", "0", "-F", slapd_d, "-l", ldif});
  if (added.exit_code != 0) {
    throw std::runtime_error(
        "test servers: slapadd failed (" +
        (added.timed_out ? std::string("timed out") : "exit " + std::to_string(added.exit_code)) +
        "):\n" + added.output);
  }
  // Ready once both listeners accept: slapd binds every -h URL before it serves any.
  launch(tls ? 2 : 1, tls ? 2 : 1, [&](const std::vector<int>& ports) {
    std::string urls = "ldap://127.0.0.1:" + std::to_string(ports[0]) + "/";
    if (tls) {
      urls += " ldaps://127.0.0.1:" + std::to_string(ports[1]) + "/";
    }
    // -d 0 keeps slapd in the foreground, so the pid we hold is the server itself.
    return std::vector<std::string>{"slapd", "-d", "0", "-F", slapd_d, "-h", urls};
  });
  if (tls) {
    setPrimary("ldaps", ldapsPort());
  } else {
    setPrimary("ldap", ldapPort());
  }
}

std::string SlapdServer::ldapUrl() const {
  return "ldap://127.0.0.1:" + std::to_string(ldapPort()) + "/";
}

std::string SlapdServer::ldapsUrl() const {
  return ldapsPort() < 0 ? "" : "ldaps://127.0.0.1:" + std::to_string(ldapsPort()) + "/";
}

std::unique_ptr<SlapdServer> startSlapd(const SlapdOptions& options) {
  return std::make_unique<SlapdServer>(options);
}

}  // namespace trustctl::testing::inline harness
