#pragma once
// Inside revocation.cc's judgement: one CRL or one OCSP response judged on its own. Not part of
// the truststore interface; only revocation*.cc include it.

#include <string>
#include <string_view>

#include <openssl/asn1.h>

#include "truststore/certificate.h"
#include "truststore/time_util.h"

namespace trustctl::truststore::revocation_parts {

// Clock skew tolerated between the signer and this host, in seconds.
inline constexpr UnixTime kSkewSeconds = 300;

struct PieceVerdict {
  enum class Kind { Invalid, Good, Revoked, Unknown } kind = Kind::Invalid;
  std::string reason;  // RFC 5280 name, "" none
  UnixTime revoked_at = 0;
  std::string why;  // Invalid / Unknown: what failed, one clause
};

PieceVerdict judgeCrl(const Certificate& cert, const Certificate& issuer, std::string_view body,
                      UnixTime now);
PieceVerdict judgeOcsp(const Certificate& cert, const Certificate& issuer, std::string_view body,
                       UnixTime now);

// RFC 5280 CRLReason name for a code ("keyCompromise"); "" for none or an unknown one.
std::string reasonName(int code);
UnixTime unixOf(const ASN1_TIME* t);

}  // namespace trustctl::truststore::revocation_parts
