// Password hashes: our scrypt default and the imported Django / passlib / Werkzeug formats.
//
// Every stored string is parsed into a Recipe (KDF, parameters, salt, expected derived key)
// before any work is done, and the parameters are bounded there: a hostile import can neither
// make a login allocate gigabytes nor run for minutes (security catalogue JWT-48).
//
// Our default is passlib's scrypt format, `$scrypt$ln=16,r=8,p=1$<salt>$<key>` (standard base64
// without padding, 16-byte salt, 32-byte key), so passlib can verify what we store. ln=16 and not
// the ln=17 the header's comment names: on the 2-core dev VM ln=17 takes ~0.65 s and 128 MiB per
// login, ln=16 ~0.33 s and 64 MiB — the 100-300 ms target band's upper edge (passlib's default too).
#include "core/password.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <charconv>
#include <cstring>
#include <memory>
#include <vector>

#include "core/ascii.hpp"
#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/jose.hpp"

namespace tg::core {
namespace {

// Longer passwords are refused before any hashing (Django's limit after CVE-2013-1443).
constexpr std::size_t kMaxPasswordBytes = 4096;

// Our default parameters.
constexpr unsigned kDefaultLogN = 16;
constexpr std::uint32_t kDefaultR = 8;
constexpr std::uint32_t kDefaultP = 1;
constexpr std::size_t kDefaultSaltBytes = 16;
constexpr std::size_t kDefaultKeyBytes = 32;

// Bounds on imported parameters (header: identify_hash).
constexpr std::uint64_t kMaxPbkdf2Iterations = 10'000'000;
constexpr std::uint64_t kMaxScryptN = std::uint64_t{1} << 20;
constexpr std::uint32_t kMaxScryptR = 32;
constexpr std::uint32_t kMaxScryptP = 16;
constexpr std::uint64_t kMaxScryptMemory = std::uint64_t{256} << 20;
constexpr std::size_t kMaxSaltBytes = 1024;
constexpr std::size_t kMinKeyBytes = 16;
constexpr std::size_t kMaxKeyBytes = 128;

// Werkzeug parameters when the method string omits them: `pbkdf2:sha256` without iterations
// dates from werkzeug < 2.3, whose default was 260,000 (2.3 moved to 600,000 and always writes
// the count); bare `scrypt` means werkzeug's n=2**15, r=8, p=1. Werkzeug itself always writes
// both, so these only matter for hand-made strings.
constexpr std::uint64_t kWerkzeugDefaultIterations = 260'000;
constexpr std::uint64_t kWerkzeugDefaultN = 32768;
constexpr std::uint32_t kWerkzeugDefaultR = 8;
constexpr std::uint32_t kWerkzeugDefaultP = 1;

enum class Kdf { Pbkdf2, Scrypt };

struct Recipe {
  HashFormat format;
  Kdf kdf;
  const char* digest = nullptr;  // PBKDF2: "SHA1", "SHA256", "SHA512"
  std::uint64_t iterations = 0;  // PBKDF2
  std::uint64_t n = 0;           // scrypt
  std::uint32_t r = 0;
  std::uint32_t p = 0;
  std::string salt;  // the bytes fed to the KDF
  std::string key;   // the expected derived key
};

// ---- text helpers -------------------------------------------------------------------------

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = text.find(separator, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

// A decimal without sign, leading '+', or leading zeros (except "0").
std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

const char* digest_for(std::string_view name) {
  if (name == "sha1") return "SHA1";
  if (name == "sha256") return "SHA256";
  if (name == "sha512") return "SHA512";
  return nullptr;
}

// ---- bounds -------------------------------------------------------------------------------

std::uint64_t scrypt_memory(std::uint64_t n, std::uint32_t r, std::uint32_t p) {
  // OpenSSL's own accounting (crypto/evp/pbe_scrypt.c): B = 128·r·p, V = 128·r·(N+2).
  return 128 * std::uint64_t{r} * (n + 2) + 128 * std::uint64_t{r} * p;
}

bool scrypt_params_ok(std::uint64_t n, std::uint32_t r, std::uint32_t p) {
  if (n < 2 || n > kMaxScryptN || (n & (n - 1)) != 0) return false;
  if (r < 1 || r > kMaxScryptR || p < 1 || p > kMaxScryptP) return false;
  return scrypt_memory(n, r, p) <= kMaxScryptMemory;
}

bool salt_and_key_ok(const Recipe& recipe) {
  return !recipe.salt.empty() && recipe.salt.size() <= kMaxSaltBytes && recipe.key.size() >= kMinKeyBytes &&
         recipe.key.size() <= kMaxKeyBytes;
}

// ---- parsers, one per format --------------------------------------------------------------

// $scrypt$ln=16,r=8,p=1$<salt>$<key>   (passlib's scrypt; standard base64, no padding)
std::optional<Recipe> parse_tenantgate_scrypt(std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 5 || !parts[0].empty() || parts[1] != "scrypt") return std::nullopt;
  auto params = split(parts[2], ',');
  if (params.size() != 3 || params[0].substr(0, 3) != "ln=" || params[1].substr(0, 2) != "r=" ||
      params[2].substr(0, 2) != "p=")
    return std::nullopt;
  auto ln = parse_decimal(params[0].substr(3));
  auto r = parse_decimal(params[1].substr(2));
  auto p = parse_decimal(params[2].substr(2));
  if (!ln || !r || !p || *ln < 1 || *ln > 20 || *r > kMaxScryptR || *p > kMaxScryptP) return std::nullopt;
  Recipe recipe{HashFormat::TenantgateScrypt, Kdf::Scrypt};
  recipe.n = std::uint64_t{1} << *ln;
  recipe.r = static_cast<std::uint32_t>(*r);
  recipe.p = static_cast<std::uint32_t>(*p);
  auto salt = base64_decode(parts[3], Base64Alphabet::Standard);
  auto key = base64_decode(parts[4], Base64Alphabet::Standard);
  if (!salt || !key) return std::nullopt;
  recipe.salt = std::move(*salt);
  recipe.key = std::move(*key);
  if (!scrypt_params_ok(recipe.n, recipe.r, recipe.p) || !salt_and_key_ok(recipe)) return std::nullopt;
  return recipe;
}

// $pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 key>; $pbkdf2$ is passlib's SHA-1 variant.
std::optional<Recipe> parse_passlib_pbkdf2(std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 5 || !parts[0].empty()) return std::nullopt;
  Recipe recipe{HashFormat::PasslibPbkdf2, Kdf::Pbkdf2};
  if (parts[1] == "pbkdf2-sha256") {
    recipe.digest = "SHA256";
  } else if (parts[1] == "pbkdf2-sha512") {
    recipe.digest = "SHA512";
  } else if (parts[1] == "pbkdf2" || parts[1] == "pbkdf2-sha1") {
    recipe.digest = "SHA1";
  } else {
    return std::nullopt;
  }
  auto rounds = parse_decimal(parts[2]);
  auto salt = base64_decode(parts[3], Base64Alphabet::Passlib);
  auto key = base64_decode(parts[4], Base64Alphabet::Passlib);
  if (!rounds || *rounds < 1 || *rounds > kMaxPbkdf2Iterations || !salt || !key) return std::nullopt;
  recipe.iterations = *rounds;
  recipe.salt = std::move(*salt);
  recipe.key = std::move(*key);
  if (!salt_and_key_ok(recipe)) return std::nullopt;
  return recipe;
}

// pbkdf2_sha256$<iterations>$<salt text>$<padded base64 key>  (also pbkdf2_sha1)
std::optional<Recipe> parse_django_pbkdf2(std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 4) return std::nullopt;
  Recipe recipe{HashFormat::DjangoPbkdf2, Kdf::Pbkdf2};
  if (parts[0] == "pbkdf2_sha256") {
    recipe.digest = "SHA256";
  } else if (parts[0] == "pbkdf2_sha1") {
    recipe.digest = "SHA1";
  } else {
    return std::nullopt;
  }
  auto iterations = parse_decimal(parts[1]);
  auto key = base64_decode(parts[3], Base64Alphabet::Standard, true);
  if (!iterations || *iterations < 1 || *iterations > kMaxPbkdf2Iterations || !key) return std::nullopt;
  recipe.iterations = *iterations;
  recipe.salt = std::string(parts[2]);
  recipe.key = std::move(*key);
  if (!salt_and_key_ok(recipe)) return std::nullopt;
  return recipe;
}

