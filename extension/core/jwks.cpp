// JWK Set import: all-or-nothing, kids unique, public keys only (unless explicitly told that the
// set is a private symmetric key store).
#include "core/jwks.hpp"

#include "core/json.hpp"

namespace tg::core {
namespace {

[[noreturn]] void refuse(const char* detail) { throw Error(Reason::InvalidKey, detail); }

bool is_symmetric_jwk(const json::Value& jwk) {
  const auto kty = jwk.find("kty");
  return kty && kty->is_string() && kty->text() == "oct";
}

Key symmetric_key(const json::Value& jwk, const std::string& text) {
  const auto alg = jwk.find("alg");
  if (!alg || !alg->is_string()) refuse("symmetric jwk without alg");
  const auto parsed = alg_from_name(alg->text());
  if (!parsed || !alg_is_hmac(*parsed)) refuse("symmetric jwk alg is not hs256/384/512");
  return Key::from_material(*parsed, text);
}

}  // namespace

std::vector<JwksEntry> import_jwks_keys(std::string_view jwks_json, bool allow_symmetric) {
  const json::Document doc = json::parse_document(std::string(jwks_json), Reason::InvalidKey, 16);
  const auto keys = doc.root().find("keys");
  if (!keys || !keys->is_array()) refuse("jwks without a keys array");
  if (keys->size() == 0) refuse("jwks has no keys");
  if (keys->size() > kMaxJwksKeys) refuse("jwks has too many keys");
  std::vector<JwksEntry> out;
  out.reserve(keys->size());
  std::size_t symmetric = 0;
  keys->for_each_element([&](const json::Value& jwk) {
    if (!jwk.is_object()) refuse("jwk is not an object");
    const auto kid = jwk.find("kid");
    if (!kid || !kid->is_string() || kid->text().empty()) refuse("jwk without kid");
    for (const JwksEntry& seen : out) {
      if (seen.kid == kid->text()) refuse("duplicate kid");
    }
    const std::string text = json::serialize(jwk);
    if (is_symmetric_jwk(jwk)) {
      if (!allow_symmetric) refuse("symmetric key in a public key set");
      ++symmetric;
      out.push_back(JwksEntry{std::string(kid->text()), symmetric_key(jwk, text)});
    } else {
      out.push_back(JwksEntry{std::string(kid->text()), Key::from_public_jwk(text)});
    }
  });
  if (symmetric != 0 && symmetric != out.size()) refuse("mixed symmetric and asymmetric keys");
  return out;
}

}  // namespace tg::core
