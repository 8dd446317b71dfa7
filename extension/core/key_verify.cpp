// Checking signatures. Every algorithm first checks the exact signature length; ECDSA checks
// 0 < r, s < n before building DER with BIGNUMs (no fixed buffers: JWT-13, JWT-14); Ed25519
// checks S < L (JWT-15, RFC 8032 §5.1.7); HMAC compares in constant time (JWT-37).
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "core/key_impl.hpp"

namespace tg::core {

bool set_rsa_padding(EVP_PKEY_CTX* pctx, Alg alg);  // key_sign.cpp

MacCtxPtr keyed_hmac_ctx(Alg alg, std::string_view secret);  // key_sign.cpp

namespace {

bool verify_hmac(const Key::Impl& key, std::string_view input, std::string_view signature) {
  if (signature.size() != alg_hash_size(key.alg)) return false;  // never a prefix compare
  unsigned char mac[EVP_MAX_MD_SIZE];
  const std::size_t len = hmac_into(key, input, mac);
  const bool equal = constant_time_equal(std::string_view(reinterpret_cast<const char*>(mac), len), signature);
  OPENSSL_cleanse(mac, len);  // only the first len bytes were written
  return equal;
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

// 0 < x < n for big-endian numbers of the same width (public values: no constant time needed).
bool in_open_range(std::string_view x, std::string_view n) noexcept {
  bool nonzero = false;
  for (const char c : x) nonzero = nonzero || c != 0;
  return nonzero && x.compare(n) < 0;  // char_traits<char>::compare is memcmp: unsigned bytes
}

// DER INTEGER (X.690 §8.3) of a positive big-endian number: minimal, 0x00 before a high bit.
void append_der_integer(std::string& out, std::string_view x) {
  std::size_t skip = 0;
  while (skip + 1 < x.size() && x[skip] == 0) ++skip;
  x.remove_prefix(skip);
  const bool pad = (static_cast<unsigned char>(x[0]) & 0x80) != 0;
  out += '\x02';
  out += static_cast<char>(x.size() + (pad ? 1 : 0));  // <= 67: short form
  if (pad) out += '\0';
  out.append(x.data(), x.size());
}

// Raw r||s → DER ECDSA-Sig-Value, or empty when r or s is out of [1, n-1].
std::string der_from_raw(std::string_view raw, const Key::Impl& key) {
  const std::size_t field = ec_field_size(key.alg);
  const std::string_view r = raw.substr(0, field), s = raw.substr(field, field);
  if (key.ec_order.size() != field) throw_openssl(Reason::Internal, "ecdsa");
  if (!in_open_range(r, key.ec_order) || !in_open_range(s, key.ec_order)) return {};
  std::string body;
  body.reserve(2 * field + 6);
  append_der_integer(body, r);
  append_der_integer(body, s);
  std::string der;
  der.reserve(body.size() + 3);
  der += '\x30';
  if (body.size() >= 0x80) der += '\x81';  // at most 2 * 69 bytes: one length byte
  der += static_cast<char>(body.size());
  der += body;
  return der;
}

bool init_verify(EVP_MD_CTX* md, const Key::Impl& key) {
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (EVP_DigestVerifyInit(md, &pctx, alg_digest(key.alg), nullptr, key.pkey.get()) != 1) return false;
  const KeyFamily family = alg_family(key.alg);
  return (family != KeyFamily::Rsa && family != KeyFamily::RsaPss) || set_rsa_padding(pctx, key.alg);
}

bool digest_verify(const Key::Impl& key, std::string_view input, std::string_view signature) {
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) throw_openssl(Reason::Internal, "verify init");
  if (key.verify_template) {
    if (EVP_MD_CTX_copy_ex(md.get(), key.verify_template.get()) != 1) throw_openssl(Reason::Internal, "verify init");
  } else if (!init_verify(md.get(), key)) {
    throw_openssl(Reason::Internal, "verify init");
  }
  const int rc = EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                  reinterpret_cast<const unsigned char*>(input.data()), input.size());
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
      const std::string der = der_from_raw(signature, key);
      return !der.empty() && digest_verify(key, input, der);
    }
    case KeyFamily::Okp:
      if (signature.size() != 64 || !ed25519_s_canonical(signature)) return false;
      return digest_verify(key, input, signature);
  }
  return false;
}

}  // namespace tg::core

namespace tg::core {

void prepare_key_contexts(Key::Impl& impl) {
  const KeyFamily family = alg_family(impl.alg);
  if (family == KeyFamily::Hmac) {
    impl.hmac_ctx = keyed_hmac_ctx(impl.alg, impl.secret);
    return;
  }
  if (family == KeyFamily::Ec) {
    EcGroupPtr group(EC_GROUP_new_by_curve_name(ec_curve_nid(impl.alg)));
    const std::size_t field = ec_field_size(impl.alg);
    std::string order(field, '\0');
    if (!group || BN_bn2binpad(EC_GROUP_get0_order(group.get()), reinterpret_cast<unsigned char*>(order.data()),
                               static_cast<int>(field)) != static_cast<int>(field)) {
      throw_openssl(Reason::Internal, "ecdsa");
    }
    impl.ec_order = std::move(order);
  }
  // Only kept when OpenSSL can copy it (EVP_MD_CTX_copy_ex of a verification context).
  MdCtxPtr tmpl(EVP_MD_CTX_new());
  MdCtxPtr probe(EVP_MD_CTX_new());
  if (tmpl && probe && init_verify(tmpl.get(), impl) && EVP_MD_CTX_copy_ex(probe.get(), tmpl.get()) == 1) {
    impl.verify_template = std::move(tmpl);
  }
  ERR_clear_error();
}

}  // namespace tg::core
