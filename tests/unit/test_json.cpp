// The strict JSON parser (JWT-22, JWT-23, JWT-24, JWT-36) and its serializer.
#include "core/json.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>
#include <cmath>

namespace tg::core::json {
namespace {

// The Document of `text`; read it through root() (a Value is a view: keep the Document alive).
Document ok(std::string_view text, int depth = 32) {
  return parse_document(std::string(text), Reason::MalformedToken, depth);
}

bool refused(std::string_view text, int depth = 32) {
  try {
    parse_document(std::string(text), Reason::MalformedToken, depth);
  } catch (const Error& e) {
    return e.reason() == Reason::MalformedToken;
  }
  return false;
}

TEST(Json, parses_all_value_types) {
  const Document d = ok(R"( {"s":"x","n":-1.5e3,"t":true,"f":false,"z":null,"a":[1,[],{}],"o":{"k":"v"}} )");
  const Value v = d.root();
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.find("s")->text(), "x");
  EXPECT_EQ(v.find("n")->type(), Type::Number);
  EXPECT_DOUBLE_EQ(v.find("n")->number(), -1500);
  EXPECT_EQ(v.find("n")->text(), "-1.5e3");
  EXPECT_TRUE(v.find("t")->boolean());
  EXPECT_EQ(v.find("f")->type(), Type::Bool);
  EXPECT_EQ(v.find("z")->type(), Type::Null);
  EXPECT_EQ(v.find("a")->size(), 3u);
  EXPECT_EQ(v.find("o")->find("k")->text(), "v");
  EXPECT_FALSE(v.find("missing"));
  EXPECT_FALSE(ok("[]").root().find("x"));
  EXPECT_EQ(ok("0").root().number(), 0);
  EXPECT_EQ(ok("\"\"").root().text(), "");
}

TEST(Json, unescapes_strings_to_utf8) {
  EXPECT_EQ(ok(R"("a\"b\\c\/d\b\f\n\r\t")").root().text(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(ok(R"("\u00e9\u20AC")").root().text(), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(ok(R"("\ud83d\ude00")").root().text(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(ok("\"\xf0\x9f\x98\x80 \xc3\xa9 \xef\xbf\xbf\"").root().text(), "\xf0\x9f\x98\x80 \xc3\xa9 \xef\xbf\xbf");
}

TEST(Json, rejects_non_rfc8259_syntax) {
  for (const char* bad : {"",
                          " ",
                          "{",
                          "}",
                          "{\"a\":1",
                          "{\"a\" 1}",
                          "{a:1}",
                          "{'a':1}",
                          "[1,]",
                          "{\"a\":1,}",
                          "[1 2]",
                          "{\"a\":1}x",
                          "{\"a\":1}{\"b\":2}",
                          "/* c */{}",
                          "{}// c",
                          "NaN",
                          "Infinity",
                          "-Infinity",
                          "01",
                          "-01",
                          "1.",
                          ".5",
                          "1e",
                          "+1",
                          "0x10",
                          "tru",
                          "nul",
                          "True",
                          "\"\\x41\"",
                          "\"\\u12\"",
                          "\"\\uZZZZ\"",
                          "\"abc",
                          "\"a\tb\"",
                          "\"a\nb\"",
                          "[1]]",
                          "\xef\xbb\xbf{}",
                          "\x0c{}",
                          "\xc2\xa0{}"}) {
    EXPECT_TRUE(refused(bad)) << bad;
  }
}

TEST(Json, rejects_nul_anywhere) {
  EXPECT_TRUE(refused(R"({"a":"x\u0000y"})"));
  EXPECT_TRUE(refused(R"({"a\u0000":1})"));
  EXPECT_TRUE(refused(std::string("{\"a\":\"x\0\"}", 10)));
  EXPECT_TRUE(refused(std::string("{}\0", 3)));
}

TEST(Json, rejects_lone_surrogates) {
  EXPECT_TRUE(refused(R"("\ud800")"));
  EXPECT_TRUE(refused(R"("\udc00")"));
  EXPECT_TRUE(refused(R"("\ud800x")"));
  EXPECT_TRUE(refused(R"("\ud800\u0041")"));
  EXPECT_TRUE(refused(R"("\ud800\ud800")"));
  EXPECT_TRUE(refused(R"("\ude00\ud83d")"));
}

TEST(Json, rejects_invalid_utf8) {
  for (const char* bad :
       {"\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\x80\"", "\"\xe0\x9f\xbf\"", "\"\xed\xa0\x80\"", "\"\xed\xbf\xbf\"",
        "\"\xf0\x80\x80\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf8\x88\x80\x80\x80\"", "\"\xfc\x84\x80\x80\x80\x80\"",
        "\"\xff\xfe\"", "\"\x80\"", "\"\xc3\"", "\"\xe2\x82\"", "\"\xf0\x9f\x98\"", "\"\xc3\x28\""}) {
    EXPECT_TRUE(refused(bad)) << "case " << bad;
  }
}

