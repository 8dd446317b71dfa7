// A small strict JSON DOM (RFC 8259) for token headers, payloads and JWKs. Stricter than the
// RFC where PostgreSQL or JOSE need it: no duplicate member names (after unescaping), no
// \u0000 (jsonb cannot hold it), no lone surrogates, strict UTF-8, bounded nesting depth.
// Numbers keep their original text next to the double, so re-serializing never changes them.
#pragma once

#include <cstddef>
#include <cstdint>
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

// The same parse as a flat list of nodes in document order (a "tape"): no node owns memory, so
// a token payload costs a couple of allocations instead of one per member. An object's node is
// followed, per member, by the member's name (a String node) and then the value's nodes; every
// node knows where its value ends, so a reader can skip a member without walking it.
struct Node {
  Type type = Type::Null;
  bool boolean = false;
  bool unescaped = false;      // String: the text had escapes; it lives in the unescaped pool
  bool is_integer = false;     // Number: an integer of at most 18 digits (no fraction, no exponent)
  std::uint32_t offset = 0;    // String/Number: where the text starts (source or pool)
  std::uint32_t length = 0;    // String/Number: its length in bytes
  std::uint32_t count = 0;     // Array: elements; Object: members
  std::uint32_t end = 0;       // index one past the last node of this value
  std::int64_t integer = 0;    // Number with is_integer: its value ("-0" is 0)
};

class Document {
 public:
  const std::string& source() const noexcept { return source_; }
  const Node& node(std::size_t index) const noexcept { return nodes_[index]; }
  std::size_t size() const noexcept { return nodes_.size(); }
  bool is_object() const noexcept { return !nodes_.empty() && nodes_[0].type == Type::Object; }
  // String: the unescaped UTF-8; Number: the original text.
  std::string_view text(const Node& n) const noexcept {
    // offset/length come from the parser and lie inside the text: no bounds check needed.
    return std::string_view((n.unescaped ? pool_ : source_).data() + n.offset, n.length);
  }
  // Number: the value (±inf when out of range, as in Value::number; "-0" is -0.0).
  double number(const Node& n) const noexcept;
  // Calls visit(name, value_index) for each member of the object at `object`, in order.
  template <class Visit>
  void for_each_member(std::size_t object, Visit&& visit) const {
    std::size_t i = object + 1;
    for (std::uint32_t m = 0; m < nodes_[object].count; ++m) {
      visit(text(nodes_[i]), i + 1);
      i = nodes_[i + 1].end;
    }
  }
  // The index of the member called `name` of the object at `object`, or 0 (never a member).
  std::size_t find(std::size_t object, std::string_view name) const noexcept;

 private:
  friend class Parser;
  friend Document parse_document(std::string text, Reason on_error, int max_depth);
  std::string source_;
  std::string pool_;
  std::vector<Node> nodes_;
};

// Parses exactly one JSON text (surrounding whitespace allowed, nothing else). Throws
// Error(on_error, <fixed phrase>) on any violation. max_depth counts containers: "{}" is 1.
Value parse(std::string_view text, Reason on_error, int max_depth = 32);
// The same rules and errors, into a Document that keeps `text` as its source.
Document parse_document(std::string text, Reason on_error, int max_depth = 32);
// The DOM of the value at `index` of a Document.
Value to_value(const Document& doc, std::size_t index = 0);

// Member-name comparisons this thread's parses have made to refuse duplicate names, summed since
// the thread started. The difference of two readings around a parse is its cost: tests state that
// a wide object costs n·log n comparisons, not n² — counted work, which holds at any machine speed.
std::uint64_t name_comparisons() noexcept;

// Compact serialization; strings escaped so the result is valid JSON and jsonb input.
std::string serialize(const Value& value);
void append_string(std::string& out, std::string_view utf8);

}  // namespace tg::core::json
