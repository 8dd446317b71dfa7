// Key import policy (JWT-02, JWT-16, JWT-17, JWT-19, JWT-20), storage form and public JWKs.
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/rsa.h>

#include <functional>
#include <optional>
#include <set>
#include <string_view>

#include "core/json.hpp"
#include "core/jwks.hpp"
#include "test_jose_util.hpp"

namespace tg::core {
namespace {

using testing::pem_private;
using testing::pem_public;
using testing::test_key;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey rsa_key(unsigned bits, unsigned exponent = 65537) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  BIGNUM* e = BN_new();
  BN_set_word(e, exponent);
  EVP_PKEY_keygen_init(ctx);
  EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, static_cast<int>(bits));
  EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e);
  EVP_PKEY_keygen(ctx, &pkey);
  BN_free(e);
  EVP_PKEY_CTX_free(ctx);
  return Pkey(pkey);
}

json::Document jwk_of(const Key& key) { return json::parse_document(key.public_jwk_json("k"), Reason::Internal); }

// The names of a JWK's members, in order.
std::vector<std::string> member_names(const json::Document& jwk) {
  std::vector<std::string> names;
  jwk.root().for_each_member([&](std::string_view name, const json::Value&) { names.emplace_back(name); });
  return names;
}

// The JWK rebuilt member by member: edit(name) gives a member's new JSON value, "" to drop the
// member, or nullopt to keep it.
std::string rebuilt_jwk(const json::Document& jwk,
                        const std::function<std::optional<std::string>(std::string_view)>& edit) {
  std::string out = "{";
  jwk.root().for_each_member([&](std::string_view name, const json::Value& value) {
    const std::optional<std::string> replacement = edit(name);
    if (replacement && replacement->empty()) return;
    if (out.size() > 1) out += ',';
    json::append_string(out, name);
    out += ':';
    out += replacement ? *replacement : json::serialize(value);
  });
  return out + "}";
}

std::string with_member(std::string jwk, const std::string& member) {  // member: "\"name\":value"
  jwk.insert(1, member + ",");
  return jwk;
}

std::string replace_member(const Key& key, const char* name, const std::string& b64value) {
  return rebuilt_jwk(jwk_of(key), [&](std::string_view member) -> std::optional<std::string> {
    if (member != name) return std::nullopt;
    std::string quoted;
    json::append_string(quoted, b64value);
    return quoted;
  });
}

TEST(Keys, hmac_secret_must_be_at_least_the_hash_size) {
  EXPECT_REASON(Key::from_material(Alg::HS256, ""), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, "short"), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, std::string(31, 'k')), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS384, std::string(47, 'k')), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS512, std::string(63, 'k')), Reason::InvalidKey);
  EXPECT_ACCEPTED(Key::from_material(Alg::HS256, std::string(32, 'k')));
  EXPECT_ACCEPTED(Key::from_material(Alg::HS512, std::string(64, 'k')));
  const Key k = Key::from_material(Alg::HS384, std::string(48, 'k'));
  EXPECT_TRUE(k.is_symmetric());
  EXPECT_TRUE(k.can_sign());
  EXPECT_EQ(k.alg(), Alg::HS384);
  EXPECT_EQ(k.to_storage(), std::string(48, 'k'));
  EXPECT_REASON(k.public_jwk_json("x"), Reason::InvalidKey);
}

TEST(Keys, hmac_accepts_an_oct_jwk_and_nothing_asymmetric) {
  const std::string k = base64url_encode(std::string(32, 's'));
  const Key key = Key::from_material(Alg::HS256, R"({"kty":"oct","k":")" + k + R"("})");
  EXPECT_EQ(key.to_storage(), std::string(32, 's'));
  EXPECT_REASON(Key::from_material(Alg::HS384, R"({"kty":"oct","k":")" + k + R"("})"), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, R"({"kty":"oct","alg":"HS512","k":")" + k + R"("})"),
                Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, R"({"kty":"oct","use":"enc","k":")" + k + R"("})"), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, R"({"kty":"oct","k":"", "x": 1, "x": 2})"), Reason::InvalidKey);
  const Key& rsa = test_key(Alg::RS256);
  EXPECT_REASON(Key::from_material(Alg::HS256, rsa.public_jwk_json("k")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, test_key(Alg::EdDSA).public_jwk_json("k")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, rsa.to_storage()), Reason::InvalidKey);  // PKCS#8 DER
  EXPECT_REASON(Key::from_material(Alg::HS256, Key::from_public_jwk(rsa.public_jwk_json("k")).to_storage()),
                Reason::InvalidKey);  // SPKI DER
  Pkey ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  EXPECT_REASON(Key::from_material(Alg::HS256, pem_public(ec.get())), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, pem_private(ec.get())), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOWc7RbfQ1s6e2bsIR user@host"),
                Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::HS256, "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI x"),
                Reason::InvalidKey);
}

