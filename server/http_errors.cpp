#include "http_errors.hpp"

#include <nlohmann/json.hpp>

namespace tg::server {
namespace {

// Messages the extension and sql/1.0/70_api.sql raise on purpose: short, fixed, no input.
const char* const kStableReasons[] = {
    // CONTRACT.md §1 errors
    "malformed token",
    "invalid signature",
    "algorithm not allowed",
    "unknown key",
    "token expired",
    "token not yet valid",
    "invalid issuer",
    "invalid audience",
    "token revoked",
    "wrong token type",
    "invalid credentials",
    "tenant mismatch",
    "unknown tenant",
    "tenant inactive",
    // users & sessions
    "sign-up disabled",
    "signup disabled",
    "password too weak",
    "invalid email",
    "invalid password",
    "user exists",
    "user already exists",
    "email already registered",
    "invalid reset token",
    "reset token expired",
    "too many attempts",
    "user inactive",
    "user disabled",
    "permission denied",
    "invalid parameter value: password must have at least 8 characters",
    "invalid parameter value: password too long",
    "invalid parameter value: email",
    // 70_api.sql
    "unknown table",
    "unknown column",
    "unknown function",
    "unknown operator",
    "invalid filter",
    "invalid body",
    "filter required",
    "no columns",
    "ambiguous function",
    "arguments do not match",
    "invalid query",
    "invalid argument",
    "admin only",
    "invalid name",
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The stable reason that the message starts with (followed by nothing or ':'), or "".
std::string stable_reason(std::string_view message) {
  for (const char* r : kStableReasons) {
    std::string_view rv(r);
    if (starts_with(message, rv) && (message.size() == rv.size() || message[rv.size()] == ':')) return std::string(rv);
  }
  return {};
}

HttpError with_reason(int status, std::string_view message, const char* fallback, bool challenge = false) {
  std::string r = stable_reason(message);
  return HttpError{status, r.empty() ? fallback : r, challenge};
}

}  // namespace

HttpError map_db_error(std::string_view st, std::string_view message) {
  if (st.size() != 5) return {503, "database unavailable"};
  std::string_view cls = st.substr(0, 2);
  if (st == "28P01") return with_reason(401, message, "invalid credentials");
  if (cls == "28") return with_reason(401, message, "invalid token", true);
  if (st == "42501") return with_reason(403, message, "permission denied");
  if (st == "42704" || st == "42P01" || st == "42883" || st == "P0002") return with_reason(404, message, "not found");
  if (st == "42703") return {400, "unknown column"};
  if (st == "23505") return with_reason(409, message, "already exists");
  if (st == "23502") return {400, "missing required value"};
  if (st == "23503") return {400, "foreign key violation"};
  if (st == "23514") return {400, "check violation"};
  if (cls == "23") return {400, "constraint violation"};
  if (cls == "22") return with_reason(400, message, "invalid input");
  if (st == "57014") return {503, "query timeout"};
  if (cls == "08" || cls == "53" || cls == "57" || cls == "58") return {503, "database unavailable"};
  if (cls == "40") return {503, "try again"};
  if (cls == "54") return {400, "request too complex"};
  if (cls == "0A" || cls == "25" || cls == "42" || cls == "2F" || cls == "39")
    return with_reason(400, message, "invalid request");
  // A tenant's own RPC function: RAISE EXCEPTION '...' (P0001) is the application's message,
  // and PostgREST-style 'PT4xx'/'PT5xx' codes pick the status.
  if (st == "P0001") return {400, std::string(message.substr(0, 200))};
  if (cls == "PT") {
    int code = 0;
    for (char c : st.substr(2)) code = (c >= '0' && c <= '9') ? code * 10 + (c - '0') : -100000;
    if (code >= 400 && code <= 599) return {code, std::string(message.substr(0, 200))};
  }
  std::string r = stable_reason(message);
  if (!r.empty()) return {400, r};
  return {500, "internal error"};
}

std::string error_body(std::string_view reason) {
  nlohmann::json j = {{"error", std::string(reason)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tg::server
