// core/version.hpp: the build's version and the order of versions (pg/sql_version.cpp's hint).
#include <gtest/gtest.h>

#include "core/version.hpp"

namespace {

using tg::core::version_number;

TEST(Version, TheBuildsVersionIsMajorDotMinor) { EXPECT_TRUE(version_number(tg::core::kVersion).has_value()); }

TEST(Version, NumbersOrderVersions) {
  EXPECT_EQ(version_number("1.0"), 1000);
  EXPECT_EQ(version_number("1.1"), 1001);
  EXPECT_EQ(version_number("12.345"), 12345);
  EXPECT_LT(*version_number("1.9"), *version_number("1.10"));
  EXPECT_LT(*version_number("1.10"), *version_number("2.0"));
}

TEST(Version, AnythingElseIsNoVersion) {
  for (const char* bad : {"", "1", "1.", ".1", "1.0.1", "1.x", "a.b", "1..0", "1.0 ", "1234.0", "1.1000", "-1.0"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(version_number(bad).has_value());
  }
}

}  // namespace
