// libFuzzer target: everything a client's token reaches before a key is trusted — parse_token,
// decode_token, the signature check against a fixed HS256 and ES256 key, and the claim checks.
// Invariants beyond "no crash": decode_token output is JSON our parser reads back identically,
// and parse_token and decode_token agree on which tokens are structurally acceptable.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/jose.hpp"
#include "core/json.hpp"
#include "core/jws_internal.hpp"

namespace {

using tg::core::Alg;
using tg::core::Error;
using tg::core::Key;

const Key& hs_key() {
  static const Key* key = new Key(Key::from_material(Alg::HS256, "fuzzing-secret-of-at-least-32-bytes!"));
  return *key;
}

const Key& es_key() {
  static const Key* key = new Key(Key::from_public_jwk(
      R"({"kty":"EC","crv":"P-256","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw"})"));
  return *key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string token(reinterpret_cast<const char*>(data), size);
  bool parsed_ok = false;
  try {
    const tg::core::ParsedToken t = tg::core::parse_token(token);
    // A "crit" header passes parse_token (verify_signature refuses it once the signature has
    // verified, JWT-39) but decode_token, which verifies nothing, refuses it at once.
    parsed_ok = !t.header->has_crit;
    for (const Key* key : {&hs_key(), &es_key()}) {
      try {
        tg::core::verify_signature(t, *key);
      } catch (const Error&) {
      }
    }
    tg::core::ClaimRules rules;
    rules.now = 1700000000;
    rules.issuer = "iss";
    rules.audience = "aud";
    try {
      tg::core::check_claims(t, rules);
    } catch (const Error&) {
    }
  } catch (const Error&) {
  }
  bool decoded_ok = false;
  try {
    const std::string out = tg::core::decode_token(token);
    decoded_ok = true;
    const auto doc = tg::core::json::parse_document(out, tg::core::Reason::Internal, tg::core::json::kMaxDepthCeiling);
    if (tg::core::json::serialize(doc.root()) != out) __builtin_trap();
  } catch (const Error& e) {
    if (e.reason() == tg::core::Reason::Internal) __builtin_trap();  // our own output must parse
  }
  // decode_token accepts a superset of parse_token (any signature segment), never less, crit aside.
  if (parsed_ok && !decoded_ok) __builtin_trap();
  try {
    tg::core::verify_compact_signature_only(token, es_key());
  } catch (const Error&) {
  }
  return 0;
}
