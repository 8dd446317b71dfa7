// Producing signatures: HMAC via EVP_MAC, RSA/PSS/Ed25519 via EVP_DigestSign, ECDSA converted
// from OpenSSL's DER to JOSE's fixed-length r||s (RFC 7518 §3.4) — every output has exactly the
// size a verifier expects (JWT-14, signer side).
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <mutex>

#include "core/key_impl.hpp"

namespace tg::core {
namespace {

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OsslDeleter<ECDSA_SIG, ECDSA_SIG_free>>;
using MacPtr = std::unique_ptr<EVP_MAC, OsslDeleter<EVP_MAC, EVP_MAC_free>>;

std::string raw_from_der(const std::string& der, std::size_t field) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw_openssl(Reason::Internal, "signature encoding");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * field, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  // Left-padded to the field size: OpenSSL's DER INTEGERs are shorter about 1/128 of the time.
  if (BN_bn2binpad(r, out, static_cast<int>(field)) < 0 || BN_bn2binpad(s, out + field, static_cast<int>(field)) < 0) {
    throw_openssl(Reason::Internal, "signature encoding");
  }
  return raw;
}

}  // namespace

namespace {

bool mac_once(EVP_MAC_CTX* ctx, std::string_view input, unsigned char* out, std::size_t* len) {
  // A NULL key re-initialises HMAC with the key already set (ipad/opad states kept).
  return EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1 &&
         EVP_MAC_final(ctx, out, len, EVP_MAX_MD_SIZE) == 1;
}

}  // namespace

MacCtxPtr keyed_hmac_ctx(Alg alg, std::string_view secret) {
  MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) throw_openssl(Reason::Internal, "hmac unavailable");
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  char digest[16] = {0};
  const char* name = EVP_MD_get0_name(alg_digest(alg));
  if (!ctx || name == nullptr) throw_openssl(Reason::Internal, "hmac unavailable");
  std::snprintf(digest, sizeof digest, "%s", name);
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) != 1) {
    throw_openssl(Reason::Internal, "hmac failed");
  }
  return ctx;
}

std::size_t hmac_into(const Key::Impl& key, std::string_view input, unsigned char* out) {
  if (!key.hmac_ctx) throw_openssl(Reason::Internal, "hmac unavailable");
  std::size_t len = 0;
  bool ok = false;
  if (key.mac_lock.try_lock()) {
    std::lock_guard<std::mutex> hold(key.mac_lock, std::adopt_lock);
    ok = mac_once(key.hmac_ctx.get(), input, out, &len);
  } else {
    MacCtxPtr copy(EVP_MAC_CTX_dup(key.hmac_ctx.get()));
    ok = copy && mac_once(copy.get(), input, out, &len);
  }
  if (!ok) throw_openssl(Reason::Internal, "hmac failed");
  return len;
}

std::string hmac(const Key::Impl& key, std::string_view input) {
  unsigned char out[EVP_MAX_MD_SIZE];
  const std::size_t len = hmac_into(key, input, out);
  std::string result(reinterpret_cast<const char*>(out), len);
  OPENSSL_cleanse(out, sizeof out);
  return result;
}

// Sets RSA padding for RS* (PKCS#1 v1.5) or PS* (PSS, salt = hash length, MGF1 with the same
// hash: RFC 7518 §3.5). Shared with verification so both sides use identical parameters.
bool set_rsa_padding(EVP_PKEY_CTX* pctx, Alg alg) {
  if (alg_family(alg) == KeyFamily::Rsa) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, alg_digest(alg)) > 0;
}

std::string sign_bytes(const Key::Impl& key, std::string_view input) {
  if (alg_is_hmac(key.alg)) return hmac(key, input);
  MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (!md || EVP_DigestSignInit(md.get(), &pctx, alg_digest(key.alg), nullptr, key.pkey.get()) != 1) {
    throw_openssl(Reason::Internal, "sign init");
  }
  const KeyFamily family = alg_family(key.alg);
  if ((family == KeyFamily::Rsa || family == KeyFamily::RsaPss) && !set_rsa_padding(pctx, key.alg)) {
    throw_openssl(Reason::Internal, "sign init");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t len = 0;
  if (EVP_DigestSign(md.get(), nullptr, &len, in, input.size()) != 1) throw_openssl(Reason::Internal, "sign");
  std::string sig(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) != 1) {
    throw_openssl(Reason::Internal, "sign");
  }
  sig.resize(len);
  if (family == KeyFamily::Ec) return raw_from_der(sig, ec_field_size(key.alg));
  return sig;
}

}  // namespace tg::core
