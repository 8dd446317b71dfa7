// libFuzzer target: the strict JSON parser and base64url, with round-trip invariants —
// serialize(parse(x)) parses back to the same text, and base64url has exactly one text per
// byte string. Inputs that parse as a JSON object are also signed and verified end to end.
//
// nlohmann-json (strict RFC 8259 by default) is the differential oracle: what both accept has
// the same value, and what nlohmann refuses as a syntax error ours refuses too. Ours refuses
// more, on purpose (core/json.hpp): duplicate member names, \u0000, nesting beyond the depth
// limit (nlohmann has none); nlohmann also skips a leading UTF-8 BOM, which RFC 8259 lets a
// parser do and ours refuses. Numbers beyond double's range are refused by nlohmann as
// out_of_range (406); ours keeps their text (jsonb's numeric holds them), so those are skipped.
// nlohmann also stops at a raw NUL byte as if the text ended there; RFC 8259 allows a NUL
// nowhere, so a text with one is taken as refused whatever nlohmann says.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/jose.hpp"
#include "core/json.hpp"

namespace {

namespace json = tg::core::json;

// The phrases with which ours may refuse what nlohmann accepts.
bool refuses_on_purpose(const std::string& detail) {
  return detail == "duplicate member name" || detail == "nul character" || detail == "nesting too deep";
}

bool same_value(const json::Value& ours, const nlohmann::json& theirs) {
  switch (ours.type()) {
    case json::Type::Null: return theirs.is_null();
    case json::Type::Bool: return theirs.is_boolean() && theirs.get<bool>() == ours.boolean();
    case json::Type::String: return theirs.is_string() && theirs.get_ref<const std::string&>() == ours.text();
    case json::Type::Number: {
      if (!theirs.is_number()) return false;
      // Both round to the nearest double ("-0" is an integer 0 to nlohmann: == ignores the sign).
      return theirs.get<double>() == ours.number();
    }
    case json::Type::Array: {
      if (!theirs.is_array() || theirs.size() != ours.size()) return false;
      std::size_t i = 0;
      bool same = true;
      ours.for_each_element([&](const json::Value& element) { same = same && same_value(element, theirs[i++]); });
      return same;
    }
    case json::Type::Object: {
      // Ours has no duplicate names, so equal sizes and every member found mean equal sets.
      if (!theirs.is_object() || theirs.size() != ours.size()) return false;
      bool same = true;
      ours.for_each_member([&](std::string_view name, const json::Value& member) {
        const auto it = theirs.find(std::string(name));
        same = same && it != theirs.end() && same_value(member, *it);
      });
      return same;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tg::core::Error;
  const std::string text(reinterpret_cast<const char*>(data), size);

  enum class Oracle { Accepts, Refuses, OutOfRange } oracle = Oracle::Accepts;
  nlohmann::json theirs;
  try {
    if (text.find('\0') != std::string::npos) oracle = Oracle::Refuses;
    else theirs = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error&) {
    oracle = Oracle::Refuses;
  } catch (const nlohmann::json::out_of_range&) {
    oracle = Oracle::OutOfRange;
  }

  try {
    const json::Document doc = json::parse_document(text, tg::core::Reason::MalformedToken, 32);
    if (oracle == Oracle::Refuses) __builtin_trap();
    if (oracle == Oracle::Accepts && !same_value(doc.root(), theirs)) __builtin_trap();
    const std::string once = json::serialize(doc.root());
    const json::Document again = json::parse_document(once, tg::core::Reason::Internal, 32);
    if (json::serialize(again.root()) != once) __builtin_trap();
    if (doc.is_object() && size < 8000) {
      static const tg::core::Key* key =
          new tg::core::Key(tg::core::Key::from_material(tg::core::Alg::HS256, std::string(32, 'f')));
      const std::string token = tg::core::sign_token(*key, std::string_view("k"), text);
      tg::core::verify_signature(tg::core::parse_token(token), *key);  // must not throw
    }
  } catch (const Error& e) {
    if (e.reason() != tg::core::Reason::MalformedToken) __builtin_trap();
    const bool bom = size >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0;
    if (oracle == Oracle::Accepts && !bom && !refuses_on_purpose(e.detail())) __builtin_trap();
  }
  if (const auto decoded = tg::core::base64url_decode(text)) {
    if (tg::core::base64url_encode(*decoded) != text) __builtin_trap();
  }
  const auto back = tg::core::base64url_decode(tg::core::base64url_encode(text));
  if (!back || *back != text) __builtin_trap();
  return 0;
}
