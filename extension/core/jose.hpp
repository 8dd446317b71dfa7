// JOSE (RFC 7515/7517/7518/7519, RFC 8037, RFC 8725 practices): algorithms, keys, compact JWS
// parsing, signing, signature and claim verification. Pure C++17 + OpenSSL 3 EVP; no PostgreSQL.
// Everything here throws tg::core::Error on rejection and is unit-tested and fuzzed on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace tg::core {

enum class Alg { HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA };

// Exact, case-sensitive: "HS256" → HS256; "hs256", "none", "HS256 " → nullopt.
std::optional<Alg> alg_from_name(std::string_view name) noexcept;
const char* alg_name(Alg alg) noexcept;
bool alg_is_hmac(Alg alg) noexcept;

// A key bound to exactly one algorithm (RFC 8725 §3.1). Immutable and cheap to share
// (copies share the OpenSSL object), so the PostgreSQL key cache can hold them.
class Key {
 public:
  // `material` as auth.add_key takes it: for HS* the raw secret, or a JWK object with
  // "kty":"oct" (its "k" is the secret); anything else that parses as PEM, DER, an OpenSSH key
  // or a non-oct JWK is refused for HS* (JWT-02). For the others a PEM (SPKI public or
  // PKCS#8 private; PKCS#1 "RSA PUBLIC/PRIVATE KEY" and SEC1 "EC PRIVATE KEY" also accepted)
  // or a JWK JSON object. Refuses with Reason::InvalidKey: HMAC secrets shorter than the hash
  // output (and empty ones); asymmetric key material given for an HS* alg; RSA < 2048 bits,
  // > 8192 bits, e < 65537 or even; EC keys not on the curve the alg names (ES256 P-256,
  // ES384 P-384, ES512 P-521), points that fail EVP_PKEY_public_check, coordinates not of the
  // full size; OKP other than Ed25519 for EdDSA; a JWK whose kty/crv/alg/use/key_ops
  // contradict `alg` or signature use; a JWK "oct" key for a non-HS alg.
  static Key from_material(Alg alg, std::string_view material);

  // A JWK (already parsed out of a JWKS by the caller as JSON text). When the JWK has no
  // "alg", it is derived from kty/crv (RSA → RS256, P-256 → ES256, P-384 → ES384,
  // P-521 → ES512, Ed25519 → EdDSA). Private members (d, p, q, dp, dq, qi, oth) are dropped:
  // the resulting key is public only. "oct" keys are refused (a JWKS is public).
  static Key from_public_jwk(std::string_view jwk_json);

  // A fresh key from RAND_bytes / EVP keygen: HS* a secret of the hash size, RS*/PS* RSA 2048,
  // ES* the curve the alg names, EdDSA Ed25519.
  static Key generate(Alg alg);

  // The stored form, read back by from_storage(): HS* the raw secret, otherwise PKCS#8 DER for a
  // private key or SPKI DER for a public-only key. from_storage() runs every check of
  // from_material() except the pairwise check of a private part against its public part, which
  // the key passed when it was stored (for RSA it is ~57 ms per key, paid by every backend).
  std::string to_storage() const;
  static Key from_storage(Alg alg, std::string_view stored);

  Alg alg() const noexcept;
  bool can_sign() const noexcept;      // HS* always; asymmetric only with a private part
  bool is_symmetric() const noexcept;  // HS*

  // The public JWK: {"kty","alg","use":"sig","kid", n/e | crv/x/y | crv/x}. Never a secret or
  // private member. Throws Reason::InvalidKey for HS* keys (they have no public form).
  std::string public_jwk_json(std::string_view kid) const;

  // Raw signature bytes over `signing_input` (ECDSA as fixed-length r||s, RFC 7518 §3.4;
  // PSS with salt length = hash length, MGF1 with the same hash).
  std::string sign(std::string_view signing_input) const;

  // Constant-time for HMAC; exact signature length required; ECDSA r||s of exactly 2×size with
  // 0 < r,s < n; PSS salt length = hash length enforced; EdDSA S < L.
  bool verify(std::string_view signing_input, std::string_view signature) const;

  struct Impl;

