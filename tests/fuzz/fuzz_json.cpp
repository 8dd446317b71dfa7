// libFuzzer target: the strict JSON parser and base64url, with round-trip invariants —
// serialize(parse(x)) parses back to the same text, and base64url has exactly one text per
// byte string. Inputs that parse as a JSON object are also signed and verified end to end.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/jose.hpp"
#include "core/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tg::core::Error;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto value = tg::core::json::parse(text, tg::core::Reason::MalformedToken, 32);
    const std::string once = tg::core::json::serialize(value);
    const auto again = tg::core::json::parse(once, tg::core::Reason::Internal, 32);
    if (tg::core::json::serialize(again) != once) __builtin_trap();
    if (value.is_object() && size < 8000) {
      static const tg::core::Key* key =
          new tg::core::Key(tg::core::Key::from_material(tg::core::Alg::HS256, std::string(32, 'f')));
      const std::string token = tg::core::sign_token(*key, std::string_view("k"), text);
      tg::core::verify_signature(tg::core::parse_token(token), *key);  // must not throw
    }
  } catch (const Error& e) {
    if (e.reason() != tg::core::Reason::MalformedToken) __builtin_trap();
  }
  if (const auto decoded = tg::core::base64url_decode(text)) {
    if (tg::core::base64url_encode(*decoded) != text) __builtin_trap();
  }
  const auto back = tg::core::base64url_decode(tg::core::base64url_encode(text));
  if (!back || *back != text) __builtin_trap();
  return 0;
}
