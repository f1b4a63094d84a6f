#include "truststore/certificate_importer.h"

#include <cstdio>
#include <iostream>
#include <set>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "truststore/file_util.h"
#include "truststore/ossl.h"
#include "truststore/pkcs12_reader.h"

namespace trustctl::truststore {

namespace {

struct Collected {
  std::vector<CertificatePtr> certs;
  std::vector<PrivateKeyPtr> keys;
};

Error inputError(ErrorCode code, const std::string& label, const std::string& what) {
  return Error{code, label + ": " + what};
}

bool isBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Adds certificates from a PKCS#7 (SignedData) structure.
Result<void> addPkcs7(PKCS7* p7, Collected& out, const std::string& label) {
  STACK_OF(X509)* certs = nullptr;
  if (p7 != nullptr && PKCS7_type_is_signed(p7) && p7->d.sign != nullptr) {
    certs = p7->d.sign->cert;
  }
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    auto cert = Certificate::fromX509(sk_X509_value(certs, i));
    if (!cert) {
      return tl::unexpected(inputError(cert.error().code, label, cert.error().message));
    }
    out.certs.push_back(*cert);
  }
  return {};
}

int noPasswordCallback(char*, int, int, void*) {
  return 0;
}

struct KeyPasswordState {
  const PasswordProvider* provider;
  bool asked = false;
  bool missing = false;
  std::string password;
};

int keyPasswordCallback(char* buf, int size, int, void* user) {
  auto* state = static_cast<KeyPasswordState*>(user);
  if (!state->asked) {
    state->asked = true;
    auto pw = (*state->provider)();
    if (!pw) {
      state->missing = true;
      return -1;
    }
    state->password = std::move(*pw);
  }
  if (state->password.size() > static_cast<size_t>(size)) {
    return -1;
  }
  std::copy(state->password.begin(), state->password.end(), buf);
  return static_cast<int>(state->password.size());
}

Result<void> addPemKey(std::string_view block, Collected& out, const std::string& label,
                       const PasswordProvider& password) {
  ossl::BioPtr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
  KeyPasswordState state{&password, false, false, {}};
  ossl::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, keyPasswordCallback, &state));
  OPENSSL_cleanse(state.password.data(), state.password.size());
  if (!key) {
    ossl::clearErrors();
    if (state.missing) {
      return tl::unexpected(inputError(ErrorCode::PasswordRequired, label,
                                       "the private key is encrypted; give its password with "
                                       "--password-file or --password-env"));
    }
    if (state.asked) {
      return tl::unexpected(inputError(ErrorCode::WrongPassword, label,
                                       "the private key could not be decrypted with the given "
                                       "password; check the password"));
    }
    return tl::unexpected(inputError(ErrorCode::TruncatedPem, label,
                                     "a PRIVATE KEY block is damaged; export the key again"));
  }
  out.keys.push_back(PrivateKey::fromEvp(key.get()));
  return {};
}

