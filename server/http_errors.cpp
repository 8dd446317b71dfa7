#include "http_errors.hpp"

#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

namespace tg::server {
namespace {

using tg::core::Reason;
using tg::core::ReasonInfo;

constexpr std::size_t kMaxText = 500;  // bytes of a message, detail or hint passed on

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// At most kMaxText bytes, never ending inside a UTF-8 sequence.
std::string bounded(std::string_view s) {
  if (s.size() <= kMaxText) return std::string(s);
  std::size_t n = kMaxText;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

std::optional<std::string> bounded(const std::optional<std::string_view>& s) {
  if (!s) return std::nullopt;
  return bounded(*s);
}

// The short reason of an error without a tag, by its SQLSTATE (and status).
const char* class_reason(std::string_view st, int status) {
  std::string_view cls = st.substr(0, 2);
  if (st == "28P01") return "invalid credentials";
  if (cls == "28") return "invalid token";
  if (st == "42501") return "permission denied";
  if (st == "42704" || st == "42P01" || st == "42883") return "not found";
  if (st == "42703") return "unknown column";
  if (st == "23505") return "already exists";
  if (st == "23502") return "missing required value";
  if (st == "23503") return "foreign key violation";
  if (st == "23514") return "check violation";
  if (cls == "23") return "constraint violation";
  if (cls == "22") return "invalid input";
  if (st == "57014") return "query timeout";
  if (cls == "08" || cls == "53" || cls == "57" || cls == "58") return "database unavailable";
  if (cls == "40") return "try again";
  if (cls == "54") return "request too complex";
  if (status >= 500) return "internal error";
  return "invalid request";
}

// Data exceptions (class 22): PostgreSQL's message names the offending value ("invalid input
// syntax for type integer: \"abc\"", "division by zero") — the caller's own input or data its role
// reads. Every other message of PostgreSQL's may quote SQL the functions built, a constraint, an
// operator's schema or an internal object, and is replaced by the short reason.
bool message_is_for_the_client(std::string_view st) { return st.substr(0, 2) == "22"; }

// A row whose SQLSTATE and message an untagged error repeats: its short reason labels the answer
// (the status stays the SQLSTATE's). This names what a tenant function copies from us.
const ReasonInfo* row_repeated(std::string_view st, std::string_view message) {
  for (std::size_t i = 0; i < tg::core::reason_count(); ++i) {
    const ReasonInfo& info = tg::core::reason_info(tg::core::reason_at(i));
    if (st != info.sqlstate || std::strstr(info.message, "%s") != nullptr) continue;
    std::string_view m(info.message);
    if (starts_with(message, m) && (message.size() == m.size() || message[m.size()] == ':')) return &info;
  }
  return nullptr;
}

}  // namespace

int status_for_sqlstate(std::string_view st) {
  if (st.size() != 5) return 503;
  std::string_view cls = st.substr(0, 2);
  // The contract's statuses for token, tenant and permission errors.
  if (cls == "28") return 401;
  if (st == "42704") return 404;
  if (st == "42501") return 403;
  // PostgREST 12's table.
  if (st == "42P01" || st == "42883") return 404;
  if (st == "42P17") return 500;
  if (st == "23503" || st == "23505") return 409;
  if (st == "25006") return 405;
  if (st == "P0001") return 400;
  if (cls == "PT") {
    int code = 0;
    for (char c : st.substr(2)) code = (c >= '0' && c <= '9') ? code * 10 + (c - '0') : -100000;
    return code >= 400 && code <= 599 ? code : 500;  // an error status only
  }
  if (st == "53400") return 500;
  if (cls == "08" || cls == "53") return 503;
  // Operator intervention (shutdown, cancel, statement timeout): the database is going away or
  // gave up; retryable, so 503 as before (PostgREST: 500).
  if (cls == "57") return 503;
  if (cls == "0L" || cls == "0P") return 403;
  static const char* const k500[] = {"09", "25", "2D", "38", "39", "3B", "40",
                                     "54", "55", "58", "F0", "HV", "P0", "XX"};
  for (const char* c : k500)
    if (cls == c) return 500;
  return 400;
}

std::optional<Reason> tagged_reason(const DbErrorFields& e) {
  if (!starts_with(e.constraint, tg::core::kReasonTagPrefix)) return std::nullopt;
  auto reason = tg::core::reason_by_id(e.constraint.substr(tg::core::kReasonTagPrefix.size()));
  if (!reason || e.sqlstate != tg::core::reason_info(*reason).sqlstate) return std::nullopt;
  return reason;
}

// The tag of the /api language's refusals: "tenantgate:PGRSTnnn". A tenant function could raise
// one itself (RAISE ... USING CONSTRAINT); it then only chooses the code label of its own error.
std::optional<std::string> pgrst_tag(const DbErrorFields& e) {
  // Only on the SQLSTATEs the /api language raises (22023, 42P01, 42703, 42883, PT406): a
  // tenant's constraint named like a tag does not relabel a constraint violation.
  const std::string_view cls = e.sqlstate.substr(0, 2);
  if (cls != "22" && cls != "42" && cls != "PT") return std::nullopt;
  if (!starts_with(e.constraint, tg::core::kReasonTagPrefix)) return std::nullopt;
  std::string code(e.constraint.substr(tg::core::kReasonTagPrefix.size()));
  if (code.size() != 8 || code.compare(0, 5, "PGRST") != 0) return std::nullopt;
  for (std::size_t i = 5; i < code.size(); ++i)
    if (!std::isalnum(static_cast<unsigned char>(code[i]))) return std::nullopt;
  return code;
}

HttpError map_db_error(const DbErrorFields& e) {
  const std::string_view st = e.sqlstate;
  if (st.size() != 5) return shim_error(503, "database unavailable");
  const bool token_error = st.substr(0, 2) == "28" && st != "28P01";
  HttpError h;
  h.code = std::string(st);
  h.bearer_challenge = token_error;
  if (auto reason = tagged_reason(e)) {
    // Ours: every text in it is the table's or a fixed phrase of our code.
    const ReasonInfo& info = tg::core::reason_info(*reason);
    h.status = info.http_status;
    h.message = bounded(e.message);
    h.details = bounded(e.detail);
    h.hint = bounded(e.hint);
    h.reason = tg::core::reason_takes_detail_inline(*reason) ? h.message : info.message;
    return h;
  }
  h.status = status_for_sqlstate(st);
  const ReasonInfo* repeated = row_repeated(st, e.message);
  if (auto pgrst = pgrst_tag(e)) {
    // A refusal of the /api language (extension/core/postgrest): a fixed phrase of ours, with
    // PostgREST's own code for it, so that clients written for PostgREST see the code they test.
    h.code = *pgrst;
    h.message = bounded(e.message);
    h.hint = bounded(e.hint);  // PGRST201: the candidate relationships (catalog names only)
    h.reason = repeated != nullptr ? repeated->message : h.message;
    return h;
  }
  if (st == "P0001" || st.substr(0, 2) == "PT") {
    // A tenant function's RAISE: the application's own message, detail and hint (as PostgREST).
    h.message = bounded(e.message);
    h.details = bounded(e.detail);
    h.hint = bounded(e.hint);
    h.reason = repeated != nullptr ? repeated->message : h.message;
    return h;
  }
  h.reason = repeated != nullptr ? repeated->message : class_reason(st, h.status);
  h.message = message_is_for_the_client(st) ? bounded(e.message) : h.reason;
  // A constraint of tenantgate's own tables (schema auth) is explained to nobody outside.
  if (st.substr(0, 2) == "23" && e.schema != "auth") {
    // PostgreSQL's DETAIL of a constraint violation, as PostgREST passes it: the failing key or
    // row as the caller sent it. PostgreSQL itself leaves the values out when the role may not
    // read every column of it or row-level security applies to the table.
    h.details = bounded(e.detail);
    h.hint = bounded(e.hint);
  }
  return h;
}

HttpError reason_error(Reason reason) {
  const ReasonInfo& info = tg::core::reason_info(reason);
  HttpError h;
  h.status = info.http_status;
  h.code = info.sqlstate;
  h.message = info.message;
  h.reason = info.message;
  if (info.hint != nullptr) h.hint = std::string(info.hint);
  h.bearer_challenge = h.code.compare(0, 2, "28") == 0 && h.code != "28P01";
  return h;
}

HttpError shim_error(int status, std::string_view reason) {
  HttpError h;
  h.status = status;
  h.reason = std::string(reason);
  h.message = h.reason;
  // PostgREST 12's codes for what the shim itself refuses.
  switch (status) {
    case 400: h.code = reason == "invalid body" ? "PGRST102" : "PGRST100"; break;
    case 401: h.code = reason == "missing token" ? "PGRST302" : "PGRST301"; break;
    case 404: h.code = "PGRST125"; break;
    case 405: h.code = "PGRST117"; break;
    case 406: h.code = "PGRST116"; break;
    case 415: h.code = "PGRST107"; break;
    case 416: h.code = "PGRST103"; break;
    case 503: h.code = reason == "server busy" ? "PGRST003" : "PGRST000"; break;
    default: h.code = status >= 500 ? "PGRSTX00" : "PGRST100"; break;
  }
  return h;
}

std::string error_body(const HttpError& e) {
  nlohmann::json j = {{"code", e.code},
                      {"message", e.message},
                      {"details", e.details ? nlohmann::json(*e.details) : nlohmann::json(nullptr)},
                      {"hint", e.hint ? nlohmann::json(*e.hint) : nlohmann::json(nullptr)},
                      {"error", e.reason}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tg::server
