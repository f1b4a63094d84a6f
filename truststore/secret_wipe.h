#pragma once
// Keeps secrets (passwords, PEM keys) from outliving their use: overwrites a std::string in a
// way the optimizer may not remove, and keeps the process from dumping its memory (a core
// file, or another process of the same user attaching with ptrace) once a secret may be held.
// For layers that must not include OpenSSL themselves. Does not lock pages against swap.

#include <string>

namespace trustctl::truststore {

void wipeSecret(std::string& secret);

// Makes the process non-dumpable (prctl PR_SET_DUMPABLE 0: no core file, no ptrace attach by
// same-uid processes, /proc/PID/mem closed to them) and sets the core size limit to 0, for
// the rest of the process's life. Call before the first password or private key is read;
// calling again is harmless. Returns false when either call failed (the caller goes on: the
// secret is still needed, and nothing better can be done).
bool protectProcessSecrets();

}  // namespace trustctl::truststore
