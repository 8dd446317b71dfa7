// Importing a JWK Set (RFC 7517 §5) as a unit: either every key is acceptable or none is taken
// (JWT-20). Used by auth.import_jwks and by the Wycheproof key-set vectors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/jose.hpp"

namespace tg::core {

struct JwksEntry {
  std::string kid;
  Key key;
};

constexpr std::size_t kMaxJwksKeys = 256;

// {"keys":[…]} → one Key per JWK, in order. Throws Reason::InvalidKey for the whole set when:
// the text is not a JSON object with a "keys" array, the set is empty or has more than
// kMaxJwksKeys keys, any key is refused by Key::from_public_jwk, a key has no non-empty string
// "kid", or two keys share a kid. "oct" keys are refused unless allow_symmetric (a JWKS is a
// public document); even then a set mixing symmetric and asymmetric keys is refused, and an oct
// key must name its HS* "alg".
std::vector<JwksEntry> import_jwks_keys(std::string_view jwks_json, bool allow_symmetric = false);

}  // namespace tg::core
