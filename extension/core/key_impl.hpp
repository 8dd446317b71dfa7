// Internals shared by the key_*.cpp files: Key::Impl, OpenSSL ownership (unique_ptr deleters,
// so every path frees what it allocated), and the per-algorithm facts (digest, sizes, curves).
// Not part of the interface the PostgreSQL layer uses.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/jose.hpp"
#include "core/json.hpp"

namespace tg::core {

template <typename T, void (*Free)(T*)>
struct OsslDeleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, OsslDeleter<BIGNUM, BN_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, OsslDeleter<BN_CTX, BN_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OsslDeleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, OsslDeleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, OsslDeleter<EC_GROUP, EC_GROUP_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OsslDeleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;

struct Key::Impl {
  Alg alg = Alg::HS256;
  std::string secret;  // HS*: the raw secret; empty otherwise
  PkeyPtr pkey;        // asymmetric algorithms
  bool has_private = false;

  // Per-key OpenSSL state prepared once (prepare_key_contexts), so a verification fetches no
  // algorithm and re-derives nothing (bench/README.md, "Profiling"):
  // HS*: an HMAC context keyed with `secret` (ipad/opad states computed). A call re-initialises
  // it with a NULL key (same key) while holding `mac_lock`; a caller that finds the lock taken
  // (another thread: never in a backend) works on an EVP_MAC_CTX_dup of it instead.
  MacCtxPtr hmac_ctx;
  mutable std::mutex mac_lock;
  // Asymmetric: an EVP_MD_CTX already through EVP_DigestVerifyInit (digest fetched, RSA padding
  // set); each verification runs on an EVP_MD_CTX_copy_ex of it. Null when OpenSSL cannot copy
  // such a context: verification then initialises a fresh one, as before.
  MdCtxPtr verify_template;
  // ES*: the group order n, big-endian, ec_field_size() bytes (for 0 < r, s < n).
  std::string ec_order;
};

// Fills the prepared state above for a key whose alg/secret/pkey are set. Throws Internal.
void prepare_key_contexts(Key::Impl& impl);

// Clears OpenSSL's per-thread error queue (so nothing stale reaches pgcrypto or the next call)
// and throws our error with a fixed detail.
[[noreturn]] void throw_openssl(Reason reason, const char* detail);

enum class KeyFamily { Hmac, Rsa, RsaPss, Ec, Okp };
KeyFamily alg_family(Alg alg) noexcept;
const EVP_MD* alg_digest(Alg alg) noexcept;   // nullptr for EdDSA (pure Ed25519 takes no digest)
std::size_t alg_hash_size(Alg alg) noexcept;  // HS* secret minimum; PSS salt length
std::size_t ec_field_size(Alg alg) noexcept;  // 32 / 48 / 66 for ES256 / ES384 / ES512
int ec_curve_nid(Alg alg) noexcept;
const char* ec_jwk_curve(Alg alg) noexcept;  // "P-256" / "P-384" / "P-521"

// Policy checks every asymmetric key passes, whatever it was read from (PEM, DER, JWK):
// the key type fits `alg`, RSA size and exponent, EC curve, point validity, Ed25519 point
// neither small-order nor off the curve; with `pairwise`, also that a private part matches its
// public part. Throws InvalidKey.
enum class PairwiseCheck { Run, Skip };
void check_pkey_for_alg(EVP_PKEY* pkey, Alg alg, PairwiseCheck pairwise);
bool pkey_has_private(EVP_PKEY* pkey);
void check_ed25519_public(std::string_view x);  // 32 bytes, canonical, on the curve, not small-order

// PEM or DER (SPKI, PKCS#8, PKCS#1, SEC1) → key; nullptr when it is none of these.
PkeyPtr decode_pkey(std::string_view data, bool pem);
bool looks_like_pem(std::string_view material) noexcept;

// JWK members (key_jwk.cpp).
void check_jwk_metadata(const json::Value& jwk, Alg alg);  // kty/crv/alg/use/key_ops
PkeyPtr pkey_from_jwk(const json::Value& jwk, Alg alg, bool keep_private);
std::string hmac_secret_from_jwk(const json::Value& jwk, Alg alg);  // "oct" → k bytes
bool jwk_alg_from_members(const json::Value& jwk, Alg& out);        // alg member or kty/crv default
std::string public_jwk_of(EVP_PKEY* pkey, Alg alg, std::string_view kid);

// Signatures (key_sign.cpp / key_verify.cpp).
std::string sign_bytes(const Key::Impl& key, std::string_view input);
bool verify_bytes(const Key::Impl& key, std::string_view input, std::string_view signature);
std::string hmac(const Key::Impl& key, std::string_view input);
// The MAC into `out` (EVP_MAX_MD_SIZE bytes); returns its length.
std::size_t hmac_into(const Key::Impl& key, std::string_view input, unsigned char* out);

}  // namespace tg::core
