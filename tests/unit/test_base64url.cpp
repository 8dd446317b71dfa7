// Canonical unpadded base64url (JWT-21), the same codec in the standard and passlib alphabets
// (padded for Django), hex, and the small helpers next to them.
#include <gtest/gtest.h>

#include <set>

#include "core/ascii.hpp"
#include "core/base64.hpp"
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

TEST(Base64, standard_and_passlib_alphabets_and_padding) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(bytes, Base64Alphabet::Standard), "+/+/");
  EXPECT_EQ(base64_encode(bytes, Base64Alphabet::Passlib), "././");
  EXPECT_EQ(base64_encode("f", Base64Alphabet::Standard, true), "Zg==");
  EXPECT_EQ(base64_encode("fo", Base64Alphabet::Standard, true), "Zm8=");
  EXPECT_EQ(base64_encode("foo", Base64Alphabet::Standard, true), "Zm9v");
  EXPECT_EQ(base64_decode("+/+/", Base64Alphabet::Standard), bytes);
  EXPECT_EQ(base64_decode("././", Base64Alphabet::Passlib), bytes);
  EXPECT_EQ(base64_decode("Zg==", Base64Alphabet::Standard, true), std::string("f"));
  EXPECT_EQ(base64_decode("Zm8=", Base64Alphabet::Standard, true), std::string("fo"));
  for (std::size_t n = 0; n < 40; ++n) {
    const std::string random = random_bytes(n);
    for (auto alphabet : {Base64Alphabet::Url, Base64Alphabet::Standard, Base64Alphabet::Passlib}) {
      for (bool padded : {false, true}) {
        const auto back = base64_decode(base64_encode(random, alphabet, padded), alphabet, padded);
        ASSERT_TRUE(back.has_value()) << n;
        EXPECT_EQ(*back, random);
      }
    }
  }
}

TEST(Base64, strict_in_every_alphabet) {
  EXPECT_FALSE(base64_decode("-_-_", Base64Alphabet::Standard));  // another alphabet's characters
  EXPECT_FALSE(base64_decode("+/+/", Base64Alphabet::Passlib));
  EXPECT_FALSE(base64_decode("././", Base64Alphabet::Standard));
  EXPECT_FALSE(base64_decode("Zh", Base64Alphabet::Standard));  // non-zero unused bits
  EXPECT_FALSE(base64_decode("Zm9=", Base64Alphabet::Standard, true));
  EXPECT_FALSE(base64_decode("Zg==", Base64Alphabet::Standard));      // padding where none is expected
  EXPECT_FALSE(base64_decode("Zg", Base64Alphabet::Standard, true));  // missing padding
  EXPECT_FALSE(base64_decode("Zg=", Base64Alphabet::Standard, true));
  EXPECT_FALSE(base64_decode("Z===", Base64Alphabet::Standard, true));
  EXPECT_FALSE(base64_decode("Zm 9v", Base64Alphabet::Standard));
  EXPECT_FALSE(base64_decode("Z", Base64Alphabet::Passlib));
}

TEST(Hex, decodes_either_case_and_nothing_else) {
  EXPECT_EQ(hex_decode("00fFa5"), std::string("\x00\xff\xa5", 3));
  EXPECT_EQ(hex_decode(""), std::string());
  EXPECT_FALSE(hex_decode("abc"));
  EXPECT_FALSE(hex_decode("0g"));
  EXPECT_FALSE(hex_decode("0x"));
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
