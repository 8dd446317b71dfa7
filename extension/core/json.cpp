// Strict recursive-descent JSON parser and serializer. Recursion depth is checked before each
// descent and capped by kMaxDepthCeiling, so hostile nesting cannot exhaust the backend's stack
// (JWT-24); the serializer's recursion is bounded by the same cap.
#include "core/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>

#include "core/ascii.hpp"

namespace tg::core::json {

namespace {

// Byte classes for the parser's scanning loops: one table lookup per byte.
constexpr unsigned char kWhitespace = 1;  // RFC 8259: space, tab, LF, CR only
constexpr unsigned char kPlain = 2;       // string bytes taken as they are: printable ASCII but '"' and '\\'
constexpr unsigned char kDigit = 4;
struct ByteClasses {
  unsigned char of[256];
  constexpr ByteClasses() : of() {
    for (int c = 0x20; c < 0x80; ++c) of[c] = kPlain;
    of[static_cast<unsigned char>('"')] = 0;
    of[static_cast<unsigned char>('\\')] = 0;
    for (int c = '0'; c <= '9'; ++c) of[c] |= kDigit;
    for (const char c : {' ', '\t', '\n', '\r'}) of[static_cast<unsigned char>(c)] |= kWhitespace;
  }
};
constexpr ByteClasses kClasses{};

// Member-name comparisons made by the duplicate check (header: name_comparisons). Counted in a
// local and added once per object, so the hot path pays one add per object.
thread_local std::uint64_t name_comparisons_made = 0;

}  // namespace

// Fills a Document. Strings without escapes are not copied: their node points into the source.
//
// The source is a std::string, so the byte at end_ is its terminating NUL and reading it is
// defined. No JSON token starts with or contains a raw NUL, so every scanning loop stops there
// without a separate end-of-text test; where the end of the text and a NUL inside it need
// different errors, the slow path tells them apart (at_end()).
class Parser {
 public:
  Parser(Document& doc, Reason on_error, int max_depth)
      : doc_(doc),
        begin_(doc.source_.data()),
        p_(begin_),
        end_(begin_ + doc.source_.size()),
        on_error_(on_error),
        max_depth_(std::clamp(max_depth, 1, kMaxDepthCeiling)) {
    // Token headers and payloads have a handful of nodes: usually one allocation.
    doc_.nodes_.reserve(std::min<std::size_t>(doc.source_.size() / 4 + 4, 64));
  }

  void parse_document() {
    skip_ws();
    parse_value(0);
    skip_ws();
    if (p_ != end_) fail("trailing data");
  }

 private:
  static bool is(unsigned char byte, unsigned char byte_class) noexcept {
    return (kClasses.of[byte] & byte_class) != 0;
  }
  static bool is_digit(unsigned char c) noexcept { return is(c, kDigit); }
  static const char* skip_plain(const char* p) noexcept {
    while (is(static_cast<unsigned char>(*p), kPlain)) ++p;
    return p;
  }
  static const char* skip_digits(const char* p) noexcept {
    while (is_digit(static_cast<unsigned char>(*p))) ++p;
    return p;
  }

  [[noreturn]] void fail(const char* what) const { throw Error(on_error_, what); }

  bool at_end() const noexcept { return p_ == end_; }
  std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  unsigned char peek() const noexcept { return static_cast<unsigned char>(*p_); }
  std::uint32_t offset_of(const char* p) const noexcept { return static_cast<std::uint32_t>(p - begin_); }

  // No BOM, no comments, no other Unicode spaces.
  // The scanning loops run on a local copy of p_: bytes read through a char pointer could alias
  // p_ itself, which would make the compiler store and reload it on every byte.
  void skip_ws() noexcept {
    const char* p = p_;
    while (is(static_cast<unsigned char>(*p), kWhitespace)) ++p;
    p_ = p;
  }