TEST(Json, rejects_duplicate_names_after_unescaping) {
  EXPECT_TRUE(refused(R"({"alg":"HS256","alg":"none"})"));
  EXPECT_TRUE(refused(R"({"tenant":"company1","\u0074enant":"company2"})"));
  EXPECT_TRUE(refused(R"({"a":{"x":1,"x":1}})"));
  EXPECT_FALSE(refused(R"({"a":{"x":1},"b":{"x":1}})"));  // same name in different objects is fine
}

TEST(Json, bounds_nesting_depth_without_recursing_deeply) {
  EXPECT_FALSE(refused("[[[]]]", 3));
  EXPECT_TRUE(refused("[[[[]]]]", 3));
  EXPECT_TRUE(refused("{\"a\":{\"b\":{\"c\":{}}}}", 3));
  EXPECT_TRUE(refused(std::string(100000, '[')));
  EXPECT_TRUE(refused(std::string(100000, '[') + std::string(100000, ']')));
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_TRUE(refused(objects));
  // A caller cannot lift the bound past the ceiling.
  EXPECT_TRUE(refused(std::string(kMaxDepthCeiling + 1, '[') + std::string(kMaxDepthCeiling + 1, ']'), 1 << 30));
}

// A wide object costs n·log n name comparisons, not n²: counted, so the bound holds on any machine.
TEST(Json, many_members_cost_n_log_n_name_comparisons) {
  constexpr std::uint64_t kMembers = 200000;
  std::string text = "{";
  for (std::uint64_t i = 0; i < kMembers; ++i) text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
  text += "}";
  const std::uint64_t before = name_comparisons();
  EXPECT_EQ(ok(text).root().size(), kMembers);
  const std::uint64_t compared = name_comparisons() - before;
  EXPECT_GE(compared, kMembers - 1);  // every name was checked
  // log2(200,000) < 18; pairwise checking would make kMembers²/2 = 2·10^10 comparisons.
  EXPECT_LE(compared, 4 * kMembers * 18);
  EXPECT_TRUE(refused(text.substr(0, text.size() - 1) + ",\"k7\":1}"));
  // Small objects are compared pairwise: at most n·(n-1)/2.
  const std::uint64_t small_before = name_comparisons();
  EXPECT_EQ(ok(R"({"a":1,"b":2,"c":3,"d":4})").root().size(), 4u);
  EXPECT_EQ(name_comparisons() - small_before, 6u);
}

TEST(Json, numbers_keep_text_and_mark_overflow) {
  EXPECT_TRUE(std::isinf(ok("1e400").root().number()));
  EXPECT_GT(ok("1e400").root().number(), 0);
  EXPECT_LT(ok("-1e400").root().number(), 0);
  EXPECT_TRUE(std::isinf(ok("-1e400").root().number()));
  EXPECT_EQ(ok("1e-400").root().number(), 0);
  EXPECT_TRUE(std::isinf(ok(std::string(400, '9')).root().number()));
  EXPECT_EQ(ok("0." + std::string(400, '0') + "1").root().number(), 0);
  EXPECT_EQ(ok("9007199254740993").root().text(), "9007199254740993");
  EXPECT_DOUBLE_EQ(ok("1E10").root().number(), 1e10);
  EXPECT_EQ(ok("-0").root().text(), "-0");
  const std::string huge(100000, '7');
  EXPECT_EQ(ok(huge).root().text(), huge);
}

TEST(Json, serializer_escapes_and_round_trips) {
  EXPECT_EQ(serialize(ok(R"({"a" : [1, 2.50, "x\"\\\n\u0001"], "b":{}, "c":null})").root()),
            R"({"a":[1,2.50,"x\"\\\n\u0001"],"b":{},"c":null})");
  const std::string tricky = R"({"\u2028":"\ud83d\ude00","q":"<\/script>","t":true,"f":false})";
  const std::string once = serialize(ok(tricky).root());
  EXPECT_EQ(serialize(ok(once).root()), once);
  std::string out;
  append_string(out, std::string("a\x1f\x7f", 3));
  EXPECT_EQ(out, "\"a\\u001f\x7f\"");
}

TEST(Json, reports_the_reason_the_caller_chose) {
  try {
    parse_document("{", Reason::InvalidKey);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.reason(), Reason::InvalidKey);
    EXPECT_STREQ(e.sqlstate(), "22023");
  }
}