TEST(Keys, asymmetric_algs_take_pem_or_jwk_of_the_right_type) {
  Pkey ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const Key pub = Key::from_material(Alg::ES256, pem_public(ec.get()));
  EXPECT_FALSE(pub.can_sign());
  const Key priv = Key::from_material(Alg::ES256, pem_private(ec.get()));
  EXPECT_TRUE(priv.can_sign());
  EXPECT_TRUE(pub.verify("x", priv.sign("x")));
  EXPECT_REASON(Key::from_material(Alg::ES384, pem_public(ec.get())), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::RS256, pem_public(ec.get())), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::EdDSA, pem_public(ec.get())), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::ES256, std::string(64, 'x')), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::ES256, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
                Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::RS256, R"({"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"})"),
                Reason::InvalidKey);
  Pkey ed448(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"));
  EXPECT_REASON(Key::from_material(Alg::EdDSA, pem_public(ed448.get())), Reason::InvalidKey);
  Pkey x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  EXPECT_REASON(Key::from_material(Alg::EdDSA, pem_public(x25519.get())), Reason::InvalidKey);
}

std::string encode_pem(EVP_PKEY* pkey, int selection, const char* structure) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, "PEM", structure, nullptr);
  unsigned char* data = nullptr;
  std::size_t len = 0;
  EXPECT_EQ(OSSL_ENCODER_to_data(ctx, &data, &len), 1);
  OSSL_ENCODER_CTX_free(ctx);
  std::string out(reinterpret_cast<char*>(data), len);
  OPENSSL_free(data);
  return out;
}

TEST(Keys, accepts_pkcs1_and_sec1_pem_and_refuses_encrypted_pem) {
  Pkey rsa = rsa_key(2048);
  const std::string pkcs1 = encode_pem(rsa.get(), EVP_PKEY_PUBLIC_KEY, "type-specific");
  ASSERT_NE(pkcs1.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
  EXPECT_FALSE(Key::from_material(Alg::RS256, pkcs1).can_sign());
  const std::string pkcs1_priv = encode_pem(rsa.get(), EVP_PKEY_KEYPAIR, "type-specific");
  ASSERT_NE(pkcs1_priv.find("BEGIN RSA PRIVATE KEY"), std::string::npos);
  EXPECT_TRUE(Key::from_material(Alg::RS256, pkcs1_priv).can_sign());
  Pkey ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  const std::string sec1 = encode_pem(ec.get(), EVP_PKEY_KEYPAIR, "type-specific");
  ASSERT_NE(sec1.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  EXPECT_TRUE(Key::from_material(Alg::ES384, sec1).can_sign());
  // An encrypted PKCS#8 key: no passphrase is ever asked for (no terminal in a backend).
  BIO* bio = BIO_new(BIO_s_mem());
  static char pass[] = "passphrase";
  PEM_write_bio_PrivateKey(bio, ec.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr, pass);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string encrypted(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  ASSERT_NE(encrypted.find("ENCRYPTED"), std::string::npos);
  EXPECT_REASON(Key::from_material(Alg::ES384, encrypted), Reason::InvalidKey);
}

TEST(Keys, rsa_size_and_exponent_policy) {
  Pkey small = rsa_key(1024);
  EXPECT_REASON(Key::from_material(Alg::RS256, pem_public(small.get())), Reason::InvalidKey);
  Pkey e3 = rsa_key(2048, 3);
  EXPECT_REASON(Key::from_material(Alg::RS256, pem_public(e3.get())), Reason::InvalidKey);
  Pkey ok = rsa_key(2048);
  EXPECT_ACCEPTED(Key::from_material(Alg::PS256, pem_public(ok.get())));
  // 16384-bit and even moduli/exponents are refused before any expensive check.
  std::string n16k = random_bytes(2048);
  n16k[0] = static_cast<char>(n16k[0] | 0x80);
  n16k.back() = static_cast<char>(n16k.back() | 1);
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"RSA","n":")" + base64url_encode(n16k) + R"(","e":"AQAB"})"),
                Reason::InvalidKey);
  const Key& rs = test_key(Alg::RS256);
  EXPECT_REASON(Key::from_public_jwk(replace_member(rs, "e", "AQAA")), Reason::InvalidKey);    // even
  EXPECT_REASON(Key::from_public_jwk(replace_member(rs, "e", "Aw")), Reason::InvalidKey);      // 3
  EXPECT_REASON(Key::from_public_jwk(replace_member(rs, "e", "AQ")), Reason::InvalidKey);      // 1
  EXPECT_REASON(Key::from_public_jwk(replace_member(rs, "e", "AAEAAQ")), Reason::InvalidKey);  // leading zero
  const std::string n = *base64url_decode(jwk_of(rs).root().find("n")->text());
  EXPECT_REASON(Key::from_public_jwk(replace_member(rs, "n", base64url_encode(std::string(1, '\0') + n))),
                Reason::InvalidKey);
}

