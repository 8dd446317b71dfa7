// Host → tenant slug and slug rules (core/host.hpp).
#include <gtest/gtest.h>

#include <string>

#include "core/host.hpp"

using tg::core::is_reserved_slug;
using tg::core::is_valid_slug;
using tg::core::slug_for_host;

TEST(SlugRules, accepts_dns_labels) {
  EXPECT_TRUE(is_valid_slug("company1"));
  EXPECT_TRUE(is_valid_slug("a"));
  EXPECT_TRUE(is_valid_slug("acme-corp"));
  EXPECT_TRUE(is_valid_slug("0day"));
  EXPECT_TRUE(is_valid_slug(std::string(63, 'a')));
}

TEST(SlugRules, rejects_non_labels) {
  EXPECT_FALSE(is_valid_slug(""));
  EXPECT_FALSE(is_valid_slug(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_slug("-acme"));
  EXPECT_FALSE(is_valid_slug("acme-"));
  EXPECT_FALSE(is_valid_slug("Company1"));
  EXPECT_FALSE(is_valid_slug("company_1"));
  EXPECT_FALSE(is_valid_slug("company1;"));
  EXPECT_FALSE(is_valid_slug("company1, company2"));
  EXPECT_FALSE(is_valid_slug("\"company1\""));
  EXPECT_FALSE(is_valid_slug(std::string("company1\0", 9)));
  EXPECT_FALSE(is_valid_slug("a.b"));
  EXPECT_FALSE(is_valid_slug("caf\xc3\xa9"));
}

TEST(SlugRules, reserved_names_are_refused) {
  for (const char* name : {"public", "auth", "pg", "pg-catalog", "postgres", "template1", "tenantgate", "tenantgate-x",
                           "www", "tg", "tg-x"}) {
    EXPECT_TRUE(is_reserved_slug(name)) << name;
    EXPECT_FALSE(is_valid_slug(name)) << name;
  }
  EXPECT_FALSE(is_reserved_slug("company1"));
  EXPECT_FALSE(is_reserved_slug("publicity"));
  EXPECT_FALSE(is_reserved_slug("authors"));
}

TEST(SlugForHost, maps_a_subdomain_of_the_base_domain) {
  EXPECT_EQ(slug_for_host("company1.example.com", "example.com"), "company1");
  EXPECT_EQ(slug_for_host("Company1.Example.COM.:8443", "example.com"), "company1");
  EXPECT_EQ(slug_for_host("company1.example.com.", "example.com."), "company1");
  EXPECT_EQ(slug_for_host("company1.example.com", "EXAMPLE.com"), "company1");
  EXPECT_EQ(slug_for_host("acme-corp.localhost:80", "localhost"), "acme-corp");
}

TEST(SlugForHost, rejects_everything_else) {
  EXPECT_EQ(slug_for_host("example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host(".example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("a.b.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("a..example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.org", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.evilexample.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("user@company1.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("[::1]:443", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com:", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com:80:80", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com:8o", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com:123456", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company_1.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("-x.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("public.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("www.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host(std::string("company1\0.example.com", 21), "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host(std::string(64, 'a') + ".example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host(std::string(300, 'a'), ""), std::nullopt);
}

TEST(SlugForHost, empty_base_domain_takes_a_single_label) {
  EXPECT_EQ(slug_for_host("company1", ""), "company1");
  EXPECT_EQ(slug_for_host("company1:80", ""), "company1");
  EXPECT_EQ(slug_for_host("a.b", ""), std::nullopt);
}

// HTTP-01..04 at the mapping level: nothing but ASCII [a-z0-9-] labels, no decoding of any kind.
TEST(SlugForHost, rejects_non_ascii_encoded_and_control_characters) {
  EXPECT_EQ(slug_for_host("c\xd0\xbempany1.example.com", "example.com"), std::nullopt);       // Cyrillic o
  EXPECT_EQ(slug_for_host("\xef\xbd\x83ompany1.example.com", "example.com"), std::nullopt);   // fullwidth c
  EXPECT_EQ(slug_for_host("company1\xe2\x80\x8b.example.com", "example.com"), std::nullopt);  // zero-width space
  EXPECT_EQ(slug_for_host("company%31.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1%2eexample.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host(" company1.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com ", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com\r\nX: y", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1\t.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com..", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com/x", "example.com"), std::nullopt);
  EXPECT_EQ(slug_for_host("company1.example.com\\", "example.com"), std::nullopt);
}
