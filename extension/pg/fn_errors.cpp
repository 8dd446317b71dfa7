// The error table (core/error.hpp) for SQL: auth._raise(reason, detail) raises a row — what every
// rejection in sql/1.0/*.sql calls instead of a literal RAISE — and auth._reasons() lists the
// table (the regress test pins it; a DBA reads the vocabulary there).
#include <cstddef>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

// auth._raise(reason text, detail text DEFAULT NULL) RETURNS void — never returns. detail is the
// message's detail (after ": ", or in the message's "%s"), not PostgreSQL's DETAIL field.
// Plain PostgreSQL code: only trivially destructible values are alive when it raises.
TG_PG_FUNCTION(tg_raise) {
  if (PG_ARGISNULL(0)) tg::pg::raise(tg::core::Reason::InvalidParameter, "error reason required");
  text* id = PG_GETARG_TEXT_PP(0);
  const std::optional<tg::core::Reason> reason =
      tg::core::reason_by_id(std::string_view(VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id)));
  if (!reason) tg::pg::raise(tg::core::Reason::InvalidParameter, "unknown error reason");
  const char* detail = PG_ARGISNULL(1) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(1));
  if (tg::core::reason_takes_detail_inline(*reason) && (detail == nullptr || detail[0] == '\0'))
    tg::pg::raise(tg::core::Reason::InvalidParameter, "this error reason needs a detail");
  // The error is the row, as a C function's is: no CONTEXT lines. PL/pgSQL would add two, the
  // call (SQL statement "SELECT auth._raise('token_revoked')") and the caller's line, which name
  // our internals and told clients nothing (a literal RAISE had one of them). PG_TRY and the
  // top-level error recovery restore error_context_stack after the jump.
  error_context_stack = nullptr;
  tg::pg::raise(*reason, detail);
}

// auth._reasons() RETURNS TABLE (id text, sqlstate text, http_status int, message text, hint text)
TG_PG_FUNCTION(tg_reasons) {
  InitMaterializedSRF(fcinfo, 0);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (std::size_t i = 0; i < tg::core::reason_count(); ++i) {
    const tg::core::ReasonInfo& info = tg::core::reason_info(tg::core::reason_at(i));
    Datum values[5];
    bool nulls[5] = {false, false, false, false, info.hint == nullptr};
    values[0] = CStringGetTextDatum(info.id);
    values[1] = CStringGetTextDatum(info.sqlstate);
    values[2] = Int32GetDatum(info.http_status);
    values[3] = CStringGetTextDatum(info.message);
    values[4] = info.hint == nullptr ? Datum(0) : CStringGetTextDatum(info.hint);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return Datum(0);
}
