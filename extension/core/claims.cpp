// Registered-claim checks (RFC 7519 §4.1) after the signature has verified: times with leeway,
// issuer and audience byte-exact (JWT-25, JWT-27, JWT-28).
#include <cmath>

#include "core/jose.hpp"
#include "core/json.hpp"
#include "core/jws_internal.hpp"

namespace tg::core {
namespace {

using Kind = TokenClaims::Kind;

[[noreturn]] void malformed(const char* detail) { throw Error(Reason::MalformedToken, detail); }

TokenClaims::Member member_of(const json::Document& doc, std::size_t value) {
  TokenClaims::Member m;
  const json::Node& v = doc.node(value);
  switch (v.type) {
    case json::Type::Number: m.kind = Kind::Number; m.number = doc.number(v); break;
    case json::Type::String: m.kind = Kind::String; m.text = doc.text(v); break;
    case json::Type::Array: m.kind = Kind::Array; break;
    default: m.kind = Kind::Other; break;
  }
  return m;
}

// A NumericDate: a finite JSON number (fractions allowed). Strings, booleans, null, 1e400 are not.
std::optional<double> numeric_date(const TokenClaims::Member& m) {
  if (m.kind == Kind::Absent) return std::nullopt;
  if (m.kind != Kind::Number || !std::isfinite(m.number)) malformed("time claim is not a finite number");
  return m.number;
}

void check_audience(const TokenClaims& claims, const std::string& expected) {
  const TokenClaims::Member& aud = claims.aud;
  if (aud.kind == Kind::Absent) throw Error(Reason::InvalidAudience);
  if (aud.kind == Kind::String) {
    if (aud.text != expected) throw Error(Reason::InvalidAudience);
    return;
  }
  if (aud.kind != Kind::Array) throw Error(Reason::InvalidAudience);
  if (!claims.aud_items_all_strings) malformed("aud element is not a string");
  bool found = false;
  for (const std::string& item : claims.aud_items) found = found || item == expected;
  if (!found) throw Error(Reason::InvalidAudience);
}

}  // namespace

TokenClaims extract_claims(const json::Document& payload, std::optional<std::string>* tenant) {
  TokenClaims c;
  if (!payload.is_object()) return c;
  // One pass over the members (names are unique: the parser refused duplicates).
  payload.for_each_member(0, [&](std::string_view name, std::size_t value) {
    if (name.size() == 3) {
      TokenClaims::Member* m = name == "exp"   ? &c.exp
                               : name == "nbf" ? &c.nbf
                               : name == "iat" ? &c.iat
                               : name == "iss" ? &c.iss
                               : name == "aud" ? &c.aud
                                               : nullptr;
      if (m != nullptr) *m = member_of(payload, value);
      if (m == &c.aud && c.aud.kind == Kind::Array) {
        const json::Node& aud = payload.node(value);
        c.aud_items.reserve(aud.count);
        for (std::size_t i = value + 1; i < aud.end; i = payload.node(i).end) {
          const json::Node& item = payload.node(i);
          if (item.type != json::Type::String) {
            c.aud_items_all_strings = false;
            continue;
          }
          c.aud_items.emplace_back(payload.text(item));
        }
      }
    } else if (tenant != nullptr && name == "tenant") {
      if (const json::Node& v = payload.node(value); v.type == json::Type::String) *tenant = std::string(payload.text(v));
    }
  });
  return c;
}

void check_claims(const ParsedToken& token, const ClaimRules& rules) {
  // NaN would make every comparison below false, i.e. accept everything.
  if (!std::isfinite(rules.now) || !std::isfinite(rules.leeway) || rules.leeway < 0) {
    throw Error(Reason::InvalidParameter, "clock or leeway not finite");
  }
  TokenClaims parsed_here;
  const TokenClaims* claims = &token.claims;
  if (!token.claims_from_payload) {
    const json::Document payload =
        json::parse_document(token.payload_json(), Reason::MalformedToken, json::kMaxDepthCeiling);
    if (!payload.is_object()) malformed("payload is not an object");
    parsed_here = extract_claims(payload);
    claims = &parsed_here;
  }
  const auto exp = numeric_date(claims->exp);
  const auto nbf = numeric_date(claims->nbf);
  const auto iat = numeric_date(claims->iat);
  if (!exp && rules.require_exp) malformed("exp required");
  // exp is the first instant at which the token is no longer accepted (RFC 7519 §4.1.4).
  if (exp && *exp <= rules.now - rules.leeway) throw Error(Reason::TokenExpired);
  if ((nbf && *nbf > rules.now + rules.leeway) || (iat && *iat > rules.now + rules.leeway)) {
    throw Error(Reason::TokenNotYetValid);
  }
  if (rules.issuer) {
    const TokenClaims::Member& iss = claims->iss;
    if (iss.kind == Kind::Absent) throw Error(Reason::InvalidIssuer);
    if (iss.kind != Kind::String) malformed("iss is not a string");
    if (iss.text != *rules.issuer) throw Error(Reason::InvalidIssuer);
  }
  if (rules.audience) check_audience(*claims, *rules.audience);
}

}  // namespace tg::core
