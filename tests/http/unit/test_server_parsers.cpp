// Unit tests of the server's input judges: Host, request heads, PostgREST query syntax,
// JSON bodies and the SQLSTATE → HTTP table. Named by the behaviour whose failure they catch.
#include <gtest/gtest.h>

#include "guarded_server.hpp"
#include "host.hpp"
#include "json_body.hpp"
#include "names.hpp"
#include "read_routing.hpp"

using namespace tg::server;

TEST(Host, NormalisesCaseTrailingDotAndPort) {
  auto h = parse_host("Company1.Example.COM.:8443");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->name, "company1.example.com");
  EXPECT_EQ(h->port, 8443);
  EXPECT_EQ(parse_host("company1.localhost")->port, 0);
}

TEST(Host, RefusesBadPortsEmptyLabelsAndForeignBytes) {
  for (const char* bad :
       {"", "a.com:", "a.com:0", "a.com:65536", "a.com:99999", "a.com:abc", "a..com", ".a.com", "a.com..", "a%2Ecom",
        "a.com\r\nX: y", "c\xc3\xb6mpany.com", "a b.com", "a_b.com", "user@a.com", "a.com:80:80", "[zz]"}) {
    EXPECT_FALSE(parse_host(bad)) << bad;
  }
  EXPECT_TRUE(parse_host("[::1]:8080"));
  EXPECT_TRUE(parse_host("127.0.0.1:8080"));
}

TEST(Host, TenantLabelOnlyOneLabelUnderBase) {
  EXPECT_EQ(tenant_label("company1.example.com", "example.com"), "company1");
  EXPECT_EQ(tenant_label("a.company1.example.com", "example.com"), "");
  EXPECT_EQ(tenant_label("company1example.com", "example.com"), "");
  EXPECT_EQ(tenant_label("example.com", "example.com"), "");
}

namespace {
HeadVerdict judge(const std::string& head) { return judge_head(head, FramingLimits{}); }
}  // namespace

