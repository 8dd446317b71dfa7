// libFuzzer target: key import — Key::from_material (byte 0 picks the algorithm),
// Key::from_public_jwk and import_jwks_keys (byte 1 bit 0 allows symmetric keys). Invariants:
// every accepted key exports a public JWK that imports again to the same JWK, and a key that
// can sign produces signatures it verifies — except a key read back by from_storage, which skips
// the private/public pairwise check (its stored form passed it when it was written).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/jose.hpp"
#include "core/jwks.hpp"

namespace {

using tg::core::Error;
using tg::core::Key;

enum class Pairs { Checked, Unchecked };

void check_key(const Key& key, Pairs pairs = Pairs::Checked) {
  if (!key.is_symmetric()) {
    const std::string jwk = key.public_jwk_json("fuzz");
    const Key back = Key::from_public_jwk(jwk);  // must not throw
    if (back.public_jwk_json("fuzz") != jwk || back.alg() != key.alg()) __builtin_trap();
  }
  if (pairs == Pairs::Checked && key.can_sign() && !key.verify("input", key.sign("input"))) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  constexpr tg::core::Alg kAlgs[] = {
      tg::core::Alg::HS256, tg::core::Alg::HS384, tg::core::Alg::HS512, tg::core::Alg::RS256, tg::core::Alg::RS384,
      tg::core::Alg::RS512, tg::core::Alg::PS256, tg::core::Alg::PS384, tg::core::Alg::PS512, tg::core::Alg::ES256,
      tg::core::Alg::ES384, tg::core::Alg::ES512, tg::core::Alg::EdDSA};
  const tg::core::Alg alg = kAlgs[data[0] % 13];
  const bool allow_symmetric = (data[1] & 1) != 0;
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  try {
    check_key(Key::from_material(alg, text));
  } catch (const Error&) {
  }
  try {
    check_key(Key::from_public_jwk(text));
  } catch (const Error&) {
  }
  try {
    for (const auto& entry : tg::core::import_jwks_keys(text, allow_symmetric)) check_key(entry.key);
  } catch (const Error&) {
  }
  try {
    check_key(Key::from_storage(alg, text), Pairs::Unchecked);
  } catch (const Error&) {
  }
  return 0;
}