int lineOf(std::string_view text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

Result<void> parsePem(std::string_view text, Collected& out, const std::string& label,
                      const PasswordProvider& password) {
  size_t pos = 0;
  int blocks = 0;
  while ((pos = text.find("-----BEGIN ", pos)) != std::string_view::npos) {
    size_t type_start = pos + 11;
    size_t type_end = text.find("-----", type_start);
    if (type_end == std::string_view::npos || text.find('\n', type_start) < type_end) {
      return tl::unexpected(inputError(ErrorCode::TruncatedPem, label,
                                       "a BEGIN line at line " + std::to_string(lineOf(text, pos)) +
                                           " is cut off; the file is incomplete"));
    }
    std::string type(text.substr(type_start, type_end - type_start));
    std::string end_marker = "-----END " + type + "-----";
    size_t end = text.find(end_marker, type_end);
    if (end == std::string_view::npos) {
      return tl::unexpected(
          inputError(ErrorCode::TruncatedPem, label,
                     "the " + type + " block at line " + std::to_string(lineOf(text, pos)) +
                         " has no END line; the file was cut off, copy or download it again"));
    }
    std::string_view block = text.substr(pos, end + end_marker.size() - pos);
    std::string where = "the " + type + " block at line " + std::to_string(lineOf(text, pos));
    pos = end + end_marker.size();
    ++blocks;
    if (type.find("PRIVATE KEY") != std::string::npos) {
      if (auto r = addPemKey(block, out, label, password); !r) {
        return r;
      }
      continue;
    }
    ossl::BioPtr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
    if (type == "CERTIFICATE" || type == "X509 CERTIFICATE" || type == "TRUSTED CERTIFICATE") {
      ossl::X509Ptr x(type == "TRUSTED CERTIFICATE"
                          ? PEM_read_bio_X509_AUX(bio.get(), nullptr, noPasswordCallback, nullptr)
                          : PEM_read_bio_X509(bio.get(), nullptr, noPasswordCallback, nullptr));
      if (!x) {
        ossl::clearErrors();
        return tl::unexpected(inputError(ErrorCode::TruncatedPem, label,
                                         where + " is damaged (bad base64 or DER); copy or "
                                                 "download the certificate again"));
      }
      auto cert = Certificate::fromX509(x.get());
      if (!cert) {
        return tl::unexpected(
            inputError(cert.error().code, label, where + " " + cert.error().message));
      }
      out.certs.push_back(*cert);
    } else if (type == "PKCS7" || type == "CERTIFICATE CHAIN") {
      ossl::Pkcs7Ptr p7(PEM_read_bio_PKCS7(bio.get(), nullptr, noPasswordCallback, nullptr));
      if (!p7) {
        ossl::clearErrors();
        return tl::unexpected(inputError(ErrorCode::TruncatedPem, label, where + " is damaged"));
      }
      if (auto r = addPkcs7(p7.get(), out, label); !r) {
        return r;
      }
    } else if (type == "CERTIFICATE REQUEST" || type == "NEW CERTIFICATE REQUEST") {
      return tl::unexpected(inputError(ErrorCode::UnrecognizedFormat, label,
                                       where +
                                           " is a certificate signing request, not a "
                                           "certificate; import the certificate the CA issued"));
    } else if (type == "PUBLIC KEY" || type == "RSA PUBLIC KEY") {
      return tl::unexpected(inputError(ErrorCode::UnrecognizedFormat, label,
                                       where + " is a bare public key, not a certificate; "
                                               "export the certificate instead"));
    } else if (type == "X509 CRL") {
      return tl::unexpected(inputError(ErrorCode::UnrecognizedFormat, label,
                                       where + " is a revocation list, not a certificate"));
    }
    // Other blocks (parameters, attributes) carry nothing we import; skip them.
  }
  if (blocks == 0) {
    return tl::unexpected(inputError(ErrorCode::UnrecognizedFormat, label,
                                     "no PEM block found; expected PEM, DER, PKCS#7 or PKCS#12"));
  }
  return {};
}

std::optional<std::string> decodeBareBase64(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) {
      return std::nullopt;
    }
    compact += c;
  }
  if (compact.size() < 64 || compact.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out(compact.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()),
                          static_cast<int>(compact.size()));
  if (n < 0) {
    return std::nullopt;
  }
  size_t pad = compact.size() - compact.find_last_not_of('=') - 1;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Result<InputFormat> parseBinary(std::string_view bytes, Collected& out, const std::string& label,
                                const PasswordProvider& password) {
  const auto* begin = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = begin + bytes.size();
  {
    const unsigned char* p = begin;
    ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(bytes.size())));
    if (x && p == end) {
      auto cert = Certificate::fromX509(x.get());
      if (!cert) {
        return tl::unexpected(inputError(cert.error().code, label, cert.error().message));
      }
      out.certs.push_back(*cert);
      return InputFormat::Der;
    }
  }
  {
    const unsigned char* p = begin;
    ossl::Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(bytes.size())));
    if (p7 && p == end) {
      if (auto r = addPkcs7(p7.get(), out, label); !r) {
        return tl::unexpected(r.error());
      }
      return InputFormat::Pkcs7Der;
    }
  }
  {
    const unsigned char* p = begin;
    ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
    if (p12) {
      ossl::clearErrors();
      auto contents = readPkcs12(p12.get(), label, password);
      if (!contents) {
        return tl::unexpected(contents.error());
      }
      for (auto& c : contents->certificates) {
        out.certs.push_back(std::move(c));
      }
      if (contents->key) {
        out.keys.push_back(contents->key);
      }
      return InputFormat::Pkcs12;
    }
  }
  {
    const unsigned char* p = begin;
    ossl::EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size())));
    if (key) {
      ossl::clearErrors();
      return tl::unexpected(inputError(ErrorCode::KeyInsteadOfCertificate, label,
                                       "this is a DER private key, not a certificate; import the "
                                       "certificate (or a PKCS#12 holding both)"));
    }
  }
  ossl::clearErrors();
  return tl::unexpected(
      inputError(ErrorCode::UnrecognizedFormat, label,
                 "not a certificate: the content is neither PEM, DER, PKCS#7 nor PKCS#12"));
}

}  // namespace