TEST(Keys, rsa_4096_accepted) {
  Pkey big = rsa_key(4096);
  const Key k = Key::from_material(Alg::RS512, pem_private(big.get()));
  EXPECT_TRUE(k.verify("m", k.sign("m")));
  EXPECT_EQ(k.sign("m").size(), 512u);
}

TEST(Keys, ec_jwk_coordinates_must_be_full_size_and_on_the_curve) {
  const Key& key = test_key(Alg::ES256);
  const json::Document doc = jwk_of(key);
  const json::Value jwk = doc.root();
  const std::string x = *base64url_decode(jwk.find("x")->text());
  const std::string y = *base64url_decode(jwk.find("y")->text());
  EXPECT_EQ(x.size(), 32u);
  EXPECT_EQ(y.size(), 32u);
  EXPECT_ACCEPTED(Key::from_public_jwk(key.public_jwk_json("k")));
  std::string y_flipped = y;
  y_flipped[31] = static_cast<char>(y_flipped[31] ^ 1);
  EXPECT_REASON(Key::from_public_jwk(replace_member(key, "y", base64url_encode(y_flipped))), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(replace_member(key, "x", base64url_encode(x.substr(1)))), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(replace_member(key, "x", base64url_encode(std::string(1, '\0') + x))),
                Reason::InvalidKey);
  const std::string zero = base64url_encode(std::string(32, '\0'));
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"EC","crv":"P-256","x":")" + zero + R"(","y":")" + zero + R"("})"),
                Reason::InvalidKey);
  EXPECT_REASON(
      Key::from_public_jwk(R"({"kty":"EC","crv":"P-256","x":")" + std::string(jwk.find("x")->text()) + R"("})"),
      Reason::InvalidKey);  // compressed form (no y) is not a JWK
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"EC","crv":"secp256k1","x":")" + std::string(jwk.find("x")->text()) +
                                     R"(","y":")" + std::string(jwk.find("y")->text()) + R"("})"),
                Reason::InvalidKey);
}

TEST(Keys, ed25519_rejects_small_order_and_off_curve_points) {
  const std::string rfc8037 = R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
  EXPECT_EQ(Key::from_public_jwk(rfc8037).alg(), Alg::EdDSA);
  const char* small_order_hex[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p+1: non-canonical 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p: non-canonical 0
  };
  for (const char* hex : small_order_hex) {
    std::string bytes;
    for (int i = 0; i < 64; i += 2) bytes += static_cast<char>(std::stoi(std::string(hex + i, 2), nullptr, 16));
    EXPECT_REASON(Key::from_public_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + base64url_encode(bytes) + R"("})"),
                  Reason::InvalidKey)
        << hex;
  }
  // y = 2 is not the y of any curve point.
  std::string two(32, '\0');
  two[0] = 2;
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + base64url_encode(two) + R"("})"),
                Reason::InvalidKey);
  EXPECT_REASON(
      Key::from_public_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + base64url_encode(std::string(31, 'a')) + R"("})"),
      Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"OKP","crv":"Ed448","x":"AAAA"})"), Reason::InvalidKey);
  EXPECT_REASON(
      Key::from_public_jwk(R"({"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"),
      Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(rfc8037, R"("alg":"Ed25519")")), Reason::InvalidKey);
  for (int i = 0; i < 50; ++i) {  // generated keys always pass the same checks
    const Key k = Key::generate(Alg::EdDSA);
    EXPECT_ACCEPTED(Key::from_public_jwk(k.public_jwk_json("g")));
  }
}

