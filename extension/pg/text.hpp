// Conversions between PostgreSQL varlena values and the views/strings the core takes.
// Views borrow detoasted arguments (fetched with PG_GETARG_TEXT_PP in the V1 body); every
// conversion that allocates in PostgreSQL goes through pg_call() and is usable inside guarded().
#pragma once

#include <string>
#include <string_view>

#include "core/json.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

namespace tg::pg {

// A view of a detoasted text/bytea: no allocation, no PostgreSQL call.
inline std::string_view view_of(const struct varlena* value) noexcept {
  return {VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)};
}

Datum text_datum(std::string_view s);   // text
Datum bytea_datum(std::string_view s);  // bytea

// jsonb from JSON text the core produced or already checked (strict, no \u0000). Should
// PostgreSQL still refuse it (a number beyond numeric's range), the token is reported as
// malformed: such a value never reaches a caller as 22P02/22003.
Datum token_json_datum(std::string_view json);

// The same jsonb built straight from the core's strict parse of that text (parse_token's
// ParsedToken::payload), without handing the text to jsonb_in for a second parse. Numbers go
// through numeric_in as in jsonb_in (integers of up to 18 digits through int64_to_numeric,
// which gives the same value). In a database whose encoding is not UTF-8 it is
// token_json_datum(payload.source()).
Datum token_payload_datum(const core::json::Document& payload);

// jsonb from JSON text we built ourselves (errors stay PostgreSQL's).
Datum jsonb_datum(std::string_view json);

}  // namespace tg::pg