std::string_view inputFormatName(InputFormat f) {
  switch (f) {
    case InputFormat::Pem:
      return "PEM";
    case InputFormat::Der:
      return "DER";
    case InputFormat::Pkcs7Der:
      return "PKCS#7";
    case InputFormat::Pkcs12:
      return "PKCS#12";
  }
  return "?";
}

Result<std::string> readInputFile(const std::string& path) {
  if (path == "-") {
    std::string data;
    char buf[65536];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
      data.append(buf, n);
      if (data.size() > kMaxImportBytes) {
        return fail(ErrorCode::FileTooLarge,
                    "<stdin>: more than 32 MiB; a certificate file is never that large");
      }
    }
    return data;
  }
  return readUserFile(path, kMaxImportBytes, "a certificate file");
}

Result<ImportedMaterial> parseImport(std::string_view bytes, const std::string& label,
                                     const PasswordProvider& password) {
  if (isBlank(bytes)) {
    return fail(ErrorCode::EmptyInput, label + ": the file is empty; export the certificate again");
  }
  ImportedMaterial result;
  Collected collected;
  if (bytes.find("-----BEGIN ") != std::string_view::npos) {
    if (auto r = parsePem(bytes, collected, label, password); !r) {
      return tl::unexpected(r.error());
    }
    result.format = InputFormat::Pem;
  } else {
    auto format = parseBinary(bytes, collected, label, password);
    if (!format && format.error().code == ErrorCode::UnrecognizedFormat) {
      if (auto decoded = decodeBareBase64(bytes)) {
        Collected retry;
        auto again = parseBinary(*decoded, retry, label, password);
        // Once the decoded bytes are recognized (a PKCS#12 with a wrong password, a DER key),
        // their error says more than "not a certificate" does.
        if (again || again.error().code != ErrorCode::UnrecognizedFormat) {
          format = std::move(again);
          collected = std::move(retry);
        }
      }
    }
    if (!format) {
      return tl::unexpected(format.error());
    }
    result.format = *format;
  }
  if (collected.keys.size() > 1) {
    return fail(ErrorCode::MultipleKeys, label + ": holds " +
                                             std::to_string(collected.keys.size()) +
                                             " private keys; import one identity per file");
  }
  if (collected.certs.empty()) {
    if (!collected.keys.empty()) {
      return fail(ErrorCode::KeyInsteadOfCertificate,
                  label +
                      ": holds a private key but no certificate; import the certificate, or "
                      "the certificate and key together");
    }
    return fail(ErrorCode::NoCertificate, label + ": holds no certificate");
  }
  std::set<std::string> seen;
  for (auto& cert : collected.certs) {
    if (seen.insert(cert->sha256()).second) {
      result.certificates.push_back(cert);
    }
  }
  if (!collected.keys.empty()) {
    result.key = collected.keys.front();
    auto it = std::find_if(result.certificates.begin(), result.certificates.end(),
                           [&](const CertificatePtr& c) { return result.key->matches(*c); });
    if (it == result.certificates.end()) {
      return fail(ErrorCode::KeyMismatch,
                  label +
                      ": the private key does not belong to any certificate in the file; "
                      "pair the key with the certificate issued for it");
    }
    std::rotate(result.certificates.begin(), it, it + 1);
  }
  return result;
}

Result<std::vector<CertificatePtr>> readCertificatesFromFile(const std::string& path) {
  auto bytes = readInputFile(path);
  if (!bytes) {
    return tl::unexpected(bytes.error());
  }
  auto material = parseImport(*bytes, path, [] { return std::nullopt; });
  if (!material) {
    return tl::unexpected(material.error());
  }
  return material->certificates;
}

}  // namespace trustctl::truststore
