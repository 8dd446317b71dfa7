// All 13 algorithms: round trips, tampering, exact signature encodings and the range checks of
// ECDSA and Ed25519 (JWT-13, JWT-14, JWT-15, JWT-18).
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include "test_jose_util.hpp"

namespace tg::core {
namespace {

using testing::forge;
using testing::test_key;
using testing::verify;

const std::string kPayload = std::string(R"({"sub":"u1","tenant":"company1","exp":)") + testing::kFarFuture + "}";

TEST(Algorithms, sign_then_verify_round_trips_for_every_alg) {
  for (const Alg alg : testing::kAllAlgs) {
    const Key& key = test_key(alg);
    const std::string token = sign_token(key, std::string_view("k"), kPayload);
    EXPECT_ACCEPTED(verify(token, key)) << alg_name(alg);
    if (!alg_is_hmac(alg)) {
      EXPECT_ACCEPTED(verify(token, Key::from_public_jwk(key.public_jwk_json("k")))) << alg_name(alg);
    }
  }
}

TEST(Algorithms, any_tampering_is_detected) {
  for (const Alg alg : testing::kAllAlgs) {
    const Key& key = test_key(alg);
    const std::string token = sign_token(key, std::nullopt, kPayload);
    const auto dot1 = token.find('.'), dot2 = token.rfind('.');
    // Payload changed, signature kept.
    const std::string other =
        testing::b64(std::string(R"({"sub":"u1","tenant":"company2","exp":)") + testing::kFarFuture + "}");
    EXPECT_REASON(verify(token.substr(0, dot1 + 1) + other + token.substr(dot2), key), Reason::InvalidSignature);
    // Header changed (kid added), signature kept.
    const std::string header = testing::b64(std::string(R"({"alg":")") + alg_name(alg) + R"(","kid":"x"})");
    EXPECT_REASON(verify(header + token.substr(dot1), key), Reason::InvalidSignature);
    // One bit of the signature flipped.
    std::string sig = *base64url_decode(token.substr(dot2 + 1));
    sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 0x01);
    EXPECT_REASON(verify(token.substr(0, dot2 + 1) + base64url_encode(sig), key), Reason::InvalidSignature)
        << alg_name(alg);
    // Another key of the same algorithm.
    EXPECT_REASON(verify(token, Key::generate(alg)), Reason::InvalidSignature) << alg_name(alg);
  }
}

TEST(Algorithms, header_alg_must_equal_the_key_alg) {
  for (const Alg signer : testing::kAllAlgs) {
    const std::string token = sign_token(test_key(signer), std::nullopt, kPayload);
    for (const Alg verifier : testing::kAllAlgs) {
      if (verifier == signer) continue;
      EXPECT_REASON(verify(token, test_key(verifier)), Reason::AlgorithmNotAllowed)
          << alg_name(signer) << " vs " << alg_name(verifier);
    }
  }
}

std::string ecdsa_sig(Alg alg, const BIGNUM* r, const BIGNUM* s) {
  const int field = alg == Alg::ES256 ? 32 : alg == Alg::ES384 ? 48 : 66;
  std::string raw(2 * field, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), field);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + field, field);
  return raw;
}

int curve_of(Alg alg) {
  return alg == Alg::ES256 ? NID_X9_62_prime256v1 : alg == Alg::ES384 ? NID_secp384r1 : NID_secp521r1;
}

TEST(Algorithms, ecdsa_signatures_always_have_the_fixed_length) {
  for (const auto& [alg, rounds] : {std::pair{Alg::ES256, 3000}, {Alg::ES384, 600}, {Alg::ES512, 600}}) {
    const Key& key = test_key(alg);
    const std::size_t expected = alg == Alg::ES256 ? 64 : alg == Alg::ES384 ? 96 : 132;
    for (int i = 0; i < rounds; ++i) {
      const std::string input = "m" + std::to_string(i);
      const std::string sig = key.sign(input);
      ASSERT_EQ(sig.size(), expected) << alg_name(alg) << " round " << i;
      ASSERT_TRUE(key.verify(input, sig));
    }
  }
}

