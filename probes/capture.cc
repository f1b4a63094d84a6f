#include "probes/capture.h"

#include <array>

#include "truststore/ossl.h"

namespace trustctl::probes {

namespace {

constexpr std::array<std::pair<CaptureFailure, std::string_view>, 13> kFailureNames{{
    {CaptureFailure::None, "none"},
    {CaptureFailure::DnsFailure, "dns_failure"},
    {CaptureFailure::ConnectionRefused, "connection_refused"},
    {CaptureFailure::Timeout, "timeout"},
    {CaptureFailure::NotTls, "not_tls"},
    {CaptureFailure::StartTlsUnsupported, "starttls_unsupported"},
    {CaptureFailure::ProtocolMismatch, "protocol_mismatch"},
    {CaptureFailure::HandshakeFailed, "handshake_failed"},
    {CaptureFailure::AfterHandshake, "after_handshake"},
    {CaptureFailure::ProtocolError, "protocol_error"},
    {CaptureFailure::ProxyUnreachable, "proxy_unreachable"},
    {CaptureFailure::ProxyAuthRequired, "proxy_auth_required"},
    {CaptureFailure::ProxyRefused, "proxy_refused"},
}};

std::string base64(const std::string& der) {
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(der.data()),
                          static_cast<int>(der.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::optional<std::string> unbase64(const std::string& text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  size_t pad = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && pad < 2; --i) {
    ++pad;
  }
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

nlohmann::json base64List(const std::vector<std::string>& ders) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& der : ders) {
    out.push_back(base64(der));
  }
  return out;
}

// Fails (nullopt) when an item is not base64.
std::optional<std::vector<std::string>> unbase64List(const nlohmann::json& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    auto der = unbase64(item.get<std::string>());
    if (!der) {
      return std::nullopt;
    }
    out.push_back(std::move(*der));
  }
  return out;
}

}  // namespace

std::string_view fetchPurposeName(FetchPurpose p) {
  switch (p) {
    case FetchPurpose::CaIssuers:
      return "ca_issuers";
    case FetchPurpose::Crl:
      return "crl";
    case FetchPurpose::Ocsp:
      return "ocsp";
  }
  return "ca_issuers";
}

std::string_view captureFailureName(CaptureFailure f) {
  for (const auto& [value, name] : kFailureNames) {
    if (value == f) {
      return name;
    }
  }
  return "none";
}

