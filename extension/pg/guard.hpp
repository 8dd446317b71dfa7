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

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

// Exported V1 function: the first declaration carries the visibility, PG_FUNCTION_INFO_V1 adds
// the pg_finfo_ record, the last line opens the definition.
#define TG_PG_FUNCTION(name)                           \
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
[[noreturn]] inline void raise_error(const char* sqlstate, const char* message) {
  ereport(ERROR, (errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4])),
                  errmsg("%s", message), errhidestmt(true)));
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
  ErrorData* pg_error = nullptr;
  try {
    return std::forward<F>(body)();
  } catch (const PgError& e) {
    pg_error = e.data();
  } catch (const tg::core::Error& e) {
    detail::copy_text(sqlstate, sizeof sqlstate, e.sqlstate());
    detail::copy_text(message, sizeof message, e.what());
  } catch (const std::bad_alloc&) {
    detail::copy_text(sqlstate, sizeof sqlstate, "53200");
    detail::copy_text(message, sizeof message, "out of memory");
  } catch (...) {
    // Anything else is a bug; its what() is not ours to show, so the message stays generic.
    detail::copy_text(sqlstate, sizeof sqlstate, "XX000");
    detail::copy_text(message, sizeof message, "internal error");
  }
  // Only plain data is alive here.
  if (pg_error != nullptr) {
    pg_error->hide_stmt = true;
    ReThrowError(pg_error);
  }
  detail::raise_error(sqlstate, message);
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
