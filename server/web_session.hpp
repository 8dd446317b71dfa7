// The browser's session (docs/server.md, "Cookie sessions"): the refresh token lives in an
// HttpOnly cookie the page never reads, following Flask-JWT-Extended's cookie mode, and every
// cookie request proves it comes from the page with a CSRF token derived from that very refresh
// token (a sibling subdomain tossing its own cookie cannot produce the matching header).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tg::server {

inline constexpr std::string_view kRefreshCookie = "tg_refresh";
inline constexpr std::string_view kCsrfCookie = "tg_csrf";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// base64url (no padding) of SHA-256("tenantgate-csrf:" + refresh_token), by OpenSSL EVP.
// Empty when the digest fails (the caller refuses then).
std::string csrf_token_for(std::string_view refresh_token);

// Whether `given` is the CSRF token of `refresh_token`; the comparison takes the same time
// wherever the first difference is.
bool csrf_matches(std::string_view refresh_token, std::string_view given);

// Every value of the cookie `name` in a Cookie request header ("a=1; tg_refresh=…"), in order.
// A browser sends one value per (name, domain, path) it holds, so there can be several.
std::vector<std::string> cookie_values(std::string_view cookie_header, std::string_view name);

// The Set-Cookie values (host-only: no Domain; Secure; SameSite=Strict).
std::string refresh_cookie(std::string_view refresh_token, long max_age);  // HttpOnly, Path=/auth
std::string csrf_cookie(std::string_view csrf_token, long max_age);        // readable by the page, Path=/
std::string cleared_refresh_cookie();                                      // Max-Age=0
std::string cleared_csrf_cookie();

// Whether an Origin header names the request's own origin: http or https with the Host
// header's name and port (an absent port is the scheme's default). "null" and anything
// malformed are not the same origin.
bool is_same_origin(std::string_view origin, std::string_view host_header);

}  // namespace tg::server