// pbkdf2[:<digest>[:<iterations>]]$<salt text>$<hex key>
// scrypt[:<N>:<r>:<p>]$<salt text>$<hex key>
std::optional<Recipe> parse_werkzeug(std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 3) return std::nullopt;
  auto method = split(parts[0], ':');
  Recipe recipe{HashFormat::WerkzeugPbkdf2, Kdf::Pbkdf2};
  if (method[0] == "pbkdf2") {
    if (method.size() > 3) return std::nullopt;
    recipe.digest = method.size() >= 2 ? digest_for(method[1]) : "SHA256";
    if (recipe.digest == nullptr) return std::nullopt;
    if (method.size() == 3) {
      auto iterations = parse_decimal(method[2]);
      if (!iterations || *iterations < 1 || *iterations > kMaxPbkdf2Iterations) return std::nullopt;
      recipe.iterations = *iterations;
    } else {
      recipe.iterations = kWerkzeugDefaultIterations;
    }
  } else if (method[0] == "scrypt") {
    recipe.format = HashFormat::WerkzeugScrypt;
    recipe.kdf = Kdf::Scrypt;
    if (method.size() == 1) {
      recipe.n = kWerkzeugDefaultN;
      recipe.r = kWerkzeugDefaultR;
      recipe.p = kWerkzeugDefaultP;
    } else if (method.size() == 4) {
      auto n = parse_decimal(method[1]);
      auto r = parse_decimal(method[2]);
      auto p = parse_decimal(method[3]);
      if (!n || !r || !p || *r > kMaxScryptR || *p > kMaxScryptP) return std::nullopt;
      recipe.n = *n;
      recipe.r = static_cast<std::uint32_t>(*r);
      recipe.p = static_cast<std::uint32_t>(*p);
    } else {
      return std::nullopt;
    }
    if (!scrypt_params_ok(recipe.n, recipe.r, recipe.p)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  auto key = hex_decode(parts[2]);
  if (!key) return std::nullopt;
  recipe.salt = std::string(parts[1]);
  recipe.key = std::move(*key);
  if (!salt_and_key_ok(recipe)) return std::nullopt;
  return recipe;
}

std::optional<Recipe> parse(std::string_view stored) {
  if (stored.size() > 4096) return std::nullopt;
  if (stored.substr(0, 8) == "$scrypt$") return parse_tenantgate_scrypt(stored);
  if (stored.substr(0, 8) == "$pbkdf2$" || stored.substr(0, 8) == "$pbkdf2-") return parse_passlib_pbkdf2(stored);
  if (stored.substr(0, 7) == "pbkdf2_") return parse_django_pbkdf2(stored);
  if (stored.substr(0, 6) == "pbkdf2" || stored.substr(0, 6) == "scrypt") return parse_werkzeug(stored);
  return std::nullopt;
}

// ---- the KDFs -----------------------------------------------------------------------------

// Per thread, so a reading is exact whatever other threads do (the backend has none; the tests
// and fuzzers may). A plain aggregate: no destructor runs at thread exit.
thread_local KdfWork kdf_work;

struct KdfDeleter {
  void operator()(EVP_KDF* kdf) const noexcept { EVP_KDF_free(kdf); }
  void operator()(EVP_KDF_CTX* ctx) const noexcept { EVP_KDF_CTX_free(ctx); }
};

// The derived key, of recipe.key.size() bytes. Throws Error(Internal) when OpenSSL fails.
std::string derive(const Recipe& recipe, std::string_view password) {
  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(
      EVP_KDF_fetch(nullptr, recipe.kdf == Kdf::Scrypt ? OSSL_KDF_NAME_SCRYPT : OSSL_KDF_NAME_PBKDF2, nullptr));
  if (!kdf) throw Error(Reason::Internal, "kdf unavailable");
  std::unique_ptr<EVP_KDF_CTX, KdfDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) throw Error(Reason::Internal, "kdf unavailable");

  // OSSL_PARAM wants non-const pointers; the KDF only reads them.
  void* password_data = const_cast<char*>(password.empty() ? "" : password.data());
  void* salt_data = const_cast<char*>(recipe.salt.data());
  std::uint64_t iterations = recipe.iterations;
  std::uint64_t n = recipe.n;
  std::uint32_t r = recipe.r;
  std::uint32_t p = recipe.p;
  // Just above what the parameters need (the bounds already capped it at 256 MiB).
  std::uint64_t maxmem = scrypt_memory(recipe.n, recipe.r, recipe.p) + (std::uint64_t{1} << 20);
  int pkcs5_checks_off = 1;  // Django/Werkzeug salts are text and may be shorter than 128 bits
  std::array<OSSL_PARAM, 8> params{};
  std::size_t i = 0;
  params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, password_data, password.size());
  params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_data, recipe.salt.size());
  if (recipe.kdf == Kdf::Pbkdf2) {
    params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(recipe.digest), 0);
    params[i++] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iterations);
    params[i++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5_checks_off);
  } else {
    params[i++] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
    params[i++] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
    params[i++] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
    params[i++] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
  }
  params[i] = OSSL_PARAM_construct_end();

  ++kdf_work.derivations;
  kdf_work.password_bytes += password.size();
  if (recipe.kdf == Kdf::Pbkdf2) {
    kdf_work.pbkdf2_iterations += recipe.iterations;
  } else {
    kdf_work.scrypt_nrp += recipe.n * recipe.r * recipe.p;
    kdf_work.scrypt_memory += scrypt_memory(recipe.n, recipe.r, recipe.p);
  }

  std::string out(recipe.key.size(), '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params.data()) != 1)
    throw Error(Reason::Internal, "key derivation failed");
  return out;
}