  void expect_literal(std::string_view word) {
    if (left() < word.size() || std::string_view(p_, word.size()) != word) fail("invalid literal");
    p_ += word.size();
  }

  void check_room() const {
    if (doc_.nodes_.size() >= std::numeric_limits<std::uint32_t>::max() - 1) fail("document too large");
  }

  // A container's node goes in first (its members follow it) and is completed by close().
  std::size_t push_container(Type type) {
    check_room();
    Node n;
    n.type = type;
    doc_.nodes_.push_back(n);
    return doc_.nodes_.size() - 1;
  }

  void close(std::size_t index, std::uint32_t count) noexcept {
    Node& n = doc_.nodes_[index];
    n.count = count;
    n.end = static_cast<std::uint32_t>(doc_.nodes_.size());
  }

  // A scalar's node is appended once the scalar has been read: it has no children. `flag` is a
  // Bool's value or a String's "unescaped"; other types ignore it.
  void push_scalar(Type type, std::uint32_t offset, std::uint32_t length, bool flag) {
    check_room();
    Node n;
    n.type = type;
    n.boolean = type == Type::Bool && flag;
    n.unescaped = type == Type::String && flag;
    n.offset = offset;
    n.length = length;
    n.end = static_cast<std::uint32_t>(doc_.nodes_.size() + 1);
    doc_.nodes_.push_back(n);
  }

  void parse_value(int depth) {
    switch (peek()) {
      case '{': parse_object(depth + 1); break;
      case '[': parse_array(depth + 1); break;
      case '"': parse_string(); break;
      case 't':
        expect_literal("true");
        push_scalar(Type::Bool, 0, 0, true);
        break;
      case 'f':
        expect_literal("false");
        push_scalar(Type::Bool, 0, 0, false);
        break;
      case 'n':
        expect_literal("null");
        push_scalar(Type::Null, 0, 0, false);
        break;
      case '\0':
        if (at_end()) fail("unexpected end");
        parse_number();  // a NUL byte: not a value ("invalid value")
        break;
      default: parse_number(); break;
    }
  }

  void parse_object(int depth) {
    if (depth > max_depth_) fail("nesting too deep");
    const std::size_t self = push_container(Type::Object);
    ++p_;  // '{'
    skip_ws();
    std::uint32_t members = 0;
    if (peek() == '}') {
      ++p_;
    } else {
      for (;;) {
        skip_ws();
        if (peek() != '"') fail("member name expected");
        parse_string();
        skip_ws();
        if (peek() != ':') fail("colon expected");
        ++p_;
        skip_ws();
        parse_value(depth);
        ++members;
        skip_ws();
        if (peek() == ',') {
          ++p_;
          continue;
        }
        if (peek() == '}') {
          ++p_;
          break;
        }
        if (at_end()) fail("unexpected end");
        fail("comma or closing brace expected");
      }
    }
    close(self, members);
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
    std::uint64_t compared = 0;
    if (count <= kPairwiseLimit) {
      std::string_view names[kPairwiseLimit];
      std::size_t n = 0;
      doc_.for_each_member(object, [&](std::string_view name, std::size_t) {
        for (std::size_t j = 0; j < n; ++j) {
          ++compared;
          if (same_short_text(names[j], name)) {
            name_comparisons_made += compared;
            fail("duplicate member name");
          }
        }
        names[n++] = name;
      });
      name_comparisons_made += compared;
      return;
    }
    std::vector<std::string_view> sorted;
    sorted.reserve(count);
    doc_.for_each_member(object, [&](std::string_view name, std::size_t) { sorted.push_back(name); });
    std::sort(sorted.begin(), sorted.end(), [&compared](std::string_view a, std::string_view b) {
      ++compared;
      return a < b;
    });
    name_comparisons_made += compared + (count - 1);  // and adjacent_find's, at most count - 1
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) fail("duplicate member name");
  }

