#include <string>
#include <string_view>

#include "pg/text.hpp"

#include "core/error.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
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

namespace {

// A JSON integer of at most 18 digits (no fraction, no exponent) as int64: numeric_in would give
// the same value (scale 0; -0 is 0), at a fraction of its cost. False for anything else.
bool small_integer(const std::string& text, int64* out) noexcept {
  const char* p = text.c_str();
  const bool negative = *p == '-';
  if (negative) ++p;
  const std::size_t digits = text.size() - (negative ? 1 : 0);
  if (digits == 0 || digits > 18) return false;
  int64 value = 0;
  for (; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return false;
    value = value * 10 + (*p - '0');
  }
  *out = negative ? -value : value;
  return true;
}

// PostgreSQL code (run inside pg_call): only pointers into `v`, no C++ object is created.
JsonbValue* push_json(JsonbParseState** state, const core::json::Value& v, JsonbIteratorToken token) {
  using core::json::Type;
  JsonbValue scalar;
  switch (v.type) {
    case Type::Object:
      pushJsonbValue(state, WJB_BEGIN_OBJECT, nullptr);
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        JsonbValue key;
        key.type = jbvString;
        key.val.string.val = const_cast<char*>(v.names[i].data());
        key.val.string.len = static_cast<int>(v.names[i].size());
        pushJsonbValue(state, WJB_KEY, &key);
        push_json(state, v.items[i], WJB_VALUE);
      }
      return pushJsonbValue(state, WJB_END_OBJECT, nullptr);
    case Type::Array:
      pushJsonbValue(state, WJB_BEGIN_ARRAY, nullptr);
      for (const core::json::Value& item : v.items) push_json(state, item, WJB_ELEM);
      return pushJsonbValue(state, WJB_END_ARRAY, nullptr);
    case Type::Null: scalar.type = jbvNull; break;
    case Type::Bool:
      scalar.type = jbvBool;
      scalar.val.boolean = v.boolean;
      break;
    case Type::Number:
      scalar.type = jbvNumeric;
      if (int64 integer = 0; small_integer(v.text, &integer)) {
        scalar.val.numeric = int64_to_numeric(integer);
      } else {
        scalar.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(v.text.c_str()),
                                                                 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
      }
      break;
    case Type::String:
      scalar.type = jbvString;
      scalar.val.string.val = const_cast<char*>(v.text.data());
      scalar.val.string.len = static_cast<int>(v.text.size());
      break;
  }
  return pushJsonbValue(state, token, &scalar);
}

}  // namespace

Datum token_payload_datum(const core::json::Value& payload, std::string_view json) {
  if (GetDatabaseEncoding() != PG_UTF8 || !payload.is_object()) return token_json_datum(json);
  Datum result = 0;
  try {
    pg_call([&] {
      JsonbParseState* state = nullptr;
      result = JsonbPGetDatum(JsonbValueToJsonb(push_json(&state, payload, WJB_VALUE)));
    });
    return result;
  } catch (const PgError& e) {
    // As in token_json_datum: a number beyond numeric's range is a malformed token.
    if (ERRCODE_TO_CATEGORY(e.data()->sqlerrcode) != ERRCODE_DATA_EXCEPTION) throw;
  }
  throw core::Error(core::Reason::MalformedToken);
}

std::string jsonb_text(Jsonb* value) {
  const char* text = nullptr;
  pg_call([&] { text = JsonbToCString(nullptr, &value->root, static_cast<int>(VARSIZE(value))); });
  return std::string(text);
}

}  // namespace tg::pg
