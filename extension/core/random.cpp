// Randomness and constant-time comparison: thin wrappers over OpenSSL so every caller gets the
// same CSPRNG and the same length-first, timing-safe compare (JWT-37).
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <climits>
#include <string>
#include <string_view>

#include "core/jose.hpp"

namespace tg::core {

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Lengths are not secret (MAC and hash sizes are public); only the contents are compared in
  // constant time.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n == 0) return out;
  if (n > static_cast<std::size_t>(INT_MAX) ||
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    ERR_clear_error();
    throw Error(Reason::Internal, "random generator failed");
  }
  return out;
}

}  // namespace tg::core
