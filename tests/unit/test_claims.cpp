// Registered claims after the signature (JWT-25, JWT-27, JWT-28).
#include <limits>

#include "test_jose_util.hpp"

namespace tg::core {
namespace {

constexpr double kNow = 1700000000;

ParsedToken token_with(const std::string& payload) {
  return parse_token(testing::forge(testing::test_key(Alg::HS256), R"({"alg":"HS256"})", payload));
}

ClaimRules rules(double leeway = 0) {
  ClaimRules r;
  r.now = kNow;
  r.leeway = leeway;
  return r;
}

void check(const std::string& payload, const ClaimRules& r = rules()) { check_claims(token_with(payload), r); }

TEST(Claims, exp_boundary_and_leeway) {
  EXPECT_ACCEPTED(check(R"({"exp":1700000060})"));
  EXPECT_ACCEPTED(check(R"({"exp":1700000060.9})"));
  EXPECT_ACCEPTED(check(R"({"exp":1700000000.5})"));
  EXPECT_REASON(check(R"({"exp":1700000000})"), Reason::TokenExpired);  // exp == now is expired
  EXPECT_REASON(check(R"({"exp":1699999999})"), Reason::TokenExpired);
  EXPECT_REASON(check(R"({"exp":0})"), Reason::TokenExpired);
  EXPECT_REASON(check(R"({"exp":-1})"), Reason::TokenExpired);
  EXPECT_REASON(check(R"({"exp":-0})"), Reason::TokenExpired);
  EXPECT_ACCEPTED(check(R"({"exp":1699999971})", rules(30)));
  EXPECT_REASON(check(R"({"exp":1699999970})", rules(30)), Reason::TokenExpired);  // exp == now - leeway
  EXPECT_ACCEPTED(check(R"({"exp":1E10})"));
  EXPECT_ACCEPTED(check(R"({"exp":1e308})"));
  EXPECT_ACCEPTED(check(R"({"exp":9007199254740993})"));
  EXPECT_ACCEPTED(check(R"({"exp":9223372036854775808})"));
}

// The token cache re-applies the time rules alone to an entry: the same boundaries as check_claims.
TEST(Claims, check_times_matches_check_claims_boundaries) {
  EXPECT_ACCEPTED(check_times(1700000000.5, std::nullopt, std::nullopt, rules()));
  EXPECT_REASON(check_times(1700000000, std::nullopt, std::nullopt, rules()), Reason::TokenExpired);
  EXPECT_ACCEPTED(check_times(1699999971, std::nullopt, std::nullopt, rules(30)));
  EXPECT_REASON(check_times(1699999970, std::nullopt, std::nullopt, rules(30)), Reason::TokenExpired);
  EXPECT_ACCEPTED(check_times(std::nullopt, 1700000000, 1700000000, rules()));
  EXPECT_REASON(check_times(std::nullopt, 1700000000.5, std::nullopt, rules()), Reason::TokenNotYetValid);
  EXPECT_REASON(check_times(std::nullopt, std::nullopt, 1700000031, rules(30)), Reason::TokenNotYetValid);
  EXPECT_ACCEPTED(check_times(std::nullopt, 1700000030, 1700000030, rules(30)));
  ClaimRules nan = rules();
  nan.now = std::numeric_limits<double>::quiet_NaN();
  EXPECT_REASON(check_times(1e300, std::nullopt, std::nullopt, nan), Reason::InvalidParameter);
}

TEST(Claims, time_claims_must_be_finite_numbers) {
  for (const char* bad : {R"("1700000060")", "null", "true", "[]", "{}", "1e400", "-1e400", "[1700000060]"}) {
    for (const char* claim : {"exp", "nbf", "iat"}) {
      std::string payload = std::string("{\"") + claim + "\":" + bad;
      if (std::string(claim) != "exp") payload += R"(,"exp":1800000000)";
      payload += "}";
      EXPECT_REASON(check(payload), Reason::MalformedToken) << payload;
    }
  }
}

TEST(Claims, exp_required_unless_disabled) {
  try {
    check(R"({"sub":"x"})");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.reason(), Reason::MalformedToken);
    EXPECT_EQ(e.detail(), "exp required");
  }
  ClaimRules r = rules();
  r.require_exp = false;
  EXPECT_ACCEPTED(check(R"({"sub":"x"})", r));
}

TEST(Claims, nbf_and_iat_in_the_future) {
  EXPECT_ACCEPTED(check(R"({"exp":1800000000,"nbf":1700000000,"iat":1700000000})"));
  EXPECT_REASON(check(R"({"exp":1800000000,"nbf":1700000001})"), Reason::TokenNotYetValid);
  EXPECT_REASON(check(R"({"exp":1800000000,"iat":1700003600})"), Reason::TokenNotYetValid);
  EXPECT_ACCEPTED(check(R"({"exp":1800000000,"nbf":1700000029})", rules(30)));
  EXPECT_ACCEPTED(check(R"({"exp":1800000000,"nbf":1700000030})", rules(30)));
  EXPECT_REASON(check(R"({"exp":1800000000,"nbf":1700000031})", rules(30)), Reason::TokenNotYetValid);
  EXPECT_REASON(check(R"({"exp":1800000000,"iat":1700000030.5})", rules(30)), Reason::TokenNotYetValid);
}

TEST(Claims, rejects_a_non_finite_clock) {
  ClaimRules r = rules();
  r.now = std::numeric_limits<double>::quiet_NaN();
  EXPECT_REASON(check(R"({"exp":1})", r), Reason::InvalidParameter);
  r = rules();
  r.leeway = std::numeric_limits<double>::infinity();
  EXPECT_REASON(check(R"({"exp":1})", r), Reason::InvalidParameter);
  r.leeway = -1;
  EXPECT_REASON(check(R"({"exp":1800000000})", r), Reason::InvalidParameter);
}

TEST(Claims, issuer_is_byte_exact) {
  ClaimRules r = rules();
  r.issuer = "https://idp.example.com/";
  EXPECT_ACCEPTED(check(R"({"exp":1800000000,"iss":"https://idp.example.com/"})", r));
  for (const char* iss : {R"("https://idp.example.com")", R"("https://idp.example.com/evil")", R"("idp.example.com")",
                          R"("https://IDP.example.com/")", R"("://idp.example")", R"("")"}) {
    EXPECT_REASON(check(std::string(R"({"exp":1800000000,"iss":)") + iss + "}", r), Reason::InvalidIssuer) << iss;
  }
  EXPECT_REASON(check(R"({"exp":1800000000})", r), Reason::InvalidIssuer);
  EXPECT_REASON(check(R"({"exp":1800000000,"iss":["https://idp.example.com/"]})", r), Reason::MalformedToken);
  EXPECT_REASON(check(R"({"exp":1800000000,"iss":null})", r), Reason::MalformedToken);
  r.issuer = "";
  EXPECT_REASON(check(R"({"exp":1800000000})", r), Reason::InvalidIssuer);  // empty expected value still compared
  EXPECT_ACCEPTED(check(R"({"exp":1800000000,"iss":""})", r));
  EXPECT_ACCEPTED(check(R"({"exp":1800000000,"iss":5})"));  // not configured: ignored
}

TEST(Claims, audience_string_or_array) {
  ClaimRules r = rules();
  r.audience = "api";
  for (const char* aud : {R"("api")", R"(["api"])", R"(["other","api"])"}) {
    EXPECT_ACCEPTED(check(std::string(R"({"exp":1800000000,"aud":)") + aud + "}", r)) << aud;
  }
  for (const char* aud : {R"([])", R"("")", R"(["API"])", R"("api ")", R"({"0":"api"})", "5", "null", "true"}) {
    EXPECT_REASON(check(std::string(R"({"exp":1800000000,"aud":)") + aud + "}", r), Reason::InvalidAudience) << aud;
  }
  EXPECT_REASON(check(R"({"exp":1800000000})", r), Reason::InvalidAudience);
  EXPECT_REASON(check(R"({"exp":1800000000,"aud":["api",5]})", r), Reason::MalformedToken);
  EXPECT_REASON(check(R"({"exp":1800000000,"aud":[5,"api"]})", r), Reason::MalformedToken);
  EXPECT_ACCEPTED(check(R"({"exp":1800000000,"aud":"some-other-service"})"));  // not configured
}

TEST(Claims, expiry_is_checked_before_issuer_and_audience) {
  ClaimRules r = rules();
  r.issuer = "i";
  r.audience = "a";
  EXPECT_REASON(check(R"({"exp":1,"iss":"x","aud":"y"})", r), Reason::TokenExpired);
  EXPECT_REASON(check(R"({"exp":1800000000,"iss":"x","aud":"y"})", r), Reason::InvalidIssuer);
  EXPECT_REASON(check(R"({"exp":1800000000,"iss":"i","aud":"y"})", r), Reason::InvalidAudience);
  EXPECT_ACCEPTED(check(R"({"exp":1800000000,"iss":"i","aud":"a"})", r));
}

}  // namespace
}  // namespace tg::core
