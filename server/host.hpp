// Strict Host header parsing. The shim only checks the syntax and normalises; the database's
// auth.tenant_for_host makes the tenant decision (CONTRACT.md: base domain is a database GUC).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tg::server {

struct HostName {
  std::string name;  // lower case, no port, no trailing dot ("company1.example.com")
  int port = 0;      // 0 when absent
};

// Accepts reg-name [":" port] with ASCII letters, digits, '-', '.' (one trailing dot allowed),
// or an IPv4 address, or a bracketed IPv6 literal. Port 1..65535, digits only. Anything else
// (empty, '%', control bytes, non-ASCII, "host:", "host:abc", "a..b") → nullopt → 400.
std::optional<HostName> parse_host(std::string_view raw) noexcept;

// The first label when `name` is exactly one label under `base_domain`, for the access log
// only ("company1" for company1.example.com under example.com); empty otherwise.
std::string tenant_label(std::string_view name, std::string_view base_domain);

}  // namespace tg::server