TEST(Algorithms, rejects_psychic_and_out_of_range_ecdsa_signatures) {
  for (const Alg alg : {Alg::ES256, Alg::ES384, Alg::ES512}) {
    const Key& key = test_key(alg);
    EC_GROUP* group = EC_GROUP_new_by_curve_name(curve_of(alg));
    const BIGNUM* n = EC_GROUP_get0_order(group);
    BIGNUM* zero = BN_new();
    BIGNUM* one = BN_new();
    BIGNUM* n_plus = BN_dup(n);
    BN_zero(zero);
    BN_one(one);
    BN_add_word(n_plus, 1);
    const BIGNUM* values[] = {zero, one, n, n_plus};
    for (const BIGNUM* r : values) {
      for (const BIGNUM* s : values) {
        EXPECT_FALSE(key.verify("msg", ecdsa_sig(alg, r, s))) << alg_name(alg);
      }
    }
    // r = n and s = n specifically, next to a valid r or s (still not accepted).
    const std::string good = key.sign("msg");
    const std::size_t half = good.size() / 2;
    EXPECT_FALSE(key.verify("msg", ecdsa_sig(alg, n, one).substr(0, half) + good.substr(half)));
    EXPECT_FALSE(key.verify("msg", good.substr(0, half) + ecdsa_sig(alg, one, n).substr(half)));
    BN_free(zero);
    BN_free(one);
    BN_free(n_plus);
    EC_GROUP_free(group);
  }
}

TEST(Algorithms, accepts_high_s_ecdsa_because_jose_does_not_require_low_s) {
  for (const Alg alg : {Alg::ES256, Alg::ES384, Alg::ES512}) {
    const Key& key = test_key(alg);
    const std::string sig = key.sign("msg");
    const std::size_t half = sig.size() / 2;
    EC_GROUP* group = EC_GROUP_new_by_curve_name(curve_of(alg));
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + half, static_cast<int>(half), nullptr);
    BIGNUM* flipped = BN_new();
    BN_sub(flipped, EC_GROUP_get0_order(group), s);
    std::string other = sig.substr(0, half) + std::string(half, '\0');
    BN_bn2binpad(flipped, reinterpret_cast<unsigned char*>(other.data()) + half, static_cast<int>(half));
    EXPECT_NE(other, sig);
    EXPECT_TRUE(key.verify("msg", other)) << alg_name(alg);
    BN_free(s);
    BN_free(flipped);
    EC_GROUP_free(group);
  }
}

TEST(Algorithms, ecdsa_requires_raw_fixed_length_not_der) {
  const Key& key = test_key(Alg::ES256);
  const std::string sig = key.sign("msg");
  ASSERT_TRUE(key.verify("msg", sig));
  EXPECT_FALSE(key.verify("msg", sig.substr(1)));
  EXPECT_FALSE(key.verify("msg", std::string(1, '\0') + sig));
  EXPECT_FALSE(key.verify("msg", sig + std::string(1, '\0')));
  EXPECT_FALSE(key.verify("msg", sig + sig));
  EXPECT_FALSE(key.verify("msg", std::string(16384, '\x01')));
  EXPECT_FALSE(key.verify("msg", ""));
  // The DER encoding of the same (r, s) is refused.
  ECDSA_SIG* es = ECDSA_SIG_new();
  ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(es, &der);
  EXPECT_FALSE(key.verify("msg", std::string(reinterpret_cast<char*>(der), static_cast<std::size_t>(len))));
  OPENSSL_free(der);
  ECDSA_SIG_free(es);
  const Key& es512 = test_key(Alg::ES512);
  const std::string sig512 = es512.sign("msg");
  EXPECT_FALSE(es512.verify("msg", sig512.substr(2)));
  EXPECT_FALSE(es512.verify("msg", sig512.substr(1)));
  EXPECT_FALSE(es512.verify("msg", sig512 + "x"));
}

