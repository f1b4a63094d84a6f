#pragma once
// The work a PKCS#12 file asks for before it can be opened: its MAC and each encrypted bag
// name a key-derivation iteration count, and the file chooses it. A count of 2^31 keeps a CPU
// busy for hours, so the counts are read from the structure and refused above a cap before
// any key derivation runs. It decrypts nothing itself except, once the password is known,
// the encrypted safes (whose count was checked first) to see the bags inside them.

#include <cstdint>
#include <string>

#include "truststore/error.h"

typedef struct PKCS12_st PKCS12;

namespace trustctl::truststore {

// Per key derivation. Exporters use far less: OpenSSL 2,048, Windows 2,000, Java keytool
// 10,000; the highest current advice (OWASP 2023, PBKDF2-HMAC-SHA256) is 600,000. A million
// leaves room above all of them and costs ~0.2 s of one core per derivation.
inline constexpr std::int64_t kMaxPkcs12Iterations = 1'000'000;
// Over the whole file, so that many bags each just under the cap cannot add up to minutes:
// MAC, certificate safe and key bag each at the cap fit.
inline constexpr std::int64_t kMaxPkcs12TotalIterations = 4'000'000;

// Checks the MAC's count and those of the encrypted safes and of the shrouded key bags that
// are visible without a password. Fails with Pkcs12IterationsTooHigh naming `label`, or
// UnrecognizedFormat for an algorithm whose parameters do not decode.
Result<void> checkPkcs12Cost(PKCS12* p12, const std::string& label);
// Decrypts the encrypted safes with `pass` and checks the shrouded key bags inside them, and
// the file's total. A safe that `pass` does not open is skipped (the parse will fail on it).
Result<void> checkPkcs12InnerCost(PKCS12* p12, const char* pass, const std::string& label);

}  // namespace trustctl::truststore
