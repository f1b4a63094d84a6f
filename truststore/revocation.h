#pragma once
// Revocation, judged purely from evidence the probe's shell fetched (CRLs from the CRL
// distribution points, OCSP responses from the AIA OCSP URL or stapled by the server) at a
// given instant. No network, no clock: the same evidence gives the same verdict in a replay.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

// What a connector asks for: "off" never checks; "soft" (the default) reports revocation that
// cannot be determined as a warning; "hard" fails the connection on it.
enum class RevocationMode { Off, Soft, Hard };
std::string_view revocationModeName(RevocationMode mode);
std::optional<RevocationMode> revocationModeFromName(std::string_view name);

struct RevocationEvidence {
  std::vector<std::string> crls;            // DER or PEM, as fetched
  std::vector<std::string> ocsp_responses;  // DER OCSPResponse, fetched or stapled
  // One of the responses came stapled in the handshake: it is ocsp_responses[0].
  bool ocsp_stapled = false;
  std::vector<std::string> fetch_errors;  // why fetches failed ("http://x/crl: timeout")
};

enum class RevocationState {
  NotChecked,  // the certificate names no CRL distribution point and no OCSP responder
  Good,        // a valid, current CRL or OCSP response says it is not revoked
  Revoked,
  Unknown,  // it names some, but no valid, current answer was had
};

struct RevocationVerdict {
  RevocationState state = RevocationState::NotChecked;
  std::string reason;  // RFC 5280 reason name ("keyCompromise"), "" when none given
  UnixTime revoked_at = 0;
  std::string source;  // "crl", "ocsp", "ocsp-stapled"
  std::string detail;  // one sentence: what was checked and why it is unknown
};

// Pure: judges `cert` (issued by `issuer`) from `evidence` at `now`. A CRL or OCSP response
// counts only when its signature verifies (by the issuer, or for OCSP an OCSP-signing
// delegate the issuer certified), it is about this certificate, and it is current at `now`.
RevocationVerdict judgeRevocation(const Certificate& cert, const Certificate& issuer,
                                  const RevocationEvidence& evidence, UnixTime now);

// The URLs revocation evidence can be fetched from (http:// only, as RFC 5280 expects).
std::vector<std::string> crlDistributionPoints(const Certificate& cert);
std::vector<std::string> ocspResponderUrls(const Certificate& cert);

// When fetched evidence stops being current, for the shell's cache: a CRL's nextUpdate, or the
// earliest nextUpdate of an OCSP response's single responses; nullopt when it cannot be parsed
// or names none. Nothing is verified here.
std::optional<UnixTime> evidenceNextUpdate(std::string_view body, bool ocsp);

}  // namespace trustctl::truststore