TEST(Algorithms, rejects_ed25519_signatures_with_s_not_below_the_group_order) {
  const Key& key = test_key(Alg::EdDSA);
  const std::string sig = key.sign("msg");
  ASSERT_TRUE(key.verify("msg", sig));
  // S + L (little-endian addition) is the same scalar mod L, so only the S < L check refuses it.
  static const unsigned char kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                       0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                       0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  std::string malleable = sig;
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    const unsigned sum = static_cast<unsigned char>(sig[32 + i]) + kL[i] + carry;
    malleable[32 + i] = static_cast<char>(sum & 0xFF);
    carry = sum >> 8;
  }
  EXPECT_FALSE(key.verify("msg", malleable));
  std::string s_is_l = sig.substr(0, 32) + std::string(reinterpret_cast<const char*>(kL), 32);
  EXPECT_FALSE(key.verify("msg", s_is_l));
  EXPECT_FALSE(key.verify("msg", sig.substr(0, 63)));
  EXPECT_FALSE(key.verify("msg", sig + "x"));
  EXPECT_FALSE(key.verify("msg", std::string(64, '\0')));
}

TEST(Algorithms, hmac_requires_the_full_length_tag) {
  for (const Alg alg : {Alg::HS256, Alg::HS384, Alg::HS512}) {
    const Key& key = test_key(alg);
    const std::string tag = key.sign("msg");
    EXPECT_EQ(tag.size(), alg == Alg::HS256 ? 32u : alg == Alg::HS384 ? 48u : 64u);
    EXPECT_TRUE(key.verify("msg", tag));
    for (const std::size_t len : {std::size_t(0), std::size_t(1), std::size_t(16), tag.size() - 1}) {
      EXPECT_FALSE(key.verify("msg", tag.substr(0, len))) << len;
    }
    EXPECT_FALSE(key.verify("msg", tag + "x"));
  }
}

// PSS with other parameters than RFC 7518 §3.5 (salt = hash length, MGF1 with the same hash).
std::string pss_sign(EVP_PKEY* pkey, const EVP_MD* md, int salt, const EVP_MD* mgf1, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, md, nullptr, pkey);
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt);
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1);
  std::size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return sig;
}

TEST(Algorithms, pss_parameters_and_rsa_lengths_are_exact) {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
  const std::string pem = testing::pem_private(pkey);
  const Key ps256 = Key::from_material(Alg::PS256, pem);
  const Key rs256 = Key::from_material(Alg::RS256, pem);
  EXPECT_TRUE(ps256.verify("m", pss_sign(pkey, EVP_sha256(), 32, EVP_sha256(), "m")));
  EXPECT_FALSE(ps256.verify("m", pss_sign(pkey, EVP_sha256(), 0, EVP_sha256(), "m")));
  EXPECT_FALSE(ps256.verify("m", pss_sign(pkey, EVP_sha256(), 20, EVP_sha256(), "m")));
  EXPECT_FALSE(ps256.verify("m", pss_sign(pkey, EVP_sha256(), 64, EVP_sha256(), "m")));
  EXPECT_FALSE(ps256.verify("m", pss_sign(pkey, EVP_sha256(), 32, EVP_sha1(), "m")));
  EXPECT_FALSE(ps256.verify("m", pss_sign(pkey, EVP_sha256(), 32, EVP_sha512(), "m")));
  // Same RSA key, other padding: never interchangeable.
  EXPECT_FALSE(ps256.verify("m", rs256.sign("m")));
  EXPECT_FALSE(rs256.verify("m", ps256.sign("m")));
  const std::string sig = rs256.sign("m");
  EXPECT_EQ(sig.size(), 256u);
  EXPECT_TRUE(rs256.verify("m", sig));
  EXPECT_FALSE(rs256.verify("m", sig.substr(1)));
  EXPECT_FALSE(rs256.verify("m", std::string(1, '\0') + sig));
  EXPECT_FALSE(rs256.verify("m", sig + std::string(1, '\0')));
  EXPECT_FALSE(rs256.verify("m", std::string(256, '\0')));
  EVP_PKEY_free(pkey);
}

TEST(Algorithms, rs256_signing_is_deterministic) {
  const Key& key = test_key(Alg::RS256);
  EXPECT_EQ(key.sign("x"), key.sign("x"));
  EXPECT_EQ(test_key(Alg::EdDSA).sign("x"), test_key(Alg::EdDSA).sign("x"));
  EXPECT_NE(test_key(Alg::PS256).sign("x"), test_key(Alg::PS256).sign("x"));  // random salt
}

}  // namespace
}  // namespace tg::core
