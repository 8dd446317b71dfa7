// Registered-claim checks (RFC 7519 §4.1) after the signature has verified: times with leeway,
// issuer and audience byte-exact (JWT-25, JWT-27, JWT-28).
#include <cmath>

#include "core/jose.hpp"
#include "core/json.hpp"
#include "core/jws_internal.hpp"

namespace tg::core {
namespace {

using json::Document;
using json::Node;
using json::Type;

[[noreturn]] void malformed(const char* detail) { throw Error(Reason::MalformedToken, detail); }

// A NumericDate: a finite JSON number (fractions allowed). Strings, booleans, null, 1e400 are not.
std::optional<double> numeric_date(const Document& payload, std::uint32_t node) {
  if (node == 0) return std::nullopt;
  const Node& v = payload.node(node);
  if (v.type != Type::Number) malformed("time claim is not a finite number");
  const double value = payload.number(v);
  if (!std::isfinite(value)) malformed("time claim is not a finite number");
  return value;
}

void check_audience(const Document& payload, std::uint32_t node, const std::string& expected) {
  if (node == 0) throw Error(Reason::InvalidAudience);
  const Node& aud = payload.node(node);
  if (aud.type == Type::String) {
    if (payload.text(aud) != expected) throw Error(Reason::InvalidAudience);
    return;
  }
  if (aud.type != Type::Array) throw Error(Reason::InvalidAudience);
  bool found = false;
  for (std::size_t i = node + 1; i < aud.end; i = payload.node(i).end) {
    const Node& item = payload.node(i);
    if (item.type != Type::String) malformed("aud element is not a string");
    found = found || payload.text(item) == expected;
  }
  if (!found) throw Error(Reason::InvalidAudience);
}

}  // namespace

ClaimNodes find_claims(const Document& payload, std::optional<std::string>* tenant) {
  ClaimNodes c;
  if (!payload.is_object()) return c;
  // One pass over the members (names are unique: the parser refused duplicates).
  payload.for_each_member(0, [&](std::string_view name, std::size_t value) {
    if (name.size() == 3) {
      std::uint32_t* slot = name == "exp"   ? &c.exp
                            : name == "nbf" ? &c.nbf
                            : name == "iat" ? &c.iat
                            : name == "iss" ? &c.iss
                            : name == "aud" ? &c.aud
                                            : nullptr;
      if (slot != nullptr) *slot = static_cast<std::uint32_t>(value);
    } else if (tenant != nullptr && name == "tenant") {
      if (const Node& v = payload.node(value); v.type == Type::String) *tenant = std::string(payload.text(v));
    }
  });
  return c;
}

void check_times(std::optional<double> exp, std::optional<double> nbf, std::optional<double> iat,
                 const ClaimRules& rules) {
  if (!std::isfinite(rules.now) || !std::isfinite(rules.leeway) || rules.leeway < 0) {
    throw Error(Reason::InvalidParameter, "clock or leeway not finite");
  }
  // exp is the first instant at which the token is no longer accepted (RFC 7519 §4.1.4).
  if (exp && *exp <= rules.now - rules.leeway) throw Error(Reason::TokenExpired);
  if ((nbf && *nbf > rules.now + rules.leeway) || (iat && *iat > rules.now + rules.leeway)) {
    throw Error(Reason::TokenNotYetValid);
  }
}

void check_claims(const ParsedToken& token, const ClaimRules& rules) {
  // NaN would make every comparison below false, i.e. accept everything.
  if (!std::isfinite(rules.now) || !std::isfinite(rules.leeway) || rules.leeway < 0) {
    throw Error(Reason::InvalidParameter, "clock or leeway not finite");
  }
  const Document& payload = token.payload;
  if (!payload.is_object()) malformed("payload is not an object");
  const ClaimNodes& claims = token.claims;
  const auto exp = numeric_date(payload, claims.exp);
  const auto nbf = numeric_date(payload, claims.nbf);
  const auto iat = numeric_date(payload, claims.iat);
  if (!exp && rules.require_exp) malformed("exp required");
  check_times(exp, nbf, iat, rules);
  if (rules.issuer) {
    if (claims.iss == 0) throw Error(Reason::InvalidIssuer);
    const Node& iss = payload.node(claims.iss);
    if (iss.type != Type::String) malformed("iss is not a string");
    if (payload.text(iss) != *rules.issuer) throw Error(Reason::InvalidIssuer);
  }
  if (rules.audience) check_audience(payload, claims.aud, *rules.audience);
}

}  // namespace tg::core
