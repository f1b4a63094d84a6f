#include "probes/interception.h"

#include <algorithm>
#include <cctype>

namespace trustctl::probes {

namespace {

struct ProductMarker {
  std::string_view marker;  // matched case-insensitively in a subject or issuer DN
  std::string_view product;
};

// Issuer names these products put in the certificates they re-sign connections with, as their
// documentation and support articles show them. Markers are long enough not to match a CA
// that merely shares letters (ESET by its company name, not "ESET" inside "RESET").
constexpr ProductMarker kProducts[] = {
    {"mitmproxy", "mitmproxy"},
    {"zscaler", "Zscaler"},
    {"netskope", "Netskope"},
    {"blue coat", "Blue Coat / Symantec ProxySG"},
    {"bluecoat", "Blue Coat / Symantec ProxySG"},
    {"proxysg", "Blue Coat / Symantec ProxySG"},
    {"symantec web security", "Symantec Web Security Service"},
    {"fortinet", "Fortinet FortiGate"},
    {"fortigate", "Fortinet FortiGate"},
    {"palo alto networks", "Palo Alto Networks"},
    {"sophos", "Sophos"},
    {"cisco umbrella", "Cisco Umbrella"},
    {"opendns", "Cisco Umbrella"},
    {"forcepoint", "Forcepoint"},
    {"websense", "Forcepoint"},
    {"kaspersky", "Kaspersky"},
    {"avast", "Avast / AVG"},
    {"avg technologies", "Avast / AVG"},
    {"avg web/mail shield", "Avast / AVG"},
    {"eset ssl filter", "ESET"},
    {"eset, spol", "ESET"},
    {"bitdefender", "Bitdefender"},
    {"mcafee web gateway", "McAfee / Skyhigh Web Gateway"},
    {"skyhigh security", "McAfee / Skyhigh Web Gateway"},
    {"check point", "Check Point"},
    {"barracuda", "Barracuda"},
    {"sonicwall", "SonicWall"},
    {"watchguard", "WatchGuard"},
    {"untangle", "Untangle"},
    {"cisco secure web", "Cisco Secure Web Appliance"},
    {"ironport", "Cisco Secure Web Appliance"},
    {"charles proxy", "Charles Proxy"},
    {"fiddlerroot", "Fiddler"},
    {"portswigger", "Burp Suite"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Same issuing CA: the same issuer name and, when both carry one, the same key identifier.
bool sameIssuer(const truststore::Certificate& a, const truststore::Certificate& b) {
  const auto& x = a.info();
  const auto& y = b.info();
  if (x.issuer != y.issuer) {
    return false;
  }
  return x.authority_key_id.empty() || y.authority_key_id.empty() ||
         x.authority_key_id == y.authority_key_id;
}

}  // namespace

std::string_view interceptionProductOf(const truststore::Certificate& cert) {
  std::string names = lower(cert.info().subject + "\n" + cert.info().issuer);
  for (const auto& p : kProducts) {
    if (names.find(p.marker) != std::string::npos) {
      return p.product;
    }
  }
  return "";
}

std::optional<InterceptionFinding> findInterception(
    const Capture& capture, const std::vector<truststore::CertificatePtr>& presented) {
  if (capture.proxy.empty() || presented.empty()) {
    return std::nullopt;
  }
  InterceptionFinding f;
  f.proxied_issuer = presented.front()->info().issuer;
  f.proxy_top = presented.back();
  for (const auto& cert : presented) {
    if (auto product = interceptionProductOf(*cert); !product.empty()) {
      f.product = std::string(product);
      break;
    }
  }
  if (!capture.direct_chain_der.empty()) {
    auto direct = truststore::Certificate::parseDer(capture.direct_chain_der.front());
    if (direct && (*direct)->sha256() != presented.front()->sha256() &&
        !sameIssuer(**direct, *presented.front())) {
      f.direct_issuer = (*direct)->info().issuer;
    }
  }
  if (f.product.empty() && f.direct_issuer.empty()) {
    return std::nullopt;
  }
  return f;
}

std::string describeInterception(const InterceptionFinding& f, const std::string& proxy) {
  std::string text = "through the proxy " + proxy + " the server certificate is issued by \"" +
                     f.proxied_issuer + "\"";
  if (!f.direct_issuer.empty()) {
    text += ", but directly by \"" + f.direct_issuer + "\"";
  }
  if (!f.product.empty()) {
    text += "; that issuer is " + f.product + ", a TLS interception product";
  }
  return text + ": the proxy decrypts and re-signs the connection";
}

}  // namespace trustctl::probes
