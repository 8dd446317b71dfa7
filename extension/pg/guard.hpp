// The C++ <-> PostgreSQL error boundary. Every entry point of tenantgate (V1 functions, hooks,
// callbacks) goes through this header; nothing else in the extension catches exceptions for
// PostgreSQL or PostgreSQL errors for C++.
//
// The two mechanisms do not compose: ereport(ERROR) is a siglongjmp that skips C++ destructors,
// and a C++ exception that reaches a PostgreSQL frame aborts the backend. So:
//
//  1. Declare every exported V1 function with TG_PG_FUNCTION(name) { ... } (C linkage, default
//     visibility: the module is built with -fvisibility=hidden). The body may call PostgreSQL
//     freely as long as it owns no C++ object with a destructor (fetch arguments here).
//  2. Run C++ code with `return tg::pg::guarded([&]() -> Datum { ... });`. guarded() catches
//     PgError, tg::core::Error, std::bad_alloc and everything else, copies the SQLSTATE and the
//     message into plain char buffers, leaves the catch block (the exception object and every
//     C++ frame are gone) and only then calls ereport(ERROR) — or ReThrowError() for an error
//     that came from PostgreSQL, which keeps its SQLSTATE, detail and hint.
//  3. Inside guarded code, every PostgreSQL call that can ereport (palloc, SPI, catalog lookups,
//     text/jsonb conversions, CHECK_FOR_INTERRUPTS) is wrapped in tg::pg::pg_call([&] { ... }).
//     pg_call sits directly around the call: its lambda must create no C++ object with a
//     destructor (views, pointers and PODs only). A PostgreSQL error becomes a PgError exception
//     (CopyErrorData + FlushErrorState), which unwinds the C++ stack normally and is re-raised
//     by guarded(). Between the catch in pg_call and the re-raise, only destructors run; they
//     must never call PostgreSQL.
//  4. The value returned through guarded() must be trivially destructible (a Datum, a bool...).
//  5. Include C++ standard headers before this one (PostgreSQL's port.h redefines snprintf & co).
//  6. Errors raised here never carry the statement into the server log (errhidestmt): the
//     statement is where a caller's token or key material is (auth.verify('eyJ...')).
//  7. Every error tenantgate raises is a row of core/error.hpp's table and carries the row's id
//     as its reason tag: PostgreSQL's CONSTRAINT NAME field set to "tenantgate:<id>". A client
//     reads it without parsing text (libpq: PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME));
//     the shim maps it to an HTTP status. That field, because it is the one machine-only field:
//     psql and the server log show it only at VERBOSE, while DETAIL and HINT are shown to every
//     user and the message is reworded freely; it survives a plpgsql re-raise (RAISE;) and
//     ReThrowError. It is no secret and no proof of origin (RAISE ... USING CONSTRAINT can set
//     it): the shim trusts it only together with the row's SQLSTATE, and a tenant function
//     that forges one chooses among answers it could already give (docs/server.md).
//     Plain PostgreSQL code raises a row with tg::pg::raise(Reason, ...); SQL with
//     auth._raise(reason, detail).
//
// Example (extension/pg/fn_tokens.cpp):
//
//   TG_PG_FUNCTION(tg_verify) {
//     text* token = PG_GETARG_TEXT_PP(0);                  // PostgreSQL work: no C++ objects yet
//     return tg::pg::guarded([&]() -> Datum {
//       tg::pg::VerifiedToken v = tg::pg::verify_with_stored_keys(tg::pg::view_of(token), std::nullopt, true);
//       return tg::pg::token_json_datum(v.payload_json);   // allocates through pg_call()
//     });
//   }
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "pg/sql_version.hpp"

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

// Exported V1 function: the first declaration carries the visibility, PG_FUNCTION_INFO_V1 adds
// the pg_finfo_ record, the last line opens the definition. The exported function first makes
// sure the database has this library's SQL (pg/sql_version.hpp: one bool on the hot path), then
// runs the body, a static function the compiler inlines into it.
#define TG_PG_FUNCTION(name)                  \
  static Datum name##_body(PG_FUNCTION_ARGS); \
  TG_PG_FUNCTION_ANY_SQL(name) {              \
    tg::pg::require_matching_sql();           \
    return name##_body(fcinfo);               \
  }                                           \
  static Datum name##_body(PG_FUNCTION_ARGS)

// The same without the version check: only for what must run against another version's SQL
// (auth.version(), which reports the mismatch).
#define TG_PG_FUNCTION_ANY_SQL(name)                   \
  extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS); \
  extern "C" {                                         \
  PG_FUNCTION_INFO_V1(name);                           \
  }                                                    \
  extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS)

namespace tg::pg {

// A PostgreSQL error caught by pg_call(), carried through C++ frames to guarded().
// The ErrorData is palloc'd in the memory context that was current when pg_call() was entered.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* data) noexcept : data_(data) {}
  ErrorData* data() const noexcept { return data_; }
  const char* sqlstate_code() const noexcept { return unpack_sql_state(data_->sqlerrcode); }
  const char* what() const noexcept override { return "postgresql error"; }

