// Helpers shared by the JOSE unit tests: building tokens by hand (to forge exactly the bytes an
// attacker would send), asserting the Reason of a rejection, and OpenSSL key fixtures.
#pragma once

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "core/jose.hpp"

namespace tg::core::testing {

// Runs fn and returns the Reason it threw; fails the test when it throws nothing else.
inline std::optional<Reason> reason_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.reason();
  }
  return std::nullopt;
}

#define EXPECT_REASON(expr, reason) EXPECT_EQ(::tg::core::testing::reason_of([&] { (void)(expr); }), (reason))
#define EXPECT_ACCEPTED(expr) EXPECT_EQ(::tg::core::testing::reason_of([&] { (void)(expr); }), std::nullopt)

inline std::string b64(std::string_view s) { return base64url_encode(s); }

// "<b64 header>.<b64 payload>.<b64 signature by key>" with the header and payload bytes exactly
// as given (no re-serialization).
inline std::string forge(const Key& key, std::string_view header, std::string_view payload) {
  const std::string input = b64(header) + "." + b64(payload);
  return input + "." + b64(key.sign(input));
}

inline std::string forge_with_signature(std::string_view header, std::string_view payload, std::string_view sig) {
  return b64(header) + "." + b64(payload) + "." + b64(sig);
}

// parse_token + verify_signature, as the PostgreSQL layer runs them.
inline void verify(std::string_view token, const Key& key) { verify_signature(parse_token(token), key); }

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// PEM text of a key generated with OpenSSL directly (for sizes and types Key::generate refuses).
inline std::string pem_public(EVP_PKEY* pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

inline std::string pem_private(EVP_PKEY* pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

// One generated key per algorithm, made once (RSA generation is slow).
inline const Key& test_key(Alg alg) {
  static std::map<Alg, Key>* keys = new std::map<Alg, Key>();  // tests only; never freed on purpose
  auto it = keys->find(alg);
  if (it == keys->end()) it = keys->emplace(alg, Key::generate(alg)).first;
  return it->second;
}

constexpr Alg kAllAlgs[] = {Alg::HS256, Alg::HS384, Alg::HS512, Alg::RS256, Alg::RS384, Alg::RS512, Alg::PS256,
                            Alg::PS384, Alg::PS512, Alg::ES256, Alg::ES384, Alg::ES512, Alg::EdDSA};

constexpr const char* kFarFuture = "4102444800";  // 2100-01-01

}  // namespace tg::core::testing