TEST(Keys, jwk_metadata_must_fit_signature_use_and_the_alg) {
  const std::string jwk = test_key(Alg::ES256).public_jwk_json("k");  // has alg ES256 and use sig
  const json::Document base = json::parse_document(jwk, Reason::Internal);
  auto without = [&](std::initializer_list<const char*> drop) {
    return rebuilt_jwk(base, [&](std::string_view name) -> std::optional<std::string> {
      for (const char* d : drop) {
        if (name == d) return std::string();
      }
      return std::nullopt;
    });
  };
  const std::string bare = without({"alg", "use"});
  EXPECT_EQ(Key::from_public_jwk(bare).alg(), Alg::ES256);  // derived from crv
  EXPECT_ACCEPTED(Key::from_material(Alg::ES256, bare));
  EXPECT_REASON(Key::from_material(Alg::ES384, bare), Reason::InvalidKey);  // crv
  EXPECT_REASON(Key::from_material(Alg::RS256, bare), Reason::InvalidKey);  // kty
  EXPECT_REASON(Key::from_material(Alg::ES256, with_member(bare, R"("alg":"ES384")")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_material(Alg::ES256, with_member(bare, R"("alg":5)")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("alg":"ES521")")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("alg":"ES224")")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("alg":"HS256")")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("use":"enc")")), Reason::InvalidKey);
  EXPECT_ACCEPTED(Key::from_public_jwk(with_member(bare, R"("use":"sig")")));
  EXPECT_ACCEPTED(Key::from_public_jwk(with_member(bare, R"("key_ops":["verify"])")));
  EXPECT_ACCEPTED(Key::from_public_jwk(with_member(bare, R"("key_ops":["sign","verify"])")));
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("key_ops":["encrypt"])")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("key_ops":["verify","wrapKey"])")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("key_ops":[])")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("key_ops":"verify")")), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(with_member(bare, R"("key_ops":["verify","verify"])")), Reason::InvalidKey);
  const std::string rsa_bare = rebuilt_jwk(jwk_of(test_key(Alg::RS256)), [](std::string_view name) {
    return name == "alg" ? std::optional<std::string>("") : std::nullopt;
  });
  EXPECT_EQ(Key::from_public_jwk(rsa_bare).alg(), Alg::RS256);
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"oct","alg":"HS256","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"})"),
                Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk("[]"), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk("{"), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"EC"})"), Reason::InvalidKey);
}

TEST(Keys, public_jwk_drops_private_members) {
  for (const Alg alg : {Alg::RS256, Alg::PS384, Alg::ES256, Alg::ES384, Alg::ES512, Alg::EdDSA}) {
    const Key& key = test_key(alg);
    const std::string jwk = key.public_jwk_json("kid-\"1\"");
    const json::Document doc = json::parse_document(jwk, Reason::Internal);
    const json::Value v = doc.root();
    for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) EXPECT_FALSE(v.find(secret)) << secret;
    EXPECT_EQ(v.find("alg")->text(), alg_name(alg));
    EXPECT_EQ(v.find("use")->text(), "sig");
    EXPECT_EQ(v.find("kid")->text(), "kid-\"1\"");
    EXPECT_EQ(member_names(doc)[0], "kty");
    const Key pub = Key::from_public_jwk(jwk);
    EXPECT_FALSE(pub.can_sign());
    EXPECT_EQ(pub.alg(), alg);
    EXPECT_EQ(pub.public_jwk_json("kid-\"1\""), jwk);
    EXPECT_TRUE(pub.verify("msg", key.sign("msg")));
  }
  EXPECT_EQ(member_names(jwk_of(test_key(Alg::ES512))),
            (std::vector<std::string>{"kty", "alg", "use", "kid", "crv", "x", "y"}));
  EXPECT_EQ(base64url_decode(jwk_of(test_key(Alg::ES512)).root().find("x")->text())->size(), 66u);
  EXPECT_EQ(member_names(jwk_of(test_key(Alg::RS256))),
            (std::vector<std::string>{"kty", "alg", "use", "kid", "n", "e"}));
  EXPECT_EQ(member_names(jwk_of(test_key(Alg::EdDSA))),
            (std::vector<std::string>{"kty", "alg", "use", "kid", "crv", "x"}));
}