  void parse_array(int depth) {
    if (depth > max_depth_) fail("nesting too deep");
    const std::size_t self = push_container(Type::Array);
    ++p_;  // '['
    skip_ws();
    std::uint32_t elements = 0;
    if (peek() == ']') {
      ++p_;
    } else {
      for (;;) {
        skip_ws();
        parse_value(depth);
        ++elements;
        skip_ws();
        if (peek() == ',') {
          ++p_;
          continue;
        }
        if (peek() == ']') {
          ++p_;
          break;
        }
        if (at_end()) fail("unexpected end");
        fail("comma or closing bracket expected");
      }
    }
    close(self, elements);
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
    if (left() < 4) fail("bad unicode escape");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = hex_digit_value(static_cast<char>(peek()));
      if (digit < 0) fail("bad unicode escape");
      v = (v << 4) | static_cast<std::uint32_t>(digit);
      ++p_;
    }
    return v;
  }

  void parse_escape(std::string& out) {
    if (at_end()) fail("unexpected end");
    const unsigned char c = peek();
    ++p_;
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
      if (left() < 2 || p_[0] != '\\' || p_[1] != 'u') fail("lone surrogate");
      p_ += 2;
      const std::uint32_t low = parse_hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("lone surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
  }

  // The length of the well-formed UTF-8 sequence at p_ (RFC 3629 table: no overlongs, no
  // surrogates, <= U+10FFFF).
  std::size_t utf8_sequence_length() const {
    const unsigned char b0 = peek();
    int len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    // One branch per row of the RFC's table, so it can be read against it.
    // NOLINTBEGIN(bugprone-branch-clone)
    if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
    else if (b0 == 0xE0) {
      len = 3;
      lo = 0xA0;
    } else if (b0 >= 0xE1 && b0 <= 0xEC) len = 3;
    else if (b0 == 0xED) {
      len = 3;
      hi = 0x9F;
    } else if (b0 >= 0xEE && b0 <= 0xEF) len = 3;
    else if (b0 == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) len = 4;
    else if (b0 == 0xF4) {
      len = 4;
      hi = 0x8F;
    } else fail("invalid utf-8");
    // NOLINTEND(bugprone-branch-clone)
    if (left() < static_cast<std::size_t>(len)) fail("invalid utf-8");
    for (int i = 1; i < len; ++i) {
      const auto b = static_cast<unsigned char>(p_[i]);
      const unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
      if (b < min || b > max) fail("invalid utf-8");
    }
    return static_cast<std::size_t>(len);
  }

  // A string node: a view of the source when the text is plain (the common case, decided in one
  // loop); otherwise parse_string_rest takes over where the plain run stopped.
  void parse_string() {
    ++p_;  // opening quote
    const char* start = p_;
    p_ = skip_plain(p_);
    if (peek() == '"') {
      push_scalar(Type::String, offset_of(start), static_cast<std::uint32_t>(p_ - start), false);
      ++p_;  // closing quote
      return;
    }
    parse_string_rest(start);
  }

  // Non-ASCII UTF-8 is checked and stays a view; at the first escape the text so far is copied
  // to the unescaped pool and the rest is unescaped after it.
  void parse_string_rest(const char* start) {
    std::string* out = nullptr;
    std::size_t pool_start = 0;
    for (;;) {
      const char* run = p_;
      p_ = skip_plain(p_);
      if (out != nullptr) out->append(run, static_cast<std::size_t>(p_ - run));
      if (at_end()) fail("unterminated string");
      const unsigned char c = peek();
      if (c == '"') break;
      if (c < 0x20) fail("control character in string");
      if (c == '\\') {
        if (out == nullptr) {
          out = &doc_.pool_;
          pool_start = out->size();
          out->append(start, static_cast<std::size_t>(p_ - start));
        }
        ++p_;
        parse_escape(*out);
        continue;
      }
      const std::size_t len = utf8_sequence_length();
      if (out != nullptr) out->append(p_, len);
      p_ += len;
    }
    if (out == nullptr) {
      push_scalar(Type::String, offset_of(start), static_cast<std::uint32_t>(p_ - start), false);
    } else {
      push_scalar(Type::String, static_cast<std::uint32_t>(pool_start),
                  static_cast<std::uint32_t>(out->size() - pool_start), true);
    }
    ++p_;  // closing quote
  }

  // The integer value is taken while scanning (claims and jsonb need exp, iat, ... as numbers);
  // up to 18 digits it cannot overflow an int64.
  void parse_number() {
    const char* start = p_;
    const bool negative = peek() == '-';
    if (negative) ++p_;
    if (!is_digit(peek())) fail("invalid value");
    const char* digits = p_;
    std::uint64_t magnitude = 0;
    if (peek() == '0') {
      ++p_;
      if (is_digit(peek())) fail("leading zero");
    } else {
      const char* p = p_;
      while (is_digit(static_cast<unsigned char>(*p))) magnitude = magnitude * 10 + static_cast<unsigned>(*p++ - '0');
      p_ = p;
    }
    bool integer = p_ - digits <= kMaxIntegerDigits;
    if (peek() == '.') {
      integer = false;
      ++p_;
      if (!is_digit(peek())) fail("invalid number");
      p_ = skip_digits(p_);
    }
    if (peek() == 'e' || peek() == 'E') {
      integer = false;
      ++p_;
      if (peek() == '+' || peek() == '-') ++p_;
      if (!is_digit(peek())) fail("invalid number");
      p_ = skip_digits(p_);
    }
    push_scalar(Type::Number, offset_of(start), static_cast<std::uint32_t>(p_ - start), false);
    if (integer) {
      Node& n = doc_.nodes_.back();
      n.is_integer = true;
      n.integer = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
    }
  }

  static constexpr std::ptrdiff_t kMaxIntegerDigits = 18;

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
  const char* const begin_;
  const char* p_;
  const char* const end_;
  Reason on_error_;
  int max_depth_;
};

