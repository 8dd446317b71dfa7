// Strict recursive-descent JSON parser and serializer. Recursion depth is checked before each
// descent and capped by kMaxDepthCeiling, so hostile nesting cannot exhaust the backend's stack
// (JWT-24); the DOM built is never deeper than that cap either, so its destructor is shallow too.
#include "core/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>

namespace tg::core::json {

// Fills a Document. Strings without escapes are not copied: their node points into the source.
class Parser {
 public:
  Parser(Document& doc, Reason on_error, int max_depth)
      : doc_(doc), s_(doc.source_), on_error_(on_error), max_depth_(std::clamp(max_depth, 1, kMaxDepthCeiling)) {
    // Token headers and payloads have a handful of nodes: usually one allocation.
    doc_.nodes_.reserve(std::min<std::size_t>(s_.size() / 4 + 4, 64));
  }

  void parse_document() {
    skip_ws();
    parse_value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("trailing data");
  }

 private:
  [[noreturn]] void fail(const char* what) const { throw Error(on_error_, what); }

  bool at_end() const noexcept { return pos_ >= s_.size(); }
  unsigned char peek() const noexcept { return static_cast<unsigned char>(s_[pos_]); }

  void skip_ws() noexcept {
    // RFC 8259 whitespace only: no BOM, no comments, no other Unicode spaces.
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  void expect_literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("invalid literal");
    pos_ += word.size();
  }

  std::size_t push(Type type) {
    if (doc_.nodes_.size() >= std::numeric_limits<std::uint32_t>::max() - 1) fail("document too large");
    Node& n = doc_.nodes_.emplace_back();
    n.type = type;
    return doc_.nodes_.size() - 1;
  }

  void close(std::size_t index) noexcept { doc_.nodes_[index].end = static_cast<std::uint32_t>(doc_.nodes_.size()); }

  void parse_value(int depth) {
    if (at_end()) fail("unexpected end");
    switch (peek()) {
      case '{': parse_object(depth + 1); break;
      case '[': parse_array(depth + 1); break;
      case '"': parse_string(); break;
      case 't': expect_literal("true"); close(push_bool(true)); break;
      case 'f': expect_literal("false"); close(push_bool(false)); break;
      case 'n': expect_literal("null"); close(push(Type::Null)); break;
      default: parse_number(); break;
    }
  }

  std::size_t push_bool(bool value) {
    const std::size_t i = push(Type::Bool);
    doc_.nodes_[i].boolean = value;
    return i;
  }

  void parse_object(int depth) {
    if (depth > max_depth_) fail("nesting too deep");
    const std::size_t self = push(Type::Object);
    ++pos_;  // '{'
    skip_ws();
    std::uint32_t members = 0;
    if (!at_end() && peek() == '}') {
      ++pos_;
    } else {
      for (;;) {
        skip_ws();
        if (at_end() || peek() != '"') fail("member name expected");
        parse_string();
        skip_ws();
        if (at_end() || peek() != ':') fail("colon expected");
        ++pos_;
        skip_ws();
        parse_value(depth);
        ++members;
        skip_ws();
        if (at_end()) fail("unexpected end");
        if (peek() == ',') { ++pos_; continue; }
        if (peek() == '}') { ++pos_; break; }
        fail("comma or closing brace expected");
      }
    }
    doc_.nodes_[self].count = members;
    close(self);
    check_unique_names(self);
  }

  // Member names are short: a byte loop beats a call to memcmp.
  static bool same_short_text(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }

  // Names are compared after unescaping: "a" and "\u0061" are the same member, and jsonb would
  // keep only the last one while a reader of the first would see another value (JWT-22).
  // Small objects compare every pair in place; sorting keeps a 200,000-member object from
  // costing quadratic time.
  void check_unique_names(std::size_t object) const {
    constexpr std::size_t kPairwiseLimit = 16;
    const std::size_t count = doc_.nodes_[object].count;
    if (count < 2) return;
    if (count <= kPairwiseLimit) {
      std::string_view names[kPairwiseLimit];
      std::size_t n = 0;
      doc_.for_each_member(object, [&](std::string_view name, std::size_t) {
        for (std::size_t j = 0; j < n; ++j) {
          if (same_short_text(names[j], name)) fail("duplicate member name");
        }
        names[n++] = name;
      });
      return;
    }
    std::vector<std::string_view> sorted;
    sorted.reserve(count);
    doc_.for_each_member(object, [&](std::string_view name, std::size_t) { sorted.push_back(name); });
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) fail("duplicate member name");
  }

