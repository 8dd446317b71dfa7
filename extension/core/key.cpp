// Key construction: which material is accepted for which algorithm (JWT-02, JWT-19, JWT-20),
// the storage form, and the public JWK. Every asymmetric key goes through check_pkey_for_alg.
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "core/key_impl.hpp"

namespace tg::core {
namespace {

[[noreturn]] void refuse(const char* detail) { throw_openssl(Reason::InvalidKey, detail); }

std::string_view trim(std::string_view s) noexcept {
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

bool looks_like_json_object(std::string_view material) noexcept {
  const std::string_view t = trim(material);
  return t.size() >= 2 && t.front() == '{' && t.back() == '}';
}

// OpenSSH public keys ("ssh-ed25519 AAAA…", "ecdsa-sha2-nistp256 AAAA…") as HMAC secrets are
// the python-jose / PyJWT confusion (CVE-2024-33663, GHSA-ffqj-6fqr-9h24).
bool looks_like_openssh(std::string_view material) noexcept {
  const std::string_view t = trim(material);
  for (const std::string_view prefix : {"ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"}) {
    if (t.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

std::shared_ptr<const Key::Impl> hmac_impl(Alg alg, std::string secret) {
  // RFC 7518 §3.2: a key of the same size as the hash output or larger. Also refuses empty keys.
  if (secret.size() < alg_hash_size(alg)) refuse("hmac secret shorter than the hash output");
  auto impl = std::make_shared<Key::Impl>();
  impl->alg = alg;
  impl->secret = std::move(secret);
  prepare_key_contexts(*impl);
  return impl;
}

std::shared_ptr<const Key::Impl> pkey_impl(Alg alg, PkeyPtr pkey, PairwiseCheck pairwise = PairwiseCheck::Run) {
  check_pkey_for_alg(pkey.get(), alg, pairwise);
  auto impl = std::make_shared<Key::Impl>();
  impl->alg = alg;
  impl->has_private = pkey_has_private(pkey.get());
  impl->pkey = std::move(pkey);
  prepare_key_contexts(*impl);
  return impl;
}

// The Document of a JWK; its root() is the object.
json::Document parse_jwk(std::string_view text) {
  json::Document doc = json::parse_document(std::string(text), Reason::InvalidKey);
  if (!doc.is_object()) refuse("jwk is not an object");
  return doc;
}

bool is_oct(const json::Value& jwk) {
  const auto kty = jwk.find("kty");
  return kty && kty->is_string() && kty->text() == "oct";
}

}  // namespace

Key::Key(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Key Key::from_material(Alg alg, std::string_view material) {
  if (alg_is_hmac(alg)) {
    // Anything that is a key in another form must never become an HMAC secret (JWT-02). A
    // '{…}' text that fails to parse is refused too rather than being taken as raw bytes.
    if (looks_like_json_object(material)) {
      const json::Document doc = parse_jwk(material);
      const json::Value jwk = doc.root();
      if (!is_oct(jwk)) refuse("asymmetric key material for an hmac algorithm");
      return Key(hmac_impl(alg, hmac_secret_from_jwk(jwk, alg)));
    }
    if (looks_like_pem(material) || looks_like_openssh(material) || decode_pkey(material, false)) {
      refuse("asymmetric key material for an hmac algorithm");
    }
    return Key(hmac_impl(alg, std::string(material)));
  }
  if (looks_like_json_object(material)) {
    const json::Document doc = parse_jwk(material);
    const json::Value jwk = doc.root();
    if (is_oct(jwk)) refuse("symmetric jwk for an asymmetric algorithm");
    return Key(pkey_impl(alg, pkey_from_jwk(jwk, alg, true)));
  }
  if (!looks_like_pem(material)) refuse("key is neither pem nor jwk");
  PkeyPtr pkey = decode_pkey(material, true);
  if (!pkey) refuse("pem key unreadable");
  return Key(pkey_impl(alg, std::move(pkey)));
}

Key Key::from_public_jwk(std::string_view jwk_json) {
  const json::Document doc = parse_jwk(jwk_json);
  const json::Value jwk = doc.root();
  // A JWKS is a public document: a symmetric key in it is a published secret.
  if (is_oct(jwk)) refuse("symmetric key in a public key set");
  Alg alg = Alg::RS256;
  if (!jwk_alg_from_members(jwk, alg)) refuse("jwk algorithm unknown or ambiguous");
  if (alg_is_hmac(alg)) refuse("symmetric key in a public key set");
  return Key(pkey_impl(alg, pkey_from_jwk(jwk, alg, false)));
}

Key Key::generate(Alg alg) {
  if (alg_is_hmac(alg)) return Key(hmac_impl(alg, random_bytes(alg_hash_size(alg))));
  EVP_PKEY* pkey = nullptr;
  switch (alg_family(alg)) {
    case KeyFamily::Rsa:
    case KeyFamily::RsaPss: pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)); break;
    case KeyFamily::Ec: pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", ec_jwk_curve(alg)); break;
    case KeyFamily::Okp: pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case KeyFamily::Hmac: break;
  }
  if (pkey == nullptr) throw_openssl(Reason::Internal, "key generation failed");
  return Key(pkey_impl(alg, PkeyPtr(pkey)));
}

std::string Key::to_storage() const {
  if (is_symmetric()) return impl_->secret;
  unsigned char* der = nullptr;
  std::size_t len = 0;
  if (impl_->has_private) {
    OSSL_ENCODER_CTX* ectx =
        OSSL_ENCODER_CTX_new_for_pkey(impl_->pkey.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr);
    const int ok = ectx != nullptr && OSSL_ENCODER_to_data(ectx, &der, &len) == 1;
    OSSL_ENCODER_CTX_free(ectx);
    if (!ok) throw_openssl(Reason::Internal, "key export");
  } else {
    const int n = i2d_PUBKEY(impl_->pkey.get(), &der);
    if (n <= 0) throw_openssl(Reason::Internal, "key export");
    len = static_cast<std::size_t>(n);
  }
  std::string out(reinterpret_cast<const char*>(der), len);
  OPENSSL_clear_free(der, len);  // may hold a private key
  return out;
}

Key Key::from_storage(Alg alg, std::string_view stored) {
  if (alg_is_hmac(alg)) return Key(hmac_impl(alg, std::string(stored)));
  PkeyPtr pkey = decode_pkey(stored, false);
  if (!pkey) refuse("stored key unreadable");
  // Every backend loads the stored keys on its first verification and again after each key
  // change. The pairwise check of an RSA private key (OpenSSL tests p and q for primality) is
  // ~57 ms of the ~60 ms such a load costs. A stored private key passed that check when it was
  // added or generated. The check cannot protect verification, which uses the public part only;
  // all other checks still run.
  return Key(pkey_impl(alg, std::move(pkey), PairwiseCheck::Skip));
}

Alg Key::alg() const noexcept { return impl_->alg; }
bool Key::is_symmetric() const noexcept { return alg_is_hmac(impl_->alg); }
bool Key::can_sign() const noexcept { return is_symmetric() || impl_->has_private; }

std::string Key::public_jwk_json(std::string_view kid) const {
  if (is_symmetric()) refuse("hmac keys have no public form");
  return public_jwk_of(impl_->pkey.get(), impl_->alg, kid);
}

std::string Key::sign(std::string_view signing_input) const {
  if (!can_sign()) refuse("key has no private part");
  return sign_bytes(*impl_, signing_input);
}

bool Key::verify(std::string_view signing_input, std::string_view signature) const {
  return verify_bytes(*impl_, signing_input, signature);
}

}  // namespace tg::core