// The Document read directly, as verify does (Value above is a view of it).
TEST(JsonDocument, members_strings_and_numbers_without_copies) {
  const Document d = parse_document(R"({"a":1,"esc":"x\u00e9\n","arr":[1,[2,3],{"k":null}],"n":-12.5e1,"t":true})",
                                    Reason::MalformedToken);
  ASSERT_TRUE(d.is_object());
  EXPECT_EQ(d.node(0).count, 5u);
  EXPECT_EQ(d.node(0).end, d.size());
  std::vector<std::string> names;
  d.for_each_member(0, [&](std::string_view name, std::size_t) { names.emplace_back(name); });
  EXPECT_EQ(names, (std::vector<std::string>{"a", "esc", "arr", "n", "t"}));
  const Node& esc = d.node(d.find(0, "esc"));
  EXPECT_TRUE(esc.unescaped);
  EXPECT_EQ(d.text(esc), "x\xc3\xa9\n");
  const Node& a = d.node(d.find(0, "a"));
  EXPECT_FALSE(a.unescaped);
  EXPECT_EQ(d.number(a), 1.0);
  EXPECT_EQ(d.text(d.node(d.find(0, "n"))), "-12.5e1");
  EXPECT_EQ(d.number(d.node(d.find(0, "n"))), -125.0);
  const std::size_t arr = d.find(0, "arr");
  EXPECT_EQ(d.node(arr).count, 3u);
  std::size_t elements = 0;
  for (std::size_t i = arr + 1; i < d.node(arr).end; i = d.node(i).end) ++elements;
  EXPECT_EQ(elements, 3u);
  EXPECT_EQ(d.find(0, "missing"), 0u);
  EXPECT_EQ(d.find(d.find(0, "a"), "a"), 0u);  // not an object
  EXPECT_EQ(serialize(d.root()),
            "{\"a\":1,\"esc\":\"x\xc3\xa9\\n\",\"arr\":[1,[2,3],{\"k\":null}],\"n\":-12.5e1,\"t\":true}");
}

TEST(JsonDocument, integer_fast_path_equals_from_chars) {
  for (const char* text : {"0", "-0", "7", "-7", "4102444800", "-4102444800", "999999999999999", "-999999999999999",
                           "1234567890123456", "9007199254740993", "1e2", "0.5"}) {
    const Document d = parse_document(text, Reason::MalformedToken);
    double expected = 0;
    const std::string s(text);
    std::from_chars(s.data(), s.data() + s.size(), expected);
    EXPECT_EQ(d.number(d.node(0)), expected) << text;
    EXPECT_EQ(std::signbit(d.number(d.node(0))), std::signbit(expected)) << text;
  }
}

TEST(JsonDocument, integers_of_up_to_18_digits_carry_their_value) {
  struct Case {
    const char* text;
    bool is_integer;
    std::int64_t value;
  };
  for (const Case& c :
       {Case{"0", true, 0}, Case{"-0", true, 0}, Case{"42", true, 42}, Case{"-42", true, -42},
        Case{"999999999999999999", true, 999999999999999999}, Case{"-999999999999999999", true, -999999999999999999},
        Case{"1000000000000000000", false, 0}, Case{"99999999999999999999999", false, 0}, Case{"1.0", false, 0},
        Case{"1e3", false, 0}, Case{"-5E-1", false, 0}}) {
    const Document d = parse_document(std::string("[") + c.text + "]", Reason::MalformedToken);
    const Node& n = d.node(1);
    ASSERT_EQ(n.type, Type::Number) << c.text;
    EXPECT_EQ(n.is_integer, c.is_integer) << c.text;
    if (c.is_integer) {
      EXPECT_EQ(n.integer, c.value) << c.text;
    }
  }
}

// The parser reads the std::string's terminating NUL instead of testing for the end; a NUL byte
// inside the text must still get the error it got before, and the end of the text its own.
TEST(JsonDocument, nul_bytes_and_the_end_of_the_text_keep_their_errors) {
  const auto detail = [](const std::string& text) {
    try {
      parse_document(text, Reason::MalformedToken);
    } catch (const Error& e) {
      return e.detail();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(detail(std::string("\"x\0\"", 4)), "control character in string");
  EXPECT_EQ(detail("\"x"), "unterminated string");
  EXPECT_EQ(detail(std::string("[\0]", 3)), "invalid value");
  EXPECT_EQ(detail("["), "unexpected end");
  EXPECT_EQ(detail(std::string("[1\0", 3)), "comma or closing bracket expected");
  EXPECT_EQ(detail("[1"), "unexpected end");
  EXPECT_EQ(detail(std::string("{\"a\":1\0", 7)), "comma or closing brace expected");
  EXPECT_EQ(detail("{\"a\":1"), "unexpected end");
  EXPECT_EQ(detail(std::string("{\0", 2)), "member name expected");
  EXPECT_EQ(detail("{\"a\""), "colon expected");
  EXPECT_EQ(detail(std::string("1\0", 2)), "trailing data");
  EXPECT_EQ(detail("tru"), "invalid literal");
  EXPECT_EQ(detail("-"), "invalid value");
  EXPECT_EQ(detail("1."), "invalid number");
  EXPECT_EQ(detail("1e"), "invalid number");
  EXPECT_EQ(detail("01"), "leading zero");
  EXPECT_EQ(detail("\"\\u12\""), "bad unicode escape");
  EXPECT_EQ(detail("\"\\"), "unexpected end");
  EXPECT_EQ(detail("\"\xc3\""), "invalid utf-8");
  EXPECT_EQ(detail("\"\xc3"), "invalid utf-8");
}

}  // namespace
}  // namespace tg::core::json