  void parse_array(int depth) {
    if (depth > max_depth_) fail("nesting too deep");
    const std::size_t self = push(Type::Array);
    ++pos_;  // '['
    skip_ws();
    std::uint32_t elements = 0;
    if (!at_end() && peek() == ']') {
      ++pos_;
    } else {
      for (;;) {
        skip_ws();
        parse_value(depth);
        ++elements;
        skip_ws();
        if (at_end()) fail("unexpected end");
        if (peek() == ',') { ++pos_; continue; }
        if (peek() == ']') { ++pos_; break; }
        fail("comma or closing bracket expected");
      }
    }
    doc_.nodes_[self].count = elements;
    close(self);
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::uint32_t parse_hex4() {
    if (s_.size() - pos_ < 4) fail("bad unicode escape");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = peek();
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("bad unicode escape");
      ++pos_;
    }
    return v;
  }

  void parse_escape(std::string& out) {
    if (at_end()) fail("unexpected end");
    const unsigned char c = peek();
    ++pos_;
    switch (c) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case '/': out += '/'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: fail("bad escape");
    }
    std::uint32_t cp = parse_hex4();
    if (cp == 0) fail("nul character");
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // A high surrogate must be followed at once by an escaped low surrogate.
      if (s_.size() - pos_ < 2 || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') fail("lone surrogate");
      pos_ += 2;
      const std::uint32_t low = parse_hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("lone surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
  }

  // The length of the well-formed UTF-8 sequence at pos_ (RFC 3629 table: no overlongs, no
  // surrogates, <= U+10FFFF).
  std::size_t utf8_sequence_length() const {
    const unsigned char b0 = peek();
    int len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
    else if (b0 == 0xE0) { len = 3; lo = 0xA0; }
    else if (b0 >= 0xE1 && b0 <= 0xEC) len = 3;
    else if (b0 == 0xED) { len = 3; hi = 0x9F; }
    else if (b0 >= 0xEE && b0 <= 0xEF) len = 3;
    else if (b0 == 0xF0) { len = 4; lo = 0x90; }
    else if (b0 >= 0xF1 && b0 <= 0xF3) len = 4;
    else if (b0 == 0xF4) { len = 4; hi = 0x8F; }
    else fail("invalid utf-8");
    if (s_.size() - pos_ < static_cast<std::size_t>(len)) fail("invalid utf-8");
    for (int i = 1; i < len; ++i) {
      const auto b = static_cast<unsigned char>(s_[pos_ + i]);
      const unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
      if (b < min || b > max) fail("invalid utf-8");
    }
    return static_cast<std::size_t>(len);
  }

  void skip_utf8_sequence() { pos_ += utf8_sequence_length(); }

  void copy_utf8_sequence(std::string& out) {
    const std::size_t len = utf8_sequence_length();
    out.append(s_.data() + pos_, len);
    pos_ += len;
  }

  // Plain bytes of a string: printable ASCII other than '"' and '\\'.
  static bool is_plain(unsigned char c) noexcept { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

  // A string node: a view of the source while the text has no escape; at the first escape the
  // text so far is copied to the pool and the rest unescaped after it.
  void parse_string() {
    const std::size_t self = push(Type::String);
    ++pos_;  // opening quote
    const std::size_t start = pos_;
    std::string* out = nullptr;
    std::size_t pool_start = 0;
    for (;;) {
      // Runs of plain bytes are taken at once.
      const std::size_t run = pos_;
      while (!at_end() && is_plain(peek())) ++pos_;
      if (out != nullptr) out->append(s_.data() + run, pos_ - run);
      if (at_end()) fail("unterminated string");
      const unsigned char c = peek();
      if (c == '"') break;
      if (c < 0x20) fail("control character in string");
      if (c == '\\' && out == nullptr) {
        out = &doc_.pool_;
        pool_start = out->size();
        out->append(s_.data() + start, pos_ - start);
      }
      if (c == '\\') {
        ++pos_;
        parse_escape(*out);
        continue;
      }
      if (out != nullptr) {
        copy_utf8_sequence(*out);
      } else {
        skip_utf8_sequence();
      }
    }
    Node& n = doc_.nodes_[self];
    if (out == nullptr) {
      n.offset = static_cast<std::uint32_t>(start);
      n.length = static_cast<std::uint32_t>(pos_ - start);
    } else {
      n.unescaped = true;
      n.offset = static_cast<std::uint32_t>(pool_start);
      n.length = static_cast<std::uint32_t>(out->size() - pool_start);
    }
    ++pos_;  // closing quote
    close(self);
  }

  static bool is_digit(unsigned char c) noexcept { return c >= '0' && c <= '9'; }

  void parse_number() {
    const std::size_t start = pos_;
    if (!at_end() && peek() == '-') ++pos_;
    if (at_end() || !is_digit(peek())) fail("invalid value");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && is_digit(peek())) fail("leading zero");
    } else {
      while (!at_end() && is_digit(peek())) ++pos_;
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (at_end() || !is_digit(peek())) fail("invalid number");
      while (!at_end() && is_digit(peek())) ++pos_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (at_end() || !is_digit(peek())) fail("invalid number");
      while (!at_end() && is_digit(peek())) ++pos_;
    }
    const std::size_t self = push(Type::Number);
    Node& n = doc_.nodes_[self];
    n.offset = static_cast<std::uint32_t>(start);
    n.length = static_cast<std::uint32_t>(pos_ - start);
    close(self);
  }