 private:
  explicit Key(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

struct TokenLimits {
  std::size_t max_token_bytes = std::size_t{16} * 1024;  // checked before any decoding
  int max_json_depth = 32;                               // nesting bound of header and payload
};

// Where parse_token found the registered claims check_claims reads, as node indices into the
// parsed payload (0 when absent: node 0 is the payload object itself, never a member's value),
// so that the payload is walked once per token and nothing is copied out of it.
struct ClaimNodes {
  std::uint32_t exp = 0, nbf = 0, iat = 0, iss = 0, aud = 0;
};

// A compact JWS taken apart and checked for structure, not yet for its signature.
// Structure rules (all Reason::MalformedToken): exactly three segments, none of the first two
// empty; canonical unpadded base64url (no '=', '+', '/', whitespace; non-zero trailing bits
// refused); header and payload strict UTF-8 JSON objects (RFC 8259: no duplicate member names
// after unescaping, no \u0000, no lone surrogates, no comments/trailing data/BOM, depth bound);
// header "alg" a string, "none" in any casing → Reason::AlgorithmNotAllowed; "kid", when
// present, a string; "crit" present at all → MalformedToken from verify_signature once the
// signature has verified (we understand no extension; a forged token stays "invalid signature",
// JWT-39) and at once from decode_token; "b64", "zip" or "enc" present → MalformedToken;
// "cty" equal to "JWT" in any casing (nested tokens are not supported) → MalformedToken.
// "jwk", "jku", "x5u", "x5c", "x5t" are never used.
// A token's header, as parse_token read it. Immutable: tokens with a byte-identical header
// segment share one (jws.cpp keeps the last few per thread, so a key's tokens are not
// re-decoded and re-parsed each time).
struct JwsHeader {
  std::string json;                // decoded header JSON text, as received
  std::string alg_name;            // "alg" as sent (string)
  std::optional<Alg> alg;          // nullopt when the name is not one we implement
  std::optional<std::string> kid;  // "kid"
  std::optional<std::string> typ;  // "typ"
  bool has_crit = false;           // "crit": verify_signature refuses it after the signature
};

// A decoded signature, held in place when it is short (HMAC, ECDSA, EdDSA: at most 132 bytes)
// so that parsing a token does not allocate for it.
class SignatureBytes {
 public:
  static constexpr std::size_t kInline = 132;
  // Canonical unpadded base64url only (see base64url_decode); false otherwise.
  bool assign_base64url(std::string_view text);
  std::string_view view() const noexcept {
    return on_heap_ ? std::string_view(heap_) : std::string_view(inline_, size_);
  }
  std::size_t size() const noexcept { return view().size(); }

 private:
  char inline_[kInline];
  std::size_t size_ = 0;
  bool on_heap_ = false;
  std::string heap_;
};

struct ParsedToken {
  std::string_view signing_input;  // "<header>.<payload>" exactly as received (views into the token)
  std::shared_ptr<const JwsHeader> header;
  SignatureBytes signature;  // decoded signature bytes
  // Unverified hints to pick a key (never trusted for anything else):
  std::optional<std::string> tenant_hint;  // payload "tenant" when it is a string
  json::Document payload;                  // the payload parsed (an object); its source is the JSON text as received
  ClaimNodes claims;                       // the registered claims' values within `payload`

  const std::string& payload_json() const noexcept { return payload.source(); }
  const std::string& header_json() const noexcept { return header->json; }
};

ParsedToken parse_token(std::string_view token, const TokenLimits& limits = {});

// Signature step: the header's alg must equal key.alg() exactly, else AlgorithmNotAllowed
// (also when the header alg is unknown); then the signature must verify, else InvalidSignature;
// then a header with "crit" → MalformedToken.
void verify_signature(const ParsedToken& token, const Key& key);

struct ClaimRules {
  double now = 0;                       // wall-clock seconds since the epoch
  double leeway = 30;                   // seconds
  std::optional<std::string> issuer;    // byte-exact match when set
  std::optional<std::string> audience;  // equal to "aud" or to one element of an "aud" array
  bool require_exp = true;
};

// Claim step, after the signature: exp/nbf/iat must be finite JSON numbers (fractions allowed)
// else MalformedToken; exp missing while require_exp → MalformedToken (detail "exp required");
// exp <= now - leeway → TokenExpired; nbf or iat > now + leeway →
// TokenNotYetValid; iss/aud non-strings → MalformedToken, mismatch → InvalidIssuer/InvalidAudience.
void check_claims(const ParsedToken& token, const ClaimRules& rules);

// The time rules of check_claims alone, on values already read (an authenticated token taken
// from a cache: the signature and the rest of the claims were checked when it was stored):
// exp <= now - leeway → TokenExpired; nbf or iat > now + leeway → TokenNotYetValid; a
// non-finite clock or leeway → InvalidParameter.
void check_times(std::optional<double> exp, std::optional<double> nbf, std::optional<double> iat,
                 const ClaimRules& rules);

// Compact JWS with header {"alg":…,"typ":<typ>[,"kid":…]} over `payload_json`, which must be a
// JSON object (checked with the same strict parser; MalformedToken otherwise → the PG layer
// reports it as invalid parameter). Requires key.can_sign().
// Our access tokens use typ "at+jwt" (RFC 9068); auth.sign defaults to "JWT".
std::string sign_token(const Key& key, std::optional<std::string_view> kid, std::string_view payload_json,
                       std::string_view typ = "JWT");

// {"header":…, "payload":…} as JSON text WITHOUT verifying anything (auth.decode). Same
// structural parsing as parse_token, except that the signature segment may be anything.
std::string decode_token(std::string_view token, const TokenLimits& limits = {});

// Helpers the rest of the extension shares.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);  // canonical, unpadded only
// The same into out[0..capacity): the decoded size, or nullopt (not canonical, or too long).
std::optional<std::size_t> base64url_decode_into(std::string_view text, char* out, std::size_t capacity) noexcept;
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;
std::string random_bytes(std::size_t n);  // RAND_bytes; throws Internal on failure

}  // namespace tg::core
