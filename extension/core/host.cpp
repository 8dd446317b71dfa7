// Host and tenant-name rules: which slugs may name a tenant (and so a schema and two roles),
// and how a Host header maps to one. Pure functions, no allocation beyond the returned string.
#include "core/host.hpp"

#include <array>
#include <cstddef>

#include "core/ascii.hpp"

namespace tg::core {

namespace {

constexpr std::size_t kMaxLabel = 63;

bool is_slug_char(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Names a tenant schema must never take: PostgreSQL's and ours, and host labels that name
// the service rather than a customer. Prefixes cover families (pg-…, tenantgate…).
constexpr std::array<std::string_view, 12> kReservedNames = {
    "public",    "auth",       "pg",  "information-schema", "postgres",  "template0",
    "template1", "tenantgate", "www", "extensions",         "pgbouncer", "tg"};
constexpr std::array<std::string_view, 3> kReservedPrefixes = {"pg-", "tenantgate", "tg-"};

bool syntactically_valid(std::string_view slug) noexcept {
  if (slug.empty() || slug.size() > kMaxLabel) return false;
  if (slug.front() == '-' || slug.back() == '-') return false;
  for (char c : slug) {
    if (!is_slug_char(c)) return false;
  }
  return true;
}

}  // namespace

bool is_reserved_slug(std::string_view slug) noexcept {
  for (std::string_view name : kReservedNames) {
    if (slug == name) return true;
  }
  for (std::string_view prefix : kReservedPrefixes) {
    if (starts_with(slug, prefix)) return true;
  }
  return false;
}

bool is_valid_slug(std::string_view slug) noexcept { return syntactically_valid(slug) && !is_reserved_slug(slug); }

std::optional<std::string> slug_for_host(std::string_view host, std::string_view base_domain) noexcept {
  try {
    if (host.empty() || host.size() > 253 + 1 + 6) return std::nullopt;
    if (host.front() == '[') return std::nullopt;  // IPv6 literal
    // A port: everything after the only ':' must be 1–5 digits.
    if (std::size_t colon = host.find(':'); colon != std::string_view::npos) {
      std::string_view port = host.substr(colon + 1);
      if (port.empty() || port.size() > 5) return std::nullopt;
      for (char c : port) {
        if (c < '0' || c > '9') return std::nullopt;
      }
      host = host.substr(0, colon);
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (!base_domain.empty() && base_domain.back() == '.') base_domain.remove_suffix(1);

    std::string name;
    name.reserve(host.size());
    for (char c : host) {
      char lower = ascii_lower(c);
      if (!is_slug_char(lower) && lower != '.') return std::nullopt;  // '@', '_', '/', NUL, non-ASCII …
      name.push_back(lower);
    }
    std::string base;
    base.reserve(base_domain.size());
    for (char c : base_domain) base.push_back(ascii_lower(c));

    std::string_view label(name);
    if (!base.empty()) {
      if (name.size() <= base.size() + 1) return std::nullopt;
      std::string_view tail = std::string_view(name).substr(name.size() - base.size());
      if (tail != base || name[name.size() - base.size() - 1] != '.') return std::nullopt;
      label = std::string_view(name).substr(0, name.size() - base.size() - 1);
    }
    if (label.find('.') != std::string_view::npos) return std::nullopt;  // empty or extra labels
    if (!is_valid_slug(label)) return std::nullopt;
    return std::string(label);
  } catch (...) {  // std::bad_alloc: the contract is noexcept, "no tenant" is the safe answer
    return std::nullopt;
  }
}

}  // namespace tg::core