Recipe default_recipe(std::string salt) {
  Recipe recipe{HashFormat::TenantgateScrypt, Kdf::Scrypt};
  recipe.n = std::uint64_t{1} << kDefaultLogN;
  recipe.r = kDefaultR;
  recipe.p = kDefaultP;
  recipe.salt = std::move(salt);
  recipe.key.assign(kDefaultKeyBytes, '\0');
  return recipe;
}

}  // namespace

std::optional<HashFormat> identify_hash(std::string_view stored) noexcept {
  try {
    auto recipe = parse(stored);
    if (!recipe) return std::nullopt;
    return recipe->format;
  } catch (...) {  // std::bad_alloc while splitting: not a hash we can take
    return std::nullopt;
  }
}

std::string hash_password(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) throw Error(Reason::InvalidParameter, "password too long");
  Recipe recipe = default_recipe(random_bytes(kDefaultSaltBytes));
  std::string key = derive(recipe, password);
  return "$scrypt$ln=" + std::to_string(kDefaultLogN) + ",r=" + std::to_string(kDefaultR) +
         ",p=" + std::to_string(kDefaultP) + "$" + base64_encode(recipe.salt, Base64Alphabet::Standard) + "$" +
         base64_encode(key, Base64Alphabet::Standard);
}

bool verify_password(std::string_view password, std::string_view stored) {
  if (password.size() > kMaxPasswordBytes) return false;
  std::optional<Recipe> recipe = parse(stored);
  if (!recipe) return false;
  std::string derived = derive(*recipe, password);
  return derived.size() == recipe->key.size() && CRYPTO_memcmp(derived.data(), recipe->key.data(), derived.size()) == 0;
}

KdfWork kdf_work_done() noexcept { return kdf_work; }

bool needs_rehash(std::string_view stored) noexcept {
  try {
    std::optional<Recipe> recipe = parse(stored);
    if (!recipe) return true;
    return !(recipe->format == HashFormat::TenantgateScrypt && recipe->n == (std::uint64_t{1} << kDefaultLogN) &&
             recipe->r == kDefaultR && recipe->p == kDefaultP && recipe->salt.size() >= kDefaultSaltBytes &&
             recipe->key.size() == kDefaultKeyBytes);
  } catch (...) {
    return true;
  }
}

void burn_password_work(std::string_view password) {
  // Mirrors verify_password: over-long passwords cost nothing there either.
  if (password.size() > kMaxPasswordBytes) return;
  static constexpr char kDummySalt[] = "tenantgate-dummy";  // 16 bytes, like a real salt
  Recipe recipe = default_recipe(std::string(kDummySalt, sizeof kDummySalt - 1));
  std::string derived = derive(recipe, password);
  // Compare like verify_password does, so the two paths end the same way.
  volatile int sink = CRYPTO_memcmp(derived.data(), recipe.key.data(), derived.size());
  (void)sink;
}

}  // namespace tg::core