namespace {

// Recursion is as deep as the document, which the parser bounded.
void serialize_into(std::string& out, const Document& doc, std::size_t index) {
  const Node& n = doc.node(index);
  switch (n.type) {
    case Type::Null: out += "null"; return;
    case Type::Bool: out += n.boolean ? "true" : "false"; return;
    case Type::Number: out += doc.text(n); return;
    case Type::String: append_string(out, doc.text(n)); return;
    case Type::Array:
      out += '[';
      for (std::size_t i = index + 1; i < n.end; i = doc.node(i).end) {
        if (i != index + 1) out += ',';
        serialize_into(out, doc, i);
      }
      out += ']';
      return;
    case Type::Object: {
      out += '{';
      bool first = true;
      doc.for_each_member(index, [&](std::string_view name, std::size_t value) {
        if (!first) out += ',';
        first = false;
        append_string(out, name);
        out += ':';
        serialize_into(out, doc, value);
      });
      out += '}';
      return;
    }
  }
}

}  // namespace

double Document::number(const Node& n) const noexcept {
  // A non-zero integer converts exactly as from_chars would round it; zero keeps its sign ("-0").
  if (n.is_integer && n.integer != 0) return static_cast<double>(n.integer);
  return Parser::to_double(text(n));
}

std::size_t Document::find(std::size_t object, std::string_view name) const noexcept {
  if (nodes_[object].type != Type::Object) return 0;
  std::size_t found = 0;
  for_each_member(object, [&](std::string_view member, std::size_t value) {
    if (found == 0 && member == name) found = value;
  });
  return found;
}

std::uint64_t name_comparisons() noexcept { return name_comparisons_made; }

Document parse_document(std::string text, Reason on_error, int max_depth) {
  Document doc;
  doc.source_ = std::move(text);
  Parser(doc, on_error, max_depth).parse_document();
  return doc;
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
  serialize_into(out, value.document(), value.index());
  return out;
}

}  // namespace tg::core::json
