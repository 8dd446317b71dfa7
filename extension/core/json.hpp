// A small strict JSON DOM (RFC 8259) for token headers, payloads and JWKs. Stricter than the
// RFC where PostgreSQL or JOSE need it: no duplicate member names (after unescaping), no
// \u0000 (jsonb cannot hold it), no lone surrogates, strict UTF-8, bounded nesting depth.
// Numbers keep their original text next to the double, so re-serializing never changes them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace tg::core::json {

enum class Type { Null, Bool, Number, String, Array, Object };

struct Value {
  Type type = Type::Null;
  bool boolean = false;
  double number = 0;                // Number: the value as parsed (±inf when out of range)
  std::string text;                 // String: the unescaped UTF-8; Number: the original text
  std::vector<Value> items;         // Array elements, or Object member values
  std::vector<std::string> names;   // Object member names, names[i] belongs to items[i]

  bool is_object() const noexcept { return type == Type::Object; }
  bool is_string() const noexcept { return type == Type::String; }
  // The member called `name`, or nullptr (also when this is not an object).
  const Value* find(std::string_view name) const noexcept;
};

// The hard ceiling on nesting, whatever a caller asks for: recursion stays shallow.
constexpr int kMaxDepthCeiling = 256;

// Parses exactly one JSON text (surrounding whitespace allowed, nothing else). Throws
// Error(on_error, <fixed phrase>) on any violation. max_depth counts containers: "{}" is 1.
Value parse(std::string_view text, Reason on_error, int max_depth = 32);

// Compact serialization; strings escaped so the result is valid JSON and jsonb input.
std::string serialize(const Value& value);
void append_string(std::string& out, std::string_view utf8);

}  // namespace tg::core::json
