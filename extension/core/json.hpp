// A small strict JSON parser (RFC 8259) for token headers, payloads and JWKs, with one data
// model: a Document (the parse as a flat list of nodes) read directly by the hot path (verify,
// claims, jsonb) or through Value, a (document, node) view, by everything else. Stricter than the
// RFC where PostgreSQL or JOSE need it: no duplicate member names (after unescaping), no
// \u0000 (jsonb cannot hold it), no lone surrogates, strict UTF-8, bounded nesting depth.
// Numbers keep their original text next to the double, so re-serializing never changes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace tg::core::json {

enum class Type { Null, Bool, Number, String, Array, Object };

// The hard ceiling on nesting, whatever a caller asks for: recursion stays shallow.
constexpr int kMaxDepthCeiling = 256;

// The same parse as a flat list of nodes in document order (a "tape"): no node owns memory, so
// a token payload costs a couple of allocations instead of one per member. An object's node is
// followed, per member, by the member's name (a String node) and then the value's nodes; every
// node knows where its value ends, so a reader can skip a member without walking it.
struct Node {
  Type type = Type::Null;
  bool boolean = false;
  bool unescaped = false;    // String: the text had escapes; it lives in the unescaped pool
  bool is_integer = false;   // Number: an integer of at most 18 digits (no fraction, no exponent)
  std::uint32_t offset = 0;  // String/Number: where the text starts (source or pool)
  std::uint32_t length = 0;  // String/Number: its length in bytes
  std::uint32_t count = 0;   // Array: elements; Object: members
  std::uint32_t end = 0;     // index one past the last node of this value
  std::int64_t integer = 0;  // Number with is_integer: its value ("-0" is 0)
};

class Value;

class Document {
 public:
  // The top-level value.
  Value root() const noexcept;
  const std::string& source() const noexcept { return source_; }
  const Node& node(std::size_t index) const noexcept { return nodes_[index]; }
  std::size_t size() const noexcept { return nodes_.size(); }
  bool is_object() const noexcept { return !nodes_.empty() && nodes_[0].type == Type::Object; }
  // String: the unescaped UTF-8; Number: the original text.
  std::string_view text(const Node& n) const noexcept {
    // offset/length come from the parser and lie inside the text: no bounds check needed.
    return std::string_view((n.unescaped ? pool_ : source_).data() + n.offset, n.length);
  }
  // Number: the value (±inf when out of range, ±0 when below it; "-0" is -0.0).
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

// One value of a Document: the document and a node index, cheap to copy, valid while the
// Document lives. Reads through Document's own functions (one find, one text).
class Value {
 public:
  Value(const Document& doc, std::size_t index) noexcept : doc_(&doc), index_(index) {}

  Type type() const noexcept { return node().type; }
  bool is_object() const noexcept { return type() == Type::Object; }
  bool is_array() const noexcept { return type() == Type::Array; }
  bool is_string() const noexcept { return type() == Type::String; }
  bool boolean() const noexcept { return node().boolean; }
  // String: the unescaped UTF-8; Number: the original text; otherwise empty.
  std::string_view text() const noexcept { return doc_->text(node()); }
  // Number: the value, as Document::number.
  double number() const noexcept { return doc_->number(node()); }
  // Array: elements; Object: members.
  std::size_t size() const noexcept { return node().count; }
  // The member called `name`; nullopt when absent or when this is not an object.
  std::optional<Value> find(std::string_view name) const noexcept {
    const std::size_t found = doc_->find(index_, name);
    if (found == 0) return std::nullopt;
    return Value(*doc_, found);
  }
  // visit(name, value) for each member of an object, in document order.
  template <class Visit>
  void for_each_member(Visit&& visit) const {
    doc_->for_each_member(index_, [&](std::string_view name, std::size_t value) { visit(name, Value(*doc_, value)); });
  }
  // visit(element) for each element of an array, in order.
  template <class Visit>
  void for_each_element(Visit&& visit) const {
    for (std::size_t i = index_ + 1; i < node().end; i = doc_->node(i).end) visit(Value(*doc_, i));
  }

  const Document& document() const noexcept { return *doc_; }
  std::size_t index() const noexcept { return index_; }

 private:
  const Node& node() const noexcept { return doc_->node(index_); }
  const Document* doc_;
  std::size_t index_;
};

inline Value Document::root() const noexcept { return Value(*this, 0); }

// Parses exactly one JSON text (surrounding whitespace allowed, nothing else) into a Document
// that keeps `text` as its source. Throws Error(on_error, <fixed phrase>) on any violation.
// max_depth counts containers: "{}" is 1.
Document parse_document(std::string text, Reason on_error, int max_depth = 32);

// Member-name comparisons this thread's parses have made to refuse duplicate names, summed since
// the thread started. The difference of two readings around a parse is its cost: tests state that
// a wide object costs n·log n comparisons, not n² — counted work, which holds at any machine speed.
std::uint64_t name_comparisons() noexcept;

// Compact serialization in document order, numbers as written; strings escaped so the result
// is valid JSON and jsonb input.
std::string serialize(const Value& value);
void append_string(std::string& out, std::string_view utf8);

}  // namespace tg::core::json