std::optional<CaptureFailure> captureFailureFromName(std::string_view name) {
  for (const auto& [value, n] : kFailureNames) {
    if (n == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::string alertName(int description) {
  const char* text = SSL_alert_desc_string_long(description << 0);
  // OpenSSL names them in words ("handshake failure"); the TLS RFCs use snake_case names.
  std::string name = text ? text : "";
  if (description == 116) {
    name = "certificate required";
  } else if (description == 109) {
    name = "missing extension";
  }
  if (name.empty() || name == "unknown") {
    return "alert " + std::to_string(description);
  }
  for (char& c : name) {
    c = c == ' ' ? '_' : c;
  }
  return name;
}

nlohmann::json captureToJson(const Capture& c) {
  nlohmann::json chain = base64List(c.chain_der);
  nlohmann::json fetched = nlohmann::json::array();
  for (const auto& f : c.fetched) {
    fetched.push_back({{"purpose", fetchPurposeName(f.purpose)},
                       {"url", f.url},
                       {"about", f.about},
                       {"body_base64", base64(f.body)},
                       {"error", f.error}});
  }
  return {{"url", c.target.url()},
          {"servername", c.servername},
          {"failure", captureFailureName(c.failure)},
          {"detail", c.detail},
          {"handshake_completed", c.handshake_completed},
          {"tls_version", c.tls_version},
          {"cipher", c.cipher},
          {"alert_received", c.alert_received},
          {"alert_sent", c.alert_sent},
          {"client_certificate_requested", c.client_certificate_requested},
          {"client_certificate_sent", c.client_certificate_sent},
          {"chain_der_base64", chain},
          {"http_status", c.http_status},
          {"http_body", c.http_body},
          {"ldap_result", c.ldap_result},
          {"ldap_message", c.ldap_message},
          {"ldap_bind_result", c.ldap_bind_result},
          {"ldap_bind_message", c.ldap_bind_message},
          {"elapsed_seconds", c.elapsed_seconds},
          {"tls_error_library", c.tls_error_library},
          {"tls_error_reason", c.tls_error_reason},
          {"tls_error_reason_text", c.tls_error_reason_text},
          {"port_speaks_tls", c.port_speaks_tls},
          {"ocsp_stapled_base64", base64(c.ocsp_stapled)},
          {"certificate_message_bytes", c.certificate_message_bytes},
          {"fetched", fetched},
          {"proxy", c.proxy},
          {"proxy_source", c.proxy_source},
          {"proxy_connect_status", c.proxy_connect_status},
          {"proxy_status_line", c.proxy_status_line},
          {"proxy_credentials_sent", c.proxy_credentials_sent},
          {"direct_attempted", c.direct_attempted},
          {"direct_chain_der_base64", base64List(c.direct_chain_der)},
          {"direct_detail", c.direct_detail}};
}

Result<Capture> captureFromJson(const nlohmann::json& j) {
  auto bad = [](const std::string& field) {
    return fail(ErrorCode::InvalidArgument,
                "capture field '" + field + "' is missing or has the wrong type");
  };
  if (!j.is_object()) {
    return fail(ErrorCode::InvalidArgument, "a capture must be a JSON object");
  }
  Capture c;
  try {
    auto target = parseTarget(j.at("url").get<std::string>());
    if (!target) {
      return tl::unexpected(target.error());
    }
    c.target = *target;
    c.servername = j.value("servername", c.target.host);
    auto failure = captureFailureFromName(j.at("failure").get<std::string>());
    if (!failure) {
      return bad("failure");
    }
    c.failure = *failure;
    c.detail = j.value("detail", "");
    c.handshake_completed = j.value("handshake_completed", false);
    c.tls_version = j.value("tls_version", "");
    c.cipher = j.value("cipher", "");
    c.alert_received = j.value("alert_received", -1);
    c.alert_sent = j.value("alert_sent", -1);
    c.client_certificate_requested = j.value("client_certificate_requested", false);
    c.client_certificate_sent = j.value("client_certificate_sent", false);
    auto chain = unbase64List(j.value("chain_der_base64", nlohmann::json::array()));
    if (!chain) {
      return bad("chain_der_base64");
    }
    c.chain_der = std::move(*chain);
    c.http_status = j.value("http_status", 0);
    c.http_body = j.value("http_body", "");
    c.ldap_result = j.value("ldap_result", -1);
    c.ldap_message = j.value("ldap_message", "");
    c.ldap_bind_result = j.value("ldap_bind_result", -1);
    c.ldap_bind_message = j.value("ldap_bind_message", "");
    c.elapsed_seconds = j.value("elapsed_seconds", 0.0);
    c.tls_error_library = j.value("tls_error_library", "");
    c.tls_error_reason = j.value("tls_error_reason", 0);
    c.tls_error_reason_text = j.value("tls_error_reason_text", "");
    c.port_speaks_tls = j.value("port_speaks_tls", false);
    auto stapled = unbase64(j.value("ocsp_stapled_base64", ""));
    if (!stapled) {
      return bad("ocsp_stapled_base64");
    }
    c.ocsp_stapled = std::move(*stapled);
    c.certificate_message_bytes = j.value("certificate_message_bytes", size_t{0});
    for (const auto& item : j.value("fetched", nlohmann::json::array())) {
      FetchedObject f;
      std::string purpose = item.at("purpose").get<std::string>();
      if (purpose == "crl") {
        f.purpose = FetchPurpose::Crl;
      } else if (purpose == "ocsp") {
        f.purpose = FetchPurpose::Ocsp;
      } else if (purpose != "ca_issuers") {
        return bad("fetched.purpose");
      }
      f.url = item.value("url", "");
      f.about = item.value("about", "");
      auto body = unbase64(item.value("body_base64", ""));
      if (!body) {
        return bad("fetched.body_base64");
      }
      f.body = std::move(*body);
      f.error = item.value("error", "");
      c.fetched.push_back(std::move(f));
    }
    c.proxy = j.value("proxy", "");
    c.proxy_source = j.value("proxy_source", "");
    c.proxy_connect_status = j.value("proxy_connect_status", 0);
    c.proxy_status_line = j.value("proxy_status_line", "");
    c.proxy_credentials_sent = j.value("proxy_credentials_sent", false);
    c.direct_attempted = j.value("direct_attempted", false);
    auto direct = unbase64List(j.value("direct_chain_der_base64", nlohmann::json::array()));
    if (!direct) {
      return bad("direct_chain_der_base64");
    }
    c.direct_chain_der = std::move(*direct);
    c.direct_detail = j.value("direct_detail", "");
  } catch (const nlohmann::json::exception& e) {
    return bad(e.what());
  }
  return c;
}

}  // namespace trustctl::probes
