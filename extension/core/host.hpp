// Host and tenant-name rules shared by the extension (auth.tenant_for_host, create_tenant).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tg::core {

// A tenant slug is a DNS label: [a-z0-9-], 1–63 characters, not starting or ending with '-',
// and not reserved (public, auth, information_schema, pg_*, tenantgate*, and the like).
bool is_valid_slug(std::string_view slug) noexcept;
bool is_reserved_slug(std::string_view slug) noexcept;

// "Company1.Example.com.:8443" under base domain "example.com" → "company1". Case-insensitive;
// ignores one trailing dot and a port; IPv6 literals, empty labels, userinfo ('@'), more than one
// label before the base domain, or a label that is not a valid slug → nullopt. The result is
// the slug only; whether such a tenant exists is the database's question.
std::optional<std::string> slug_for_host(std::string_view host, std::string_view base_domain) noexcept;

}  // namespace tg::core
