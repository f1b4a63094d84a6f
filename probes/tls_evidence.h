#pragma once
// The raw TLS evidence a capture records for transport causes (probes/transport_causes.h):
// OpenSSL's error as libcurl reported it, the size of the Certificate message, the retry that
// measures a chain too large for OpenSSL's default limit, the OCSP response the server
// stapled, and a bare ClientHello that tells whether a port speaks TLS from the first byte.

#include <chrono>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "probes/capture.h"

namespace trustctl::probes {

// The max_cert_list the measuring retry allows (OpenSSL's default is 100 KiB).
inline constexpr long kLargeCertListBytes = 1L << 20;

// Finds OpenSSL's packed error code in `text` ("... error:0A000098:SSL routines::excessive
// message size", as libcurl's OpenSSL backend writes it) and records its library name, reason
// code and reason text in the capture. Leaves the capture unchanged when there is none.
void recordOpensslError(Capture& c, const std::string& text);

// True when the capture failed on OpenSSL's "excessive message size": the peer's Certificate
// message was over the client's max_cert_list.
bool failedOnCertificateSize(const Capture& c);

// The size of the TLS 1.2 Certificate handshake message that carries `chain` (leaf first):
// 4 bytes of handshake header, 3 of list length, and 3 of length before each DER certificate.
// TLS 1.3 adds 1 byte of request context and 2 of extensions per certificate, which this
// leaves out, so the figure is the same whatever version was negotiated. 0 for no chain.
size_t certificateMessageBytes(const std::vector<std::string>& chain);

// The capture to report when a first attempt failed on the Certificate message size and a
// retry with kLargeCertListBytes got further: the first attempt's failure, error and detail,
// with the retry's chain and its measured size.
Capture mergeLargeCertRetry(Capture first, Capture retry);

// The largest stapled OCSP response a capture keeps; a larger one is dropped, not cut.
inline constexpr size_t kStapledOcspMaxBytes = 64 * 1024;

// Makes every connection from `ctx` ask for a stapled OCSP response (status_request) and copy
// the DER response the server staples into `*stapled` ("" when none, or over
// kStapledOcspMaxBytes). Never fails a handshake: the response is judged later, from the
// capture, like a fetched one. Call before the SSL object is made from `ctx`.
void requestStapledOcsp(SSL_CTX* ctx, std::string* stapled);

// Opens a fresh TCP connection to `target`, sends a TLS ClientHello (SNI `servername`, no
// verification) and waits until `deadline` for the answer. True when the answer is TLS: a
// ServerHello or a TLS alert. Never sends application data.
bool portAnswersTls(const Target& target, const std::string& servername,
                    std::chrono::steady_clock::time_point deadline);

}  // namespace trustctl::probes