 public:
  // from_chars is locale-independent (strtod would follow LC_NUMERIC). Out-of-range values keep
  // their sign and become ±inf (overflow) or ±0 (underflow), so callers can refuse non-finite.
  static double to_double(std::string_view text) {
    // Integers of up to 15 digits are exact doubles: no need for from_chars (the common case:
    // exp, iat, nbf).
    if (text.size() <= 15) {
      std::size_t i = text[0] == '-' ? 1 : 0;
      std::int64_t v = 0;
      for (; i < text.size() && is_digit(text[i]); ++i) v = v * 10 + (text[i] - '0');
      if (i == text.size()) return text[0] == '-' ? -static_cast<double>(v) : static_cast<double>(v);
    }
    double out = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    const auto res = std::from_chars(first, last, out, std::chars_format::general);
    if (res.ec == std::errc()) return out;
    const bool negative = text[0] == '-';
    return (magnitude_order(text) > 0 ? std::numeric_limits<double>::infinity() : 0.0) * (negative ? -1 : 1);
  }

  // Rough decimal order of magnitude of a syntactically valid JSON number: only its sign matters.
  static long long magnitude_order(std::string_view text) {
    std::size_t i = text[0] == '-' ? 1 : 0;
    long long order = 0;
    bool seen_nonzero = false;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (text[i] != '0') seen_nonzero = true;
      if (seen_nonzero) ++order;
    }
    if (i < text.size() && text[i] == '.') {
      for (++i; i < text.size() && is_digit(text[i]); ++i) {
        if (seen_nonzero) continue;
        if (text[i] != '0') seen_nonzero = true;
        else --order;
      }
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
      ++i;
      const bool neg = i < text.size() && text[i] == '-';
      if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
      long long exp = 0;
      for (; i < text.size(); ++i) exp = std::min<long long>(exp * 10 + (text[i] - '0'), 1000000000LL);
      order += neg ? -exp : exp;
    }
    return order;
  }

  Document& doc_;
  std::string_view s_;
  std::size_t pos_ = 0;
  Reason on_error_;
  int max_depth_;
};

namespace {

void serialize_into(std::string& out, const Value& v) {
  switch (v.type) {
    case Type::Null: out += "null"; return;
    case Type::Bool: out += v.boolean ? "true" : "false"; return;
    case Type::Number: out += v.text; return;
    case Type::String: append_string(out, v.text); return;
    case Type::Array:
      out += '[';
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ',';
        serialize_into(out, v.items[i]);
      }
      out += ']';
      return;
    case Type::Object:
      out += '{';
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ',';
        append_string(out, v.names[i]);
        out += ':';
        serialize_into(out, v.items[i]);
      }
      out += '}';
      return;
  }
}

}  // namespace

const Value* Value::find(std::string_view name) const noexcept {
  if (type != Type::Object) return nullptr;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return &items[i];
  }
  return nullptr;
}

double Document::number(const Node& n) const noexcept { return Parser::to_double(text(n)); }

std::size_t Document::find(std::size_t object, std::string_view name) const noexcept {
  if (nodes_[object].type != Type::Object) return 0;
  std::size_t found = 0;
  for_each_member(object, [&](std::string_view member, std::size_t value) {
    if (found == 0 && member == name) found = value;
  });
  return found;
}

Document parse_document(std::string text, Reason on_error, int max_depth) {
  Document doc;
  doc.source_ = std::move(text);
  Parser(doc, on_error, max_depth).parse_document();
  return doc;
}

Value to_value(const Document& doc, std::size_t index) {
  const Node& n = doc.node(index);
  Value v;
  v.type = n.type;
  switch (n.type) {
    case Type::Null: break;
    case Type::Bool: v.boolean = n.boolean; break;
    case Type::Number:
      v.text = doc.text(n);
      v.number = doc.number(n);
      break;
    case Type::String: v.text = doc.text(n); break;
    case Type::Array: {
      v.items.reserve(n.count);
      // Recursion is as deep as the document, which the parser bounded.
      for (std::size_t i = index + 1; i < n.end; i = doc.node(i).end) v.items.push_back(to_value(doc, i));
      break;
    }
    case Type::Object:
      v.names.reserve(n.count);
      v.items.reserve(n.count);
      doc.for_each_member(index, [&](std::string_view name, std::size_t value) {
        v.names.emplace_back(name);
        v.items.push_back(to_value(doc, value));
      });
      break;
  }
  return v;
}

Value parse(std::string_view text, Reason on_error, int max_depth) {
  return to_value(parse_document(std::string(text), on_error, max_depth));
}

void append_string(std::string& out, std::string_view utf8) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : utf8) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string serialize(const Value& value) {
  std::string out;
  serialize_into(out, value);
  return out;
}

}  // namespace tg::core::json