 private:
  ErrorData* data_;
};

namespace detail {

// Copies `src` into a fixed buffer without any allocation; truncates.
inline void copy_text(char* dst, std::size_t size, const char* src) noexcept {
  std::size_t n = 0;
  if (src != nullptr) {
    while (n + 1 < size && src[n] != '\0') {
      dst[n] = src[n];
      ++n;
    }
  }
  dst[n] = '\0';
}

// Raises the error described by plain data. Called with no C++ object alive above it.
// reason_id (nullable) becomes the reason tag; detail_text and hint (nullable) DETAIL and HINT.
[[noreturn]] inline void raise_error(const char* sqlstate, const char* message, const char* reason_id,
                                     const char* detail_text = nullptr, const char* hint = nullptr) {
  char tag[96];
  if (reason_id != nullptr) {
    const std::size_t prefix = tg::core::kReasonTagPrefix.size();
    std::memcpy(tag, tg::core::kReasonTagPrefix.data(), prefix);
    copy_text(tag + prefix, sizeof tag - prefix, reason_id);
  }
  ereport(ERROR, (errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4])),
                  errmsg("%s", message), detail_text != nullptr ? errdetail("%s", detail_text) : 0,
                  hint != nullptr ? errhint("%s", hint) : 0,
                  reason_id != nullptr ? err_generic_string(PG_DIAG_CONSTRAINT_NAME, tag) : 0, errhidestmt(true)));
  pg_unreachable();
}

}  // namespace detail

// Runs C++ code for PostgreSQL: see rule 2 above.
template <class F>
auto guarded(F&& body) -> decltype(body()) {
  using Result = decltype(body());
  static_assert(std::is_void_v<Result> || std::is_trivially_destructible_v<Result>,
                "guarded() returns only trivially destructible values");
  // Filled only on the error paths: the successful call (auth.verify runs millions of times)
  // does not pay for clearing 256 bytes.
  char sqlstate[6];
  char message[256];
  tg::core::Reason reason = tg::core::Reason::Internal;
  ErrorData* pg_error = nullptr;
  try {
    return std::forward<F>(body)();
  } catch (const PgError& e) {
    pg_error = e.data();
  } catch (const tg::core::Error& e) {
    reason = e.reason();
    detail::copy_text(message, sizeof message, e.what());
  } catch (const std::bad_alloc&) {
    reason = tg::core::Reason::OutOfMemory;
    detail::copy_text(message, sizeof message, tg::core::reason_info(reason).message);
  } catch (...) {
    // Anything else is a bug; its what() is not ours to show, so the message stays generic.
    reason = tg::core::Reason::Internal;
    detail::copy_text(message, sizeof message, tg::core::reason_info(reason).message);
  }
  // Only plain data is alive here.
  if (pg_error != nullptr) {
    pg_error->hide_stmt = true;
    ReThrowError(pg_error);
  }
  const tg::core::ReasonInfo& info = tg::core::reason_info(reason);
  detail::copy_text(sqlstate, sizeof sqlstate, info.sqlstate);
  detail::raise_error(sqlstate, message, info.id, nullptr, info.hint);
}

// Raises the table's row for `reason` from plain PostgreSQL code (no C++ object with a
// destructor alive above: a TG_PG_FUNCTION body before guarded(), a hook, a callback).
// detail is the message's own detail (core::Error's: after ": ", or in the message's "%s");
// detail_text and hint go to DETAIL and HINT (hint nullptr: the row's hint).
[[noreturn]] inline void raise(tg::core::Reason reason, const char* detail = nullptr, const char* detail_text = nullptr,
                               const char* hint = nullptr) {
  const tg::core::ReasonInfo& info = tg::core::reason_info(reason);
  const std::size_t length = tg::core::compose_message(reason, detail, nullptr, 0);
  char* message = static_cast<char*>(palloc(length + 1));
  tg::core::compose_message(reason, detail, message, length + 1);
  detail::raise_error(info.sqlstate, message, info.id, detail_text, hint != nullptr ? hint : info.hint);
}

// Runs PostgreSQL code from inside C++ frames: see rule 3 above. A C++ exception thrown by the
// lambda itself is carried out of the PG_TRY block (never thrown through it) and rethrown after.
template <class F>
void pg_call(F&& call) {
  MemoryContext volatile caller_context = CurrentMemoryContext;
  ErrorData* volatile pg_error = nullptr;
  // Assigned only on the non-longjmp path, so its value is well defined after PG_END_TRY.
  std::exception_ptr cpp_error;
  PG_TRY();
  {
    try {
      std::forward<F>(call)();
    } catch (...) {
      cpp_error = std::current_exception();
    }
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    pg_error = CopyErrorData();
    FlushErrorState();
  }
  PG_END_TRY();
  if (pg_error != nullptr) throw PgError(pg_error);
  if (cpp_error) std::rethrow_exception(cpp_error);
}

}  // namespace tg::pg
