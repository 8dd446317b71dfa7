#include <string>
#include <string_view>

#include "pg/text.hpp"

#include "core/error.hpp"
#include "pg/jsonb_build.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/fmgrprotos.h"
}

namespace tg::pg {

Datum text_datum(std::string_view s) {
  Datum result = 0;
  pg_call([&] { result = PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size()))); });
  return result;
}

Datum bytea_datum(std::string_view s) {
  Datum result = 0;
  pg_call([&] {
    bytea* out = static_cast<bytea*>(palloc(VARHDRSZ + s.size()));
    SET_VARSIZE(out, VARHDRSZ + s.size());
    memcpy(VARDATA(out), s.data(), s.size());
    result = PointerGetDatum(out);
  });
  return result;
}

Datum jsonb_datum(std::string_view json) {
  Datum result = 0;
  pg_call([&] {
    char* cstring = pnstrdup(json.data(), json.size());
    result = DirectFunctionCall1(jsonb_in, CStringGetDatum(cstring));
  });
  return result;
}

Datum token_json_datum(std::string_view json) {
  if (json.find('\0') != std::string_view::npos) throw core::Error(core::Reason::MalformedToken);
  try {
    return jsonb_datum(json);
  } catch (const PgError& e) {
    // Only data errors (class 22) mean "the token's JSON is beyond what jsonb holds"; anything
    // else (out of memory, cancel) keeps its own identity.
    if (ERRCODE_TO_CATEGORY(e.data()->sqlerrcode) != ERRCODE_DATA_EXCEPTION) throw;
  }
  throw core::Error(core::Reason::MalformedToken);
}

Datum token_payload_datum(const core::json::Document& payload) {
  if (GetDatabaseEncoding() != PG_UTF8 || !payload.is_object()) return token_json_datum(payload.source());
  Datum result = 0;
  try {
    pg_call([&] { result = JsonbPGetDatum(document_jsonb(payload)); });
    return result;
  } catch (const PgError& e) {
    // As in token_json_datum: a number beyond numeric's range is a malformed token.
    if (ERRCODE_TO_CATEGORY(e.data()->sqlerrcode) != ERRCODE_DATA_EXCEPTION) throw;
  }
  throw core::Error(core::Reason::MalformedToken);
}

}  // namespace tg::pg