TEST(Keys, private_jwk_can_sign_and_mismatched_private_part_is_refused) {
  const std::string d = base64url_encode(std::string(32, '\x07'));
  const Key& ed = test_key(Alg::EdDSA);
  std::string jwk = ed.public_jwk_json("k");
  jwk.insert(jwk.size() - 1, R"(,"d":")" + d + "\"");
  EXPECT_REASON(Key::from_material(Alg::EdDSA, jwk), Reason::InvalidKey);  // d does not belong to x
  EXPECT_FALSE(Key::from_public_jwk(jwk).can_sign());                      // public import ignores d
}

TEST(Keys, storage_round_trips) {
  for (const Alg alg : testing::kAllAlgs) {
    const Key& key = test_key(alg);
    const Key back = Key::from_storage(alg, key.to_storage());
    EXPECT_EQ(back.can_sign(), key.can_sign());
    EXPECT_TRUE(key.verify("m", back.sign("m"))) << alg_name(alg);
    if (!alg_is_hmac(alg)) {
      const Key pub = Key::from_public_jwk(key.public_jwk_json("k"));
      const Key pub_back = Key::from_storage(alg, pub.to_storage());
      EXPECT_FALSE(pub_back.can_sign());
      EXPECT_TRUE(pub_back.verify("m", key.sign("m")));
      EXPECT_REASON(Key::from_storage(alg, pub.to_storage() + "x"), Reason::InvalidKey);
    }
  }
  EXPECT_REASON(Key::from_storage(Alg::ES256, test_key(Alg::ES384).to_storage()), Reason::InvalidKey);
  EXPECT_REASON(Key::from_storage(Alg::HS256, "short"), Reason::InvalidKey);
}

TEST(Keys, generated_hmac_keys_are_random_and_hash_sized) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const Key k = Key::generate(Alg::HS256);
    EXPECT_EQ(k.to_storage().size(), 32u);
    EXPECT_TRUE(seen.insert(k.to_storage()).second);
  }
  EXPECT_EQ(Key::generate(Alg::HS512).to_storage().size(), 64u);
}

TEST(Keys, jwks_import_is_all_or_nothing) {
  const std::string a = test_key(Alg::ES256).public_jwk_json("a");
  const std::string b = test_key(Alg::RS256).public_jwk_json("b");
  const auto keys = import_jwks_keys(R"({"keys":[)" + a + "," + b + "]}");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, "a");
  EXPECT_EQ(keys[1].key.alg(), Alg::RS256);
  const std::string oct =
      R"({"kty":"oct","kid":"s","alg":"HS256","k":")" + base64url_encode(std::string(32, 's')) + R"("})";
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + a + "," + oct + "]}"), Reason::InvalidKey);
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + a + "," + oct + "]}", true), Reason::InvalidKey);  // mixed
  EXPECT_EQ(import_jwks_keys(R"({"keys":[)" + oct + "]}", true).size(), 1u);
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + a + "," + test_key(Alg::ES384).public_jwk_json("a") + "]}"),
                Reason::InvalidKey);  // duplicate kid
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + a + R"(,{"kty":"EC","kid":"c","crv":"P-256","x":"AA","y":"AA"}]})"),
                Reason::InvalidKey);
  std::string enc = b;
  enc.replace(enc.find("\"sig\""), 5, "\"enc\"");
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + a + "," + enc + "]}"), Reason::InvalidKey);
  EXPECT_REASON(import_jwks_keys(R"({"keys":[]})"), Reason::InvalidKey);
  EXPECT_REASON(import_jwks_keys(R"({"keys":{}})"), Reason::InvalidKey);
  EXPECT_REASON(import_jwks_keys(R"([])"), Reason::InvalidKey);
  std::string nokid = a;
  nokid.replace(nokid.find("\"kid\":\"a\""), 9, "\"kid\":\"\"");
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + nokid + "]}"), Reason::InvalidKey);
}

}  // namespace
}  // namespace tg::core
