// Every error answer of the shim, in PostgREST's shape (docs/server.md, "Errors"):
//
//   {"code": "<SQLSTATE or PGRSTnnn>", "message": "...", "details": null|"...", "hint": null|"...",
//    "error": "<reason>"}
//
// "error" is the stable short reason tenantgate has always answered with (CONTRACT.md §2).
// A database error is mapped by CODE, never by its text:
//  1. tenantgate's own errors carry their reason tag (pg/guard.hpp: CONSTRAINT NAME
//     "tenantgate:<id>"); the row of core/error.hpp's table with that id — the same file the
//     extension raises from, compiled in here — gives the status. The tag counts only with the
//     row's SQLSTATE.
//  2. Any other error (PostgreSQL's own, a tenant function's) gets its status from its SQLSTATE,
//     as PostgREST maps it, except that the contract keeps class 28 at 401 (with RFC 6750's
//     WWW-Authenticate) and 42704 at 404.
// Rewording a message therefore never changes a status. What of PostgreSQL's text reaches the
// client is decided per SQLSTATE (map_db_error): never SQL text, never a stack or context.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace tg::server {

// The fields of a database error as libpq reports them (PQresultErrorField).
struct DbErrorFields {
  std::string_view sqlstate;               // PG_DIAG_SQLSTATE; empty: the connection failed
  std::string_view message;                // PG_DIAG_MESSAGE_PRIMARY
  std::optional<std::string_view> detail;  // PG_DIAG_MESSAGE_DETAIL
  std::optional<std::string_view> hint;    // PG_DIAG_MESSAGE_HINT
  std::string_view constraint;             // PG_DIAG_CONSTRAINT_NAME: the reason tag on ours
  std::string_view schema;                 // PG_DIAG_SCHEMA_NAME (constraint violations)
};

struct HttpError {
  int status = 500;
  std::string code;                    // SQLSTATE for database errors, PGRSTnnn for the shim's own
  std::string message;                 // PostgREST's "message"
  std::optional<std::string> details;  // PostgREST's "details" (null when absent)
  std::optional<std::string> hint;     // PostgREST's "hint" (null when absent)
  std::string reason;                  // the "error" member
  bool bearer_challenge = false;       // add WWW-Authenticate: Bearer error="invalid_token"
};

// The row whose tag the error carries, when the tag is "tenantgate:<id>" of a known id and the
// SQLSTATE is that row's; nullopt otherwise.
std::optional<tg::core::Reason> tagged_reason(const DbErrorFields& e);
// PostgREST's PGRSTnnn from the tag of a refusal of the /api language ("tenantgate:PGRST100").
std::optional<std::string> pgrst_tag(const DbErrorFields& e);

// The status PostgREST gives an error with this SQLSTATE, with the contract's exceptions
// (class 28 → 401, 42704 → 404).
int status_for_sqlstate(std::string_view sqlstate);

// A database error → the answer.
HttpError map_db_error(const DbErrorFields& e);

// A row of the table answered by the shim itself (e.g. "unknown tenant" for a request without
// Host): the same code, status and message the database would have given.
HttpError reason_error(tg::core::Reason reason);

// The shim's own refusals (routing, framing, content type, pool): status and reason chosen by the
// caller, code PGRSTnnn from the status (docs/server.md lists them).
HttpError shim_error(int status, std::string_view reason);

// The JSON body of an error.
std::string error_body(const HttpError& e);
inline std::string error_body(int status, std::string_view reason) { return error_body(shim_error(status, reason)); }

}  // namespace tg::server
