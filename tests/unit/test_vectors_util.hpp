// Running Wycheproof-style JWS cases at the signature layer: keys from the group's JWK (or JWK
// Set), the key picked by the header kid, then the same structural and signature checks as
// parse_token + verify_signature minus the payload-is-JSON rule (their payloads, like "foo",
// are not JSON). Vectors are read from TG_TESTVECTORS: tests/vectors, see its README.md.
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "core/jwks.hpp"
#include "core/jws_internal.hpp"

namespace tg::core::testing {

inline nlohmann::json load_vectors(const std::string& relative) {
  std::ifstream in(std::string(TG_TESTVECTORS) + "/" + relative);
  EXPECT_TRUE(in.good()) << relative;
  return nlohmann::json::parse(in);
}

// The group's keys as the product would hold them; throws Error when the product refuses them.
inline std::vector<JwksEntry> group_keys(const nlohmann::json& group) {
  const bool is_public = group.contains("public") && !group["public"].empty();
  const nlohmann::json& jwk = is_public ? group["public"] : group["private"];
  if (jwk.contains("keys")) return import_jwks_keys(jwk.dump(), /*allow_symmetric=*/!is_public);
  const std::string kid = jwk.value("kid", "");
  if (jwk.value("kty", "") != "oct") return {JwksEntry{kid, Key::from_public_jwk(jwk.dump())}};
  // A single symmetric key (private groups): bound to the alg it names, like auth.add_key.
  const auto alg = alg_from_name(jwk.value("alg", ""));
  if (!alg) throw Error(Reason::InvalidKey, "vector key alg");
  return {JwksEntry{kid, Key::from_material(*alg, jwk.dump())}};
}

// Accept/reject as our verifier decides; `why` gets the reason of a rejection.
inline bool accepts(const nlohmann::json& group, const std::string& token, std::string* why = nullptr) {
  try {
    const std::vector<JwksEntry> keys = group_keys(group);
    const CompactJws parsed = parse_compact(token, TokenLimits{});
    const Key* key = nullptr;
    for (const JwksEntry& entry : keys) {
      if (keys.size() == 1 || (parsed.header->kid && entry.kid == *parsed.header->kid)) key = &entry.key;
    }
    if (key == nullptr) throw Error(Reason::UnknownKey);
    verify_compact_signature_only(token, *key);
    return true;
  } catch (const Error& e) {
    if (why) *why = e.what();
    return false;
  }
}

}  // namespace tg::core::testing
