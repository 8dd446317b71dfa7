// Checking signatures. Every algorithm first checks the exact signature length; ECDSA checks
// 0 < r, s < n before building DER with BIGNUMs (no fixed buffers: JWT-13, JWT-14); Ed25519
// checks S < L (JWT-15, RFC 8032 §5.1.7); HMAC compares in constant time (JWT-37).
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "core/key_impl.hpp"

namespace tg::core {

bool set_rsa_padding(EVP_PKEY_CTX* pctx, Alg alg);  // key_sign.cpp

namespace {

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OsslDeleter<ECDSA_SIG, ECDSA_SIG_free>>;

bool verify_hmac(const Key::Impl& key, std::string_view input, std::string_view signature) {
  if (signature.size() != alg_hash_size(key.alg)) return false;  // never a prefix compare
  return constant_time_equal(hmac(key, input), signature);
}

// S (little-endian, second half of the signature) must be below the group order L.
bool ed25519_s_canonical(std::string_view signature) {
  static constexpr unsigned char kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                           0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  for (int i = 31; i >= 0; --i) {
    const auto b = static_cast<unsigned char>(signature[32 + i]);
    if (b != kL[i]) return b < kL[i];
  }
  return false;  // S == L
}

// Raw r||s → DER, or empty when r or s is out of [1, n-1].
std::string der_from_raw(std::string_view raw, Alg alg) {
  const std::size_t field = ec_field_size(alg);
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BnPtr r(BN_bin2bn(bytes, static_cast<int>(field), nullptr));
  BnPtr s(BN_bin2bn(bytes + field, static_cast<int>(field), nullptr));
  EcGroupPtr group(EC_GROUP_new_by_curve_name(ec_curve_nid(alg)));
  if (!r || !s || !group) throw_openssl(Reason::Internal, "ecdsa");
  const BIGNUM* n = EC_GROUP_get0_order(group.get());
  if (BN_is_zero(r.get()) || BN_is_zero(s.get()) || BN_cmp(r.get(), n) >= 0 || BN_cmp(s.get(), n) >= 0) {
    return {};
  }
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) throw_openssl(Reason::Internal, "ecdsa");
  r.release();  // owned by sig now
  s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) throw_openssl(Reason::Internal, "ecdsa");
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) throw_openssl(Reason::Internal, "ecdsa");
  return der;
}

bool digest_verify(const Key::Impl& key, std::string_view input, std::string_view signature) {
  MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (!md || EVP_DigestVerifyInit(md.get(), &pctx, alg_digest(key.alg), nullptr, key.pkey.get()) != 1) {
    throw_openssl(Reason::Internal, "verify init");
  }
  const KeyFamily family = alg_family(key.alg);
  if ((family == KeyFamily::Rsa || family == KeyFamily::RsaPss) && !set_rsa_padding(pctx, key.alg)) {
    throw_openssl(Reason::Internal, "verify init");
  }
  const int rc = EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                  signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                                  input.size());
  ERR_clear_error();  // a failed verification leaves entries in the queue
  return rc == 1;
}

}  // namespace

bool verify_bytes(const Key::Impl& key, std::string_view input, std::string_view signature) {
  switch (alg_family(key.alg)) {
    case KeyFamily::Hmac: return verify_hmac(key, input, signature);
    case KeyFamily::Rsa:
    case KeyFamily::RsaPss: {
      const int size = EVP_PKEY_get_size(key.pkey.get());
      if (size <= 0 || signature.size() != static_cast<std::size_t>(size)) return false;
      return digest_verify(key, input, signature);
    }
    case KeyFamily::Ec: {
      if (signature.size() != 2 * ec_field_size(key.alg)) return false;
      const std::string der = der_from_raw(signature, key.alg);
      return !der.empty() && digest_verify(key, input, der);
    }
    case KeyFamily::Okp:
      if (signature.size() != 64 || !ed25519_s_canonical(signature)) return false;
      return digest_verify(key, input, signature);
  }
  return false;
}

}  // namespace tg::core