TEST(Head, AcceptsPlainRequestAndReadsContentLength) {
  auto v = judge("POST /auth/login HTTP/1.1\r\nHost: a.localhost\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.content_length, 12u);
}

TEST(Head, RefusesEveryTransferEncoding) {
  EXPECT_EQ(judge("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").status, 411);
  EXPECT_EQ(judge("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n").status, 400);
  EXPECT_EQ(judge("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n").status, 400);
  EXPECT_EQ(
      judge("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n").status,
      400);
}

TEST(Head, RefusesAmbiguousOrNonNumericContentLength) {
  for (const char* cl : {"+4", "-1", "0x10", "1e3", "4, 4", "", "99999999999999999999"}) {
    auto v = judge(std::string("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ") + cl + "\r\n\r\n");
    EXPECT_EQ(v.status, 400) << cl;
  }
  EXPECT_EQ(judge("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n").status, 400);
  EXPECT_EQ(judge("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10737418240\r\n\r\n").status, 413);
  EXPECT_EQ(judge("POST / HTTP/1.1\r\nHost: a\r\n\r\n").status, 411);
}

TEST(Head, RefusesHostProblems) {
  EXPECT_EQ(judge("GET / HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(judge("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
  EXPECT_EQ(judge("GET / HTTP/1.1\r\nHost: a%2Eb\r\n\r\n").status, 400);
  EXPECT_EQ(judge("GET / HTTP/1.0\r\n\r\n").status, 0);
}

TEST(Head, RefusesMalformedLines) {
  EXPECT_EQ(judge("GET / HTTP/1.1\r\nHost : a\r\n\r\n").status, 400);
  EXPECT_EQ(judge("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n").status, 400);
  EXPECT_EQ(judge("GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n").status, 400);
  EXPECT_EQ(judge("GET / HTTP/1.1\r\nHost: a\r\nX\x01: y\r\n\r\n").status, 400);
  EXPECT_EQ(judge("GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n").status, 400);
  EXPECT_EQ(judge("GET //b/ HTTP/1.1\r\nHost: a\r\n\r\n").status, 400);
  EXPECT_EQ(judge("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n").status, 405);
  EXPECT_EQ(judge("FOO / HTTP/1.1\r\nHost: a\r\n\r\n").status, 501);
  EXPECT_EQ(judge("GET / HTTP/2.0\r\nHost: a\r\n\r\n").status, 505);
  EXPECT_EQ(judge("POST / HTTP/1.1\r\nHost: a\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\n").status, 415);
}

TEST(Head, PercentInAuthorizationIsInvalidToken) {
  auto v = judge("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer a%2Eb\r\n\r\n");
  EXPECT_EQ(v.status, 401);
  EXPECT_TRUE(v.bearer_challenge);
  EXPECT_EQ(judge("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n").status,
            400);
}

TEST(Head, RangeHeadersAreTakenOutOfTheHeadForTheHandler) {
  std::string head =
      "GET /api/t HTTP/1.1\r\nHost: a.localhost\r\nRange: bytes=0-10\r\nRANGE:\t0-9 \r\n"
      "Range-Unit: items\r\nX-Range: 1\r\n\r\n";
  auto values = take_range_headers(head);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], "bytes=0-10");
  EXPECT_EQ(values[1], "0-9");
  EXPECT_EQ(head, "GET /api/t HTTP/1.1\r\nHost: a.localhost\r\nRange-Unit: items\r\nX-Range: 1\r\n\r\n");
  EXPECT_EQ(judge(head).status, 0);
  std::string none = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_TRUE(take_range_headers(none).empty());
  EXPECT_EQ(none, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
}

TEST(Head, CountsHeaders) {
  std::string h = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 70; ++i) h += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(judge(h + "\r\n").status, 431);
}

TEST(Names, RejectNulControlsInvalidUtf8AndLong) {
  EXPECT_TRUE(is_valid_name("company_data"));
  EXPECT_TRUE(is_valid_name("d\xc3\xa9j\xc3\xa0"));
  EXPECT_FALSE(is_valid_name(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_name("\xff\xfe"));
  EXPECT_FALSE(is_valid_name("\xed\xa0\x80"));  // UTF-16 surrogate
  EXPECT_FALSE(is_valid_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_name(""));
}

TEST(JsonBody, RefusesDuplicateKeysDepthAndNul) {
  EXPECT_TRUE(parse_json_body(R"({"a":1,"b":{"a":2}})"));
  EXPECT_FALSE(parse_json_body(R"({"a":1,"a":2})"));
  EXPECT_FALSE(parse_json_body(R"([{"x":1,"x":1}])"));
  EXPECT_FALSE(parse_json_body(std::string(100, '[') + std::string(100, ']')));
  EXPECT_FALSE(parse_json_body(R"({"a":"x\u0000y"})"));
  EXPECT_FALSE(parse_json_body("{} trailing"));
  EXPECT_FALSE(parse_json_body(""));
}

// read_routing.cpp: the LSNs PostgreSQL prints (pg_lsn's text form) and nothing else.
TEST(ReadRouting, ParsesLsnsAndRefusesAnythingElse) {
  using tg::server::parse_lsn;
  EXPECT_EQ(parse_lsn("0/0"), 0u);
  EXPECT_EQ(parse_lsn("16/B374D848"), 0x16B374D848u);
  EXPECT_EQ(parse_lsn("ffffffff/fffffffe"), 0xFFFFFFFFFFFFFFFEu);
  EXPECT_LT(*parse_lsn("0/FFFFFFFF"), *parse_lsn("1/0"));
  for (const char* bad : {"", "/", "0/", "/0", "00", "1/2/3", "g/0", "0/ 1", "123456789/0", "0/123456789", "-1/0"})
    EXPECT_FALSE(parse_lsn(bad).has_value()) << bad;
}
