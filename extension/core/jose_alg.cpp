// The JWA algorithm table (RFC 7518 §3, RFC 8037 §3.1): names, families, digests and sizes.
// Names are matched byte-for-byte: "hs256", "HS256 " or "none" are not algorithms (JWT-03).
#include <openssl/obj_mac.h>

#include "core/key_impl.hpp"

namespace tg::core {
namespace {

struct AlgRow {
  Alg alg;
  const char* name;
  KeyFamily family;
  std::size_t hash_size;
};

constexpr AlgRow kAlgs[] = {
    {Alg::HS256, "HS256", KeyFamily::Hmac, 32},   {Alg::HS384, "HS384", KeyFamily::Hmac, 48},
    {Alg::HS512, "HS512", KeyFamily::Hmac, 64},   {Alg::RS256, "RS256", KeyFamily::Rsa, 32},
    {Alg::RS384, "RS384", KeyFamily::Rsa, 48},    {Alg::RS512, "RS512", KeyFamily::Rsa, 64},
    {Alg::PS256, "PS256", KeyFamily::RsaPss, 32}, {Alg::PS384, "PS384", KeyFamily::RsaPss, 48},
    {Alg::PS512, "PS512", KeyFamily::RsaPss, 64}, {Alg::ES256, "ES256", KeyFamily::Ec, 32},
    {Alg::ES384, "ES384", KeyFamily::Ec, 48},     {Alg::ES512, "ES512", KeyFamily::Ec, 64},
    {Alg::EdDSA, "EdDSA", KeyFamily::Okp, 0},
};

const AlgRow& row(Alg alg) noexcept {
  for (const auto& r : kAlgs) {
    if (r.alg == alg) return r;
  }
  return kAlgs[0];  // unreachable for a valid enum value
}

}  // namespace

std::optional<Alg> alg_from_name(std::string_view name) noexcept {
  for (const auto& r : kAlgs) {
    if (name == r.name) return r.alg;
  }
  return std::nullopt;
}

const char* alg_name(Alg alg) noexcept { return row(alg).name; }
bool alg_is_hmac(Alg alg) noexcept { return row(alg).family == KeyFamily::Hmac; }
KeyFamily alg_family(Alg alg) noexcept { return row(alg).family; }
std::size_t alg_hash_size(Alg alg) noexcept { return row(alg).hash_size; }

const EVP_MD* alg_digest(Alg alg) noexcept {
  switch (row(alg).hash_size) {
    case 32: return EVP_sha256();
    case 48: return EVP_sha384();
    case 64: return EVP_sha512();
    default: return nullptr;
  }
}

std::size_t ec_field_size(Alg alg) noexcept {
  switch (alg) {
    case Alg::ES256: return 32;
    case Alg::ES384: return 48;
    case Alg::ES512: return 66;  // P-521: ceil(521 / 8)
    default: return 0;
  }
}

int ec_curve_nid(Alg alg) noexcept {
  switch (alg) {
    case Alg::ES256: return NID_X9_62_prime256v1;
    case Alg::ES384: return NID_secp384r1;
    case Alg::ES512: return NID_secp521r1;
    default: return NID_undef;
  }
}

const char* ec_jwk_curve(Alg alg) noexcept {
  switch (alg) {
    case Alg::ES256: return "P-256";
    case Alg::ES384: return "P-384";
    case Alg::ES512: return "P-521";
    default: return "";
  }
}

}  // namespace tg::core
