// Registered-claim checks (RFC 7519 §4.1) after the signature has verified: times with leeway,
// issuer and audience byte-exact (JWT-25, JWT-27, JWT-28).
#include <cmath>

#include "core/jose.hpp"
#include "core/json.hpp"

namespace tg::core {
namespace {

[[noreturn]] void malformed(const char* detail) { throw Error(Reason::MalformedToken, detail); }

// A NumericDate: a finite JSON number (fractions allowed). Strings, booleans, null, 1e400 are not.
std::optional<double> numeric_date(const json::Value& payload, const char* name) {
  const json::Value* v = payload.find(name);
  if (v == nullptr) return std::nullopt;
  if (v->type != json::Type::Number || !std::isfinite(v->number)) malformed("time claim is not a finite number");
  return v->number;
}

void check_audience(const json::Value* aud, const std::string& expected) {
  if (aud == nullptr) throw Error(Reason::InvalidAudience);
  if (aud->is_string()) {
    if (aud->text != expected) throw Error(Reason::InvalidAudience);
    return;
  }
  if (aud->type != json::Type::Array) throw Error(Reason::InvalidAudience);
  bool found = false;
  for (const json::Value& item : aud->items) {
    if (!item.is_string()) malformed("aud element is not a string");
    found = found || item.text == expected;
  }
  if (!found) throw Error(Reason::InvalidAudience);
}

}  // namespace

void check_claims(const ParsedToken& token, const ClaimRules& rules) {
  // NaN would make every comparison below false, i.e. accept everything.
  if (!std::isfinite(rules.now) || !std::isfinite(rules.leeway) || rules.leeway < 0) {
    throw Error(Reason::InvalidParameter, "clock or leeway not finite");
  }
  const json::Value payload = json::parse(token.payload_json, Reason::MalformedToken, json::kMaxDepthCeiling);
  if (!payload.is_object()) malformed("payload is not an object");
  const auto exp = numeric_date(payload, "exp");
  const auto nbf = numeric_date(payload, "nbf");
  const auto iat = numeric_date(payload, "iat");
  if (!exp && rules.require_exp) malformed("exp required");
  // exp is the first instant at which the token is no longer accepted (RFC 7519 §4.1.4).
  if (exp && *exp <= rules.now - rules.leeway) throw Error(Reason::TokenExpired);
  if ((nbf && *nbf > rules.now + rules.leeway) || (iat && *iat > rules.now + rules.leeway)) {
    throw Error(Reason::TokenNotYetValid);
  }
  if (rules.issuer) {
    const json::Value* iss = payload.find("iss");
    if (iss == nullptr) throw Error(Reason::InvalidIssuer);
    if (!iss->is_string()) malformed("iss is not a string");
    if (iss->text != *rules.issuer) throw Error(Reason::InvalidIssuer);
  }
  if (rules.audience) check_audience(payload.find("aud"), *rules.audience);
}

}  // namespace tg::core
