#pragma once
// Turns the bytes of a file a customer sent into certificates and at most one private key.
// The format is detected from content, never from the extension: PEM (certificates, PKCS#7,
// keys, in any mix), DER certificate, DER PKCS#7, PKCS#12 (modern and legacy RC2/3DES), and
// bare base64 of any DER form. It does not name, store or classify anything.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"

namespace trustctl::truststore {

// Files larger than this are refused before parsing; the biggest real CA bundles are ~1 MiB.
inline constexpr size_t kMaxImportBytes = 32u * 1024u * 1024u;

// Asked at most once, only when the input is encrypted. Returns nullopt when no password is
// available (the importer then fails with PasswordRequired).
using PasswordProvider = std::function<std::optional<std::string>()>;

enum class InputFormat { Pem, Der, Pkcs7Der, Pkcs12 };
std::string_view inputFormatName(InputFormat f);

struct ImportedMaterial {
  InputFormat format = InputFormat::Pem;
  // Distinct certificates in file order, except that the certificate matching `key`, if any,
  // comes first.
  std::vector<CertificatePtr> certificates;
  PrivateKeyPtr key;  // null when the input holds none
};

// Reads a whole file with the size limit; `path` "-" reads standard input. Errors name `path`.
Result<std::string> readInputFile(const std::string& path);

// Parses `bytes`; `label` names the input in error messages (usually the path).
// Fails with EmptyInput, TruncatedPem, UnrecognizedFormat, WrongPassword, PasswordRequired,
// NoCertificate, KeyInsteadOfCertificate, KeyMismatch, MultipleKeys or LegacyProviderMissing.
Result<ImportedMaterial> parseImport(std::string_view bytes, const std::string& label,
                                     const PasswordProvider& password);

// The certificates of a file (any format parseImport accepts; no password is asked: a file
// needing one fails with PasswordRequired). Errors name the file.
Result<std::vector<CertificatePtr>> readCertificatesFromFile(const std::string& path);

}  // namespace trustctl::truststore
