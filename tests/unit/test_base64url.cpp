// Canonical unpadded base64url (JWT-21) and the small helpers next to it.
#include <gtest/gtest.h>

#include <set>

#include "core/jose.hpp"

namespace tg::core {
namespace {

TEST(Base64url, encodes_rfc4648_vectors_without_padding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff\xbf", 3)), "-_-_");  // url alphabet, not +/
}

TEST(Base64url, round_trips_every_length_and_byte) {
  for (std::size_t n = 0; n < 70; ++n) {
    std::string bytes = random_bytes(n);
    const auto back = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, bytes);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(base64url_decode(base64url_encode(all)), all);
}

TEST(Base64url, rejects_non_canonical_forms) {
  EXPECT_FALSE(base64url_decode("Zg=="));  // padding
  EXPECT_FALSE(base64url_decode("Zm8="));
  EXPECT_FALSE(base64url_decode("+/+/"));   // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm9 v"));  // whitespace
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode("Zm9v\r\nYg"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));  // length % 4 == 1
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9v%2E"));  // percent-encoding
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
  // RFC 7515 A.1's MAC ends in 'k'; 'l', 'm', 'n' only change the unused trailing bits.
  const std::string sig = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  ASSERT_TRUE(base64url_decode(sig));
  EXPECT_EQ(base64url_decode(sig)->size(), 32u);
  for (const char last : {'l', 'm', 'n'}) {
    EXPECT_FALSE(base64url_decode(sig.substr(0, sig.size() - 1) + last)) << last;
  }
  EXPECT_FALSE(base64url_decode("Zh"));   // "f" with a non-zero unused bit
  EXPECT_FALSE(base64url_decode("Zm9"));  // "fo" with a non-zero unused bit
}

TEST(Base64url, constant_time_equal_checks_length_and_content) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));  // never a prefix compare
  EXPECT_FALSE(constant_time_equal("", "a"));
}

TEST(Base64url, random_bytes_are_fresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string r = random_bytes(16);
    EXPECT_EQ(r.size(), 16u);
    EXPECT_TRUE(seen.insert(r).second);
  }
  EXPECT_EQ(random_bytes(0), "");
}

}  // namespace
}  // namespace tg::core
