#include "truststore/secret_wipe.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <openssl/crypto.h>

namespace trustctl::truststore {

void wipeSecret(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

bool protectProcessSecrets() {
  // Both, because either alone leaks. RLIMIT_CORE 0 does not stop a dump through a
  // core_pattern pipe (the kernel ignores the limit there), nor ptrace or /proc/PID/mem by
  // another process of the same user; PR_SET_DUMPABLE 0 stops all three, except that with
  // fs.suid_dumpable=2 a pipe still gets the dump, and then the limit of 0 is what
  // systemd-coredump honours to drop it.
  bool ok = ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
  rlimit none{0, 0};
  ok = ::setrlimit(RLIMIT_CORE, &none) == 0 && ok;
  return ok;
}

}  // namespace trustctl::truststore
