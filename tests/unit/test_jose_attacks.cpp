// The recipes of research/security-catalogue.md §A that apply to the core, one test each, named
// by the behaviour whose failure they catch. Tokens are forged byte-for-byte as an attacker would.
#include "core/json.hpp"
#include "core/jwks.hpp"
#include "core/jws_internal.hpp"
#include "test_jose_util.hpp"

namespace tg::core {
namespace {

using testing::b64;
using testing::forge;
using testing::forge_with_signature;
using testing::test_key;
using testing::verify;

// {"sub":"1","tenant":"company1","role":"admin","exp":4102444800}
const std::string kPayloadB64 = "eyJzdWIiOiIxIiwidGVuYW50IjoiY29tcGFueTEiLCJyb2xlIjoiYWRtaW4iLCJleHAiOjQxMDI0NDQ4MDB9";
const std::string kPayload = *base64url_decode(kPayloadB64);

// RFC 7515 A.1: HS256 key and token (header has "\r\n" inside: never re-serialize).
const std::string kA1Key = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const std::string kA1Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

Key a1_key() { return Key::from_material(Alg::HS256, R"({"kty":"oct","k":")" + kA1Key + R"("})"); }

std::string sig_of(const std::string& token) { return token.substr(token.rfind('.') + 1); }

TEST(Attacks, rejects_alg_none_any_case) {  // JWT-01
  const std::string valid = sign_token(test_key(Alg::HS256), std::string_view("k"), kPayload);
  for (const char* h : {"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0", "eyJhbGciOiJOb25lIiwidHlwIjoiSldUIn0",
                        "eyJhbGciOiJOT05FIiwidHlwIjoiSldUIn0", "eyJhbGciOiJuT25FIiwidHlwIjoiSldUIn0"}) {
    const std::string hp = std::string(h) + "." + kPayloadB64;
    EXPECT_REASON(parse_token(hp + "."), Reason::AlgorithmNotAllowed) << h;
    EXPECT_REASON(parse_token(hp), Reason::MalformedToken) << h;
    EXPECT_REASON(parse_token(hp + "." + sig_of(valid)), Reason::AlgorithmNotAllowed) << h;
    EXPECT_REASON(decode_token(hp + "."), Reason::AlgorithmNotAllowed) << h;
  }
  EXPECT_REASON(parse_token(b64(R"({"alg":"none","kid":"k"})") + "." + kPayloadB64 + "."), Reason::AlgorithmNotAllowed);
  EXPECT_REASON(verify(b64(R"({"alg":"none "})") + "." + kPayloadB64 + ".", test_key(Alg::HS256)),
                Reason::AlgorithmNotAllowed);
  EXPECT_REASON(parse_token(b64(R"({"alg":"none\u0000"})") + "." + kPayloadB64 + "."), Reason::MalformedToken);
  EXPECT_REASON(parse_token("eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxl"
                            "LmNvbS9pc19yb290Ijp0cnVlfQ."),
                Reason::AlgorithmNotAllowed);
  EXPECT_EQ(alg_from_name("none"), std::nullopt);  // no key can ever be bound to "none"
}

TEST(Attacks, rejects_public_key_used_as_hmac_secret) {  // JWT-02
  for (const Alg alg : {Alg::RS256, Alg::ES256, Alg::EdDSA}) {
    const Key& real = test_key(alg);
    const Key pub = Key::from_public_jwk(real.public_jwk_json("k"));
    const std::string jwk = real.public_jwk_json("k");
    const std::string spki = pub.to_storage();
    // Every byte form of the public key an implementation might use as the HMAC secret.
    for (const std::string& secret : {jwk, spki, jwk + "\n", std::string(64, 'x')}) {
      const Key hmac_key = Key::from_storage(Alg::HS256, secret);  // the attacker's own HMAC key
      const std::string forged = forge(hmac_key, R"({"alg":"HS256","kid":"k"})", kPayload);
      EXPECT_REASON(verify(forged, real), Reason::AlgorithmNotAllowed);
      EXPECT_REASON(verify(forged, pub), Reason::AlgorithmNotAllowed);
    }
    // The second path: the caller hands public key material to an HS* verifier.
    EXPECT_REASON(Key::from_material(Alg::HS256, jwk), Reason::InvalidKey);
    EXPECT_REASON(Key::from_material(Alg::HS256, spki), Reason::InvalidKey);
  }
}

TEST(Attacks, requires_the_exact_alg_of_the_key) {  // JWT-03
  const Key& rs = test_key(Alg::RS256);
  for (const char* alg : {"rs256", "Rs256", "RS256 ", " RS256", "RS384", "PS256", "HS256", "ES256", "EdDSA", "RS"}) {
    const std::string token = forge(rs, std::string(R"({"alg":")") + alg + R"("})", kPayload);
    EXPECT_REASON(verify(token, rs), Reason::AlgorithmNotAllowed) << alg;
  }
  for (const char* alg : {R"("HS256\u0000")", R"(["RS256"])", "256", "null", "true", "{}"}) {
    EXPECT_REASON(parse_token(forge(rs, std::string(R"({"alg":)") + alg + "}", kPayload)), Reason::MalformedToken);
  }
  EXPECT_REASON(parse_token(forge(rs, R"({"typ":"JWT"})", kPayload)), Reason::MalformedToken);
  EXPECT_REASON(verify(forge(test_key(Alg::ES256), R"({"alg":"ES384"})", kPayload), test_key(Alg::ES256)),
                Reason::AlgorithmNotAllowed);
  // An alg-less JWK is bound to the alg its kty/crv imply, and only to that one.
  std::string bare = test_key(Alg::RS256).public_jwk_json("k");
  bare.erase(bare.find(R"("alg":"RS256",)"), 14);
  const Key derived = Key::from_public_jwk(bare);
  EXPECT_EQ(derived.alg(), Alg::RS256);
  EXPECT_REASON(verify(sign_token(test_key(Alg::PS256), std::nullopt, kPayload), derived), Reason::AlgorithmNotAllowed);
}

TEST(Attacks, rejects_missing_empty_and_truncated_signatures) {  // JWT-04
  const Key& key = test_key(Alg::HS256);
  const std::string token = sign_token(key, std::nullopt, kPayload);
  const std::string hp = token.substr(0, token.rfind('.'));
  const std::string mac = *base64url_decode(sig_of(token));
  EXPECT_REASON(verify(hp + ".", key), Reason::InvalidSignature);
  EXPECT_REASON(verify(hp, key), Reason::MalformedToken);
  for (const std::size_t len : {1, 16, 31}) {
    EXPECT_REASON(verify(hp + "." + b64(mac.substr(0, len)), key), Reason::InvalidSignature) << len;
  }
  EXPECT_REASON(verify(hp + "." + b64(mac + "x"), key), Reason::InvalidSignature);
  EXPECT_REASON(verify(token + ".", key), Reason::MalformedToken);
  EXPECT_REASON(verify(token + ".foo", key), Reason::MalformedToken);
  EXPECT_ACCEPTED(verify(token, key));
}

TEST(Attacks, rejects_cut_and_paste_signatures) {  // JWT-05
  const Key& key = test_key(Alg::HS256);
  const std::string t1 = sign_token(key, std::string_view("k"), kPayload);
  const std::string t2 = sign_token(key, std::string_view("k"), R"({"sub":"2","tenant":"company2","exp":4102444800})");
  EXPECT_REASON(verify(t1.substr(0, t1.rfind('.') + 1) + sig_of(t2), key), Reason::InvalidSignature);
  const std::string rs = sign_token(test_key(Alg::RS256), std::string_view("k"), kPayload);
  EXPECT_REASON(verify(t1.substr(0, t1.rfind('.') + 1) + sig_of(rs), key), Reason::InvalidSignature);
  EXPECT_REASON(verify(rs.substr(0, rs.rfind('.') + 1) + sig_of(t1), test_key(Alg::RS256)), Reason::InvalidSignature);
  const std::string header = b64(R"({"alg":"HS256","kid":"other"})");
  EXPECT_REASON(verify(header + t1.substr(t1.find('.')), key), Reason::InvalidSignature);
}

TEST(Attacks, never_uses_embedded_key_material) {  // JWT-10
  const Key attacker = Key::generate(Alg::ES256);
  const std::string attacker_jwk = attacker.public_jwk_json("kid-ec");
  for (const std::string& extra : {R"("jwk":)" + attacker_jwk, std::string(R"("jku":"http://127.0.0.1:9/jwks.json")"),
                                   std::string(R"("x5u":"http://127.0.0.1:9/c.pem")"), std::string(R"("x5c":["MIIB"])"),
                                   std::string(R"("x5t#S256":"AAAA")")}) {
    const std::string token = forge(attacker, R"({"alg":"ES256","kid":"kid-ec",)" + extra + "}", kPayload);
    EXPECT_REASON(verify(token, test_key(Alg::ES256)), Reason::InvalidSignature) << extra;
  }
}

TEST(Attacks, rejects_every_crit_header) {  // JWT-11
  const Key& key = test_key(Alg::HS256);
  for (const char* h :
       {R"({"alg":"HS256","crit":["bork"],"bork":1})", R"({"alg":"HS256","crit":["cnf"],"cnf":{}})",
        R"({"alg":"HS256","crit":[]})", R"({"alg":"HS256","crit":["alg"]})", R"({"alg":"HS256","crit":["exp"]})",
        R"({"alg":"HS256","crit":"b64"})", R"({"alg":"HS256","crit":["x","x"]})", R"({"alg":"HS256","crit":null})"}) {
    EXPECT_REASON(verify(forge(key, h, kPayload), key), Reason::MalformedToken) << h;
  }
}

TEST(Attacks, signature_is_checked_before_crit) {  // JWT-39: a forged token is "invalid signature"
  const Key& key = test_key(Alg::HS256);
  const Key other = Key::from_material(Alg::HS256, "another-secret-another-secret-0123");
  for (const char* h : {R"({"alg":"HS256","crit":["exp"],"exp":1})", R"({"alg":"HS256","crit":["bork"],"bork":1})"}) {
    EXPECT_REASON(verify(forge(other, h, kPayload), key), Reason::InvalidSignature) << h;
    EXPECT_REASON(verify(forge(key, h, kPayload), key), Reason::MalformedToken) << h;
  }
}

TEST(Attacks, rejects_b64_false_unencoded_payloads) {  // JWT-12
  const Key key = a1_key();
  // RFC 7797 §4.2 exactly as published (the payload "$.02" itself contains a dot).
  EXPECT_REASON(
      verify(
          "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19.$.02.A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY",
          key),
      Reason::MalformedToken);
  EXPECT_REASON(verify("eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2V9.$.02.GsyM6AQJbQHY8aQKCbZSPJHzMRWo3HKIlcDuXof7nqs", key),
                Reason::MalformedToken);
  // Properly signed over base64url payloads: the b64 member alone is enough to refuse.
  EXPECT_REASON(verify(forge(key, R"({"alg":"HS256","b64":false,"crit":["b64"]})", kPayload), key),
                Reason::MalformedToken);
  EXPECT_REASON(verify(forge(key, R"({"alg":"HS256","b64":false})", kPayload), key), Reason::MalformedToken);
  const std::string raw = b64(R"({"alg":"HS256","b64":false,"crit":["b64"]})") + R"(.{"tenant":"company2"})";
  EXPECT_REASON(verify(raw + "." + b64(key.sign(raw)), key), Reason::MalformedToken);
  // RFC 7797 §4.1 (b64 true): an ordinary JWS whose payload "$.02" is not JSON.
  EXPECT_ACCEPTED(
      verify_compact_signature_only("eyJhbGciOiJIUzI1NiJ9.JC4wMg.5mvfOroL-g7HyqJoozehmsaqmvTYGEq5jTI1gVvoEoQ", key));
}

TEST(Attacks, rejects_psychic_ecdsa_signatures) {  // JWT-13
  for (const auto& entry : {std::pair{Alg::ES256, 64}, {Alg::ES384, 96}, {Alg::ES512, 132}}) {
    const Alg alg = entry.first;  // structured bindings cannot be captured by lambdas in C++17
    const int size = entry.second;
    const std::string header = std::string(R"({"alg":")") + alg_name(alg) + "\"}";
    const std::string token = forge_with_signature(header, kPayload, std::string(static_cast<std::size_t>(size), '\0'));
    EXPECT_REASON(verify(token, test_key(alg)), Reason::InvalidSignature) << alg_name(alg);
  }
  // The 86-character all-zero ES256 signature from the recipe.
  EXPECT_REASON(
      verify(b64(R"({"alg":"ES256"})") + "." + kPayloadB64 + "." + std::string(86, 'A'), test_key(Alg::ES256)),
      Reason::InvalidSignature);
}

TEST(Attacks, rejects_ecdsa_signatures_of_the_wrong_encoding_or_length) {  // JWT-14
  const Key& key = test_key(Alg::ES256);
  const std::string token = sign_token(key, std::nullopt, kPayload);
  const std::string hp = token.substr(0, token.rfind('.') + 1);
  const std::string sig = *base64url_decode(sig_of(token));
  ECDSA_SIG* es = ECDSA_SIG_new();
  ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(es, &der);
  const std::string der_sig(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_len));
  OPENSSL_free(der);
  ECDSA_SIG_free(es);
  for (const std::string& bad : {der_sig, sig.substr(1), std::string(1, '\0') + sig, sig + std::string(1, '\0'),
                                 sig + sig, std::string(129, '\x01')}) {
    EXPECT_REASON(verify(hp + b64(bad), key), Reason::InvalidSignature) << bad.size();
  }
  // A 16,000-byte signature makes the token exceed the default 16 KiB bound before decoding.
  EXPECT_REASON(verify(hp + b64(std::string(16000, '\x7f')), key), Reason::MalformedToken);
  TokenLimits big;
  big.max_token_bytes = 64 * 1024;
  const std::string huge = hp + std::string(21830, 'A');  // ~16 KB signature
  EXPECT_REASON(verify_signature(parse_token(huge, big), key), Reason::InvalidSignature);
}

TEST(Attacks, accepts_high_s_ecdsa_and_rejects_malleable_ed25519) {  // JWT-15
  // ECDSA: a second valid signature exists (n - s); JOSE accepts it, so callers must key
  // revocation on jti, never on the token string. Ed25519: S + L must be refused.
  const Key& es = test_key(Alg::ES256);
  const std::string token = sign_token(es, std::nullopt, kPayload);
  std::string sig = *base64url_decode(sig_of(token));
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr);
  BN_sub(s, EC_GROUP_get0_order(group), s);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(sig.data()) + 32, 32);
  const std::string mutated = token.substr(0, token.rfind('.') + 1) + b64(sig);
  EXPECT_NE(mutated, token);
  EXPECT_ACCEPTED(verify(mutated, es));
  BN_free(s);
  EC_GROUP_free(group);
  const Key& ed = test_key(Alg::EdDSA);
  const std::string et = sign_token(ed, std::nullopt, kPayload);
  std::string esig = *base64url_decode(sig_of(et));
  esig[63] = static_cast<char>(esig[63] | 0x20);  // S >= 2^253 > L
  EXPECT_REASON(verify(et.substr(0, et.rfind('.') + 1) + b64(esig), ed), Reason::InvalidSignature);
}

TEST(Attacks, rejects_invalid_curve_points_at_import) {  // JWT-16
  const std::string x = R"("x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY")";
  const std::string y = R"("y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw")";
  EXPECT_ACCEPTED(Key::from_public_jwk(R"({"kty":"EC","crv":"P-256",)" + x + "," + y + "}"));
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"EC","crv":"P-256",)" + x +
                                     R"(,"y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmx"})"),
                Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"EC","crv":"P-384","alg":"ES256",)" + x + "," + y + "}"),
                Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"EC","crv":"P-384",)" + x + "," + y + "}"), Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"RSA","alg":"ES256","crv":"P-256",)" + x + "," + y + "}"),
                Reason::InvalidKey);
  EXPECT_REASON(Key::from_public_jwk(R"({"kty":"EC","crv":"P-256","alg":"ES256K",)" + x + "," + y + "}"),
                Reason::InvalidKey);
  EXPECT_REASON(
      Key::from_public_jwk(R"({"kty":"OKP","crv":"Ed25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})"),
      Reason::InvalidKey);
  EXPECT_REASON(
      Key::from_public_jwk(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ"})"),
      Reason::InvalidKey);  // 31 bytes
}

TEST(Attacks, rejects_weak_rsa_keys) {  // JWT-17
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  EXPECT_REASON(Key::from_material(Alg::RS256, testing::pem_public(small)), Reason::InvalidKey);
  EVP_PKEY_free(small);
  std::string jwk = test_key(Alg::RS256).public_jwk_json("k");
  const auto e = jwk.find(R"("e":"AQAB")");
  for (const char* weak : {R"("e":"AQ")", R"("e":"Aw")", R"("e":"AQAA")"}) {
    std::string bad = jwk;
    bad.replace(e, 10, weak);
    EXPECT_REASON(Key::from_public_jwk(bad), Reason::InvalidKey) << weak;
  }
}

TEST(Attacks, rejects_ps_rs_confusion) {  // JWT-18
  const Key& ps512 = test_key(Alg::PS512);
  const std::string pem_free_jwk = ps512.public_jwk_json("k");
  for (const Alg alg : {Alg::RS256, Alg::RS384, Alg::RS512, Alg::PS256, Alg::PS384}) {
    const std::string header = std::string(R"({"alg":")") + alg_name(alg) + "\"}";
    const std::string token = b64(header) + "." + kPayloadB64 + "." + b64(ps512.sign(b64(header) + "." + kPayloadB64));
    EXPECT_REASON(verify(token, ps512), Reason::AlgorithmNotAllowed) << alg_name(alg);
  }
  // Header says PS512 but the bytes are an RS512 signature by the same RSA key.
  const Key rs512 = Key::from_storage(Alg::RS512, ps512.to_storage());
  const std::string input = b64(R"({"alg":"PS512"})") + "." + kPayloadB64;
  EXPECT_REASON(verify(input + "." + b64(rs512.sign(input)), ps512), Reason::InvalidSignature);
  EXPECT_ACCEPTED(verify(input + "." + b64(ps512.sign(input)), ps512));
}

TEST(Attacks, rejects_short_and_empty_hmac_secrets) {  // JWT-19
  for (const auto& entry : {std::pair{Alg::HS256, 32}, {Alg::HS384, 48}, {Alg::HS512, 64}}) {
    const Alg alg = entry.first;
    const int min = entry.second;
    EXPECT_REASON(Key::from_material(alg, ""), Reason::InvalidKey);
    EXPECT_REASON(Key::from_material(alg, std::string(static_cast<std::size_t>(min - 1), 'a')), Reason::InvalidKey);
    EXPECT_REASON(Key::from_storage(alg, ""), Reason::InvalidKey);
    EXPECT_ACCEPTED(Key::from_material(alg, std::string(static_cast<std::size_t>(min), 'a')));
  }
}

TEST(Attacks, jwks_import_refuses_secrets_duplicates_and_non_signature_keys) {  // JWT-20
  const std::string ec = test_key(Alg::ES256).public_jwk_json("ec");
  const std::string oct = R"({"kty":"oct","kid":"o","alg":"HS256","k":")" + b64(std::string(32, 'k')) + R"("})";
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + oct + "]}"), Reason::InvalidKey);
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + ec + "," + oct + "]}"), Reason::InvalidKey);
  EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + ec + "," + ec + "]}"), Reason::InvalidKey);
  std::string rsa_priv = test_key(Alg::RS256).public_jwk_json("r");
  rsa_priv.insert(rsa_priv.size() - 1, R"(,"d":"AQAB","p":"AQAB","q":"AQAB","dp":"AQAB","dq":"AQAB","qi":"AQAB")");
  const auto keys = import_jwks_keys(R"({"keys":[)" + rsa_priv + "]}");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_FALSE(keys[0].key.can_sign());  // private members dropped
  EXPECT_EQ(keys[0].key.public_jwk_json("r").find("\"d\""), std::string::npos);
  std::string use_enc = ec, ops_enc = ec, rsa15 = test_key(Alg::RS256).public_jwk_json("r");
  use_enc.replace(use_enc.find(R"("use":"sig")"), 11, R"("use":"enc")");
  ops_enc.insert(1, R"("key_ops":["encrypt"],)");
  rsa15.replace(rsa15.find(R"("alg":"RS256")"), 13, R"("alg":"RSA1_5")");
  for (const std::string& bad : {use_enc, ops_enc, rsa15}) {
    EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + bad + "]}"), Reason::InvalidKey) << bad;
  }
  for (const char* aes : {"A256GCM", "A256KW"}) {
    const std::string k =
        std::string(R"({"kty":"oct","kid":"a","alg":")") + aes + R"(","k":")" + b64(std::string(32, 'k')) + "\"}";
    EXPECT_REASON(import_jwks_keys(R"({"keys":[)" + k + "]}", true), Reason::InvalidKey) << aes;
  }
}

TEST(Attacks, rejects_non_canonical_base64url) {  // JWT-21
  const Key key = a1_key();
  EXPECT_ACCEPTED(verify_compact_signature_only(kA1Token, key));
  const auto dot1 = kA1Token.find('.'), dot2 = kA1Token.rfind('.');
  const std::string h = kA1Token.substr(0, dot1), p = kA1Token.substr(dot1 + 1, dot2 - dot1 - 1), s = sig_of(kA1Token);
  std::vector<std::string> bad = {h + "=." + p + "." + s,
                                  h + "." + p + "==." + s,
                                  h + "." + p + "." + s + "=",
                                  " " + kA1Token,
                                  kA1Token + " ",
                                  kA1Token + "\n",
                                  h + ".\t" + p + "." + s,
                                  h + "." + p + "." + s.substr(0, 20) + "\r\n" + s.substr(20),
                                  h + "?." + p + "." + s,
                                  h + "." + p + "#." + s,
                                  h + "%2E" + p + "." + s,
                                  h + "." + p + "." + s + "AA"};
  for (const char last : {'l', 'm', 'n'}) bad.push_back(h + "." + p + "." + s.substr(0, s.size() - 1) + last);
  std::string plus = kA1Token;
  for (char& c : plus) c = c == '-' ? '+' : c == '_' ? '/' : c;
  bad.push_back(plus);
  for (const std::string& t : bad) {
    EXPECT_REASON(verify_compact_signature_only(t, key), Reason::MalformedToken) << t;
  }
}

TEST(Attacks, rejects_duplicate_json_members) {  // JWT-22
  const Key& key = test_key(Alg::HS256);
  EXPECT_REASON(parse_token("eyJhbGciOiJIUzI1NiIsImFsZyI6Im5vbmUifQ." + kPayloadB64 + ".AAAA"), Reason::MalformedToken);
  for (const char* h : {R"({"alg":"none","alg":"HS256"})", R"({"alg":"HS256","kid":"a","kid":"b"})",
                        R"({"alg":"HS256","typ":"JWT","typ":"at+jwt"})", R"({"alg":"HS256","\u0061lg":"HS256"})"}) {
    EXPECT_REASON(verify(forge(key, h, kPayload), key), Reason::MalformedToken) << h;
  }
  EXPECT_REASON(
      parse_token(b64(R"({"alg":"HS256"})") +
                  ".eyJzdWIiOiJ1MSIsInRlbmFudCI6ImNvbXBhbnkxIiwidGVuYW50IjoiY29tcGFueTIiLCJleHAiOjQxMDI0NDQ4MDB9.AA"),
      Reason::MalformedToken);
  for (const char* p :
       {R"({"tenant":"company1","\u0074enant":"company2","exp":4102444800})", R"({"exp":1,"exp":4102444800})",
        R"({"role":"staff","role":"admin","exp":4102444800})", R"({"jti":"a","jti":"b","exp":4102444800})"}) {
    EXPECT_REASON(verify(forge(key, R"({"alg":"HS256"})", p), key), Reason::MalformedToken) << p;
  }
}

TEST(Attacks, rejects_non_strict_json_and_utf8) {  // JWT-23
  const Key& key = test_key(Alg::HS256);
  for (const std::string& p : {std::string("0"),
                               std::string("[]"),
                               std::string("\"x\""),
                               std::string("null"),
                               std::string(R"({"a":1}x)"),
                               std::string(R"({"a":1}{"b":2})"),
                               std::string("\xef\xbb\xbf{}"),
                               std::string("/* */{}"),
                               std::string(R"({"exp":NaN})"),
                               std::string(R"({"exp":Infinity})"),
                               std::string("{'a':1}"),
                               std::string(R"({"a":1,})"),
                               std::string(R"({"exp":01})"),
                               std::string(R"({"a":"\x41"})"),
                               std::string(R"({"a":"\ud800"})"),
                               std::string("{\"a\":\"\xc0\xaf\"}"),
                               std::string("{\"a\":\"\xff\xfe\"}"),
                               std::string("{\"a\":\"\xf8\x88\x80\x80\x80\"}"),
                               std::string(R"({"a":"\u0000"})"),
                               std::string(R"({"\u0000":1})")}) {
    EXPECT_REASON(verify(forge(key, R"({"alg":"HS256"})", p), key), Reason::MalformedToken) << p;
  }
  EXPECT_REASON(verify(forge(key, R"(["HS256"])", kPayload), key), Reason::MalformedToken);
}

// Which guard refused `call`: the detail of the Error it threw ("" when it threw none).
template <class Call>
std::string refusal_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.detail();
  }
  return "";
}

// Each hostile shape is stopped by the guard meant for it — the size limit before any decoding,
// the depth limit before the recursion goes deeper, sorting for wide objects — which bounds the
// work; the bound is asserted as counted work (name comparisons), never as time.
TEST(Attacks, survives_oversize_and_deep_nesting_by_the_guard_meant_for_each) {  // JWT-24
  const Key& key = test_key(Alg::HS256);
  EXPECT_REASON(parse_token(std::string(1 << 20, 'a')), Reason::MalformedToken);
  EXPECT_REASON(parse_token(std::string(16 << 20, 'a')), Reason::MalformedToken);
  EXPECT_REASON(parse_token(std::string(1000000, '.')), Reason::MalformedToken);
  EXPECT_EQ(refusal_of([] { parse_token(std::string(16 << 20, 'a')); }), "token too large");
  EXPECT_EQ(refusal_of([] { parse_token(std::string(1000000, '.')); }), "token too large");
  // Past the size limit, the parser itself still holds: raise the limit to reach it.
  TokenLimits huge;
  huge.max_token_bytes = 64u << 20;
  const std::string h = b64(R"({"alg":"HS256"})");
  const std::string deep_payload = h + "." + b64("{\"a\":" + std::string(100000, '[')) + ".AA";
  EXPECT_REASON(parse_token(deep_payload, huge), Reason::MalformedToken);
  EXPECT_EQ(refusal_of([&] { parse_token(deep_payload, huge); }), "nesting too deep");
  std::string deep_header;
  for (int i = 0; i < 100000; ++i) deep_header += "{\"a\":";
  const std::string deep_header_token = b64(deep_header) + "." + kPayloadB64 + ".AA";
  EXPECT_REASON(parse_token(deep_header_token, huge), Reason::MalformedToken);
  EXPECT_EQ(refusal_of([&] { parse_token(deep_header_token, huge); }), "nesting too deep");
  constexpr std::uint64_t kMembers = 200000;
  std::string members = "{";
  for (std::uint64_t i = 0; i < kMembers; ++i) members += (i ? ",\"m" : "\"m") + std::to_string(i) + "\":1";
  members += "}";
  const std::uint64_t compared_before = json::name_comparisons();
  EXPECT_REASON(verify_signature(parse_token(h + "." + b64(members) + ".AA", huge), key), Reason::InvalidSignature);
  EXPECT_LE(json::name_comparisons() - compared_before, 4 * kMembers * 18);  // n·log n, not n²/2
  const std::string long_string = "{\"a\":\"" + std::string(10u << 20, 'x') + "\"}";
  EXPECT_REASON(verify_signature(parse_token(h + "." + b64(long_string) + ".AA", huge), key), Reason::InvalidSignature);
  const std::string long_number = "{\"exp\":" + std::string(100000, '9') + "}";
  const ParsedToken t = parse_token(forge(key, R"({"alg":"HS256"})", long_number), huge);
  ClaimRules rules;
  rules.now = 1700000000;
  EXPECT_REASON(check_claims(t, rules), Reason::MalformedToken);  // +inf is not a NumericDate
}

TEST(Attacks, numeric_time_edge_cases) {  // JWT-25
  const Key& key = test_key(Alg::HS256);
  ClaimRules rules;
  rules.now = 1700000000;
  rules.leeway = 0;
  auto run = [&](const std::string& payload) {
    const std::string token = forge(key, R"({"alg":"HS256"})", payload);  // signing_input views it
    const ParsedToken t = parse_token(token);
    verify_signature(t, key);
    check_claims(t, rules);
  };
  EXPECT_ACCEPTED(run(R"({"exp":1700000060})"));
  EXPECT_ACCEPTED(run(R"({"exp":1700000060.9})"));
  EXPECT_REASON(run(R"({"exp":1700000000})"), Reason::TokenExpired);
  EXPECT_REASON(run(R"({"exp":-1})"), Reason::TokenExpired);
  EXPECT_REASON(run(R"({"exp":"1700000060"})"), Reason::MalformedToken);
  EXPECT_REASON(run(R"({"exp":1e400})"), Reason::MalformedToken);
  EXPECT_REASON(run(R"({"exp":-1e400})"), Reason::MalformedToken);
  EXPECT_REASON(run(R"({"sub":"no exp"})"), Reason::MalformedToken);
  EXPECT_REASON(run(R"({"exp":1800000000,"nbf":1700003600})"), Reason::TokenNotYetValid);
  EXPECT_REASON(run(R"({"exp":1800000000,"nbf":"0"})"), Reason::MalformedToken);
  EXPECT_REASON(run(R"({"exp":1800000000,"iat":1e400})"), Reason::MalformedToken);
}

// check_claims of an HS256 token whose payload is {"exp":1800000000,"<name>":<json>}.
void check_claim(const ClaimRules& rules, const std::string& name, const std::string& json) {
  check_claims(parse_token(forge(test_key(Alg::HS256), R"({"alg":"HS256"})",
                                 R"({"exp":1800000000,")" + name + "\":" + json + "}")),
               rules);
}

TEST(Attacks, audience_matches_string_or_array_element_exactly) {  // JWT-27
  ClaimRules rules;
  rules.now = 1700000000;
  rules.audience = "api";
  auto run = [&](const std::string& aud) { check_claim(rules, "aud", aud); };
  EXPECT_ACCEPTED(run(R"("api")"));
  EXPECT_ACCEPTED(run(R"(["other","api"])"));
  EXPECT_REASON(run("[]"), Reason::InvalidAudience);
  EXPECT_REASON(run(R"(["API"])"), Reason::InvalidAudience);
  EXPECT_REASON(run(R"("api ")"), Reason::InvalidAudience);
  EXPECT_REASON(run(R"({"0":"api"})"), Reason::InvalidAudience);
  EXPECT_REASON(run(R"(["api",5])"), Reason::MalformedToken);
}

TEST(Attacks, issuer_matches_byte_for_byte) {  // JWT-28
  ClaimRules rules;
  rules.now = 1700000000;
  rules.issuer = "https://idp.example.com/";
  auto run = [&](const std::string& iss) { check_claim(rules, "iss", iss); };
  EXPECT_ACCEPTED(run(R"("https://idp.example.com/")"));
  EXPECT_REASON(run(R"("https://idp.example.com")"), Reason::InvalidIssuer);
  EXPECT_REASON(run(R"("://idp.example")"), Reason::InvalidIssuer);
  EXPECT_REASON(run(R"("https://IDP.example.com/")"), Reason::InvalidIssuer);
  EXPECT_REASON(run(R"(["https://idp.example.com/"])"), Reason::MalformedToken);
  EXPECT_REASON(run("null"), Reason::MalformedToken);
}

TEST(Attacks, rejects_jwe_nested_tokens_and_json_serialization) {  // JWT-35
  const Key& key = test_key(Alg::HS256);
  EXPECT_REASON(parse_token("eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4R0NNIn0.AAAA.AAAA.AAAA.AAAA"), Reason::MalformedToken);
  EXPECT_REASON(parse_token(b64(R"({"alg":"dir","enc":"A128GCM"})") + "..AAAA.AAAA.AAAA"), Reason::MalformedToken);
  EXPECT_REASON(
      parse_token(R"({"payload":"Zm9v","signatures":[{"protected":"eyJhbGciOiJIUzI1NiJ9","signature":"AA"}]})"),
      Reason::MalformedToken);
  EXPECT_REASON(parse_token(R"({"protected":"eyJhbGciOiJIUzI1NiJ9","payload":"Zm9v","signature":"AA"})"),
                Reason::MalformedToken);
  const std::string inner = sign_token(Key::generate(Alg::HS256), std::nullopt, R"({"tenant":"company2"})");
  EXPECT_REASON(verify(forge(key, R"({"alg":"HS256","cty":"JWT"})", inner), key), Reason::MalformedToken);
  // python-jwt polyglot (CVE-2022-39227): a JSON object whose first member name is a token.
  const std::string valid = sign_token(key, std::nullopt, kPayload);
  EXPECT_REASON(verify(R"({" )" + valid + R"(":"","protected":"x","payload":"y","signature":"z"})", key),
                Reason::MalformedToken);
  EXPECT_REASON(verify(forge(key, R"({"alg":"HS256","zip":"DEF"})", kPayload), key), Reason::MalformedToken);
  EXPECT_REASON(verify(forge(key, R"({"alg":"HS256","enc":"A256GCM"})", kPayload), key), Reason::MalformedToken);
}

TEST(Attacks, rejects_nul_in_claims_and_keeps_lookalikes_byte_exact) {  // JWT-36
  const Key& key = test_key(Alg::HS256);
  for (const char* p : {R"({"sub":"victim\u0000x"})", R"({"tenant":"company1\u0000x"})", R"({"a\u0000b":1})"}) {
    EXPECT_REASON(verify(forge(key, R"({"alg":"HS256"})", p), key), Reason::MalformedToken) << p;
  }
  EXPECT_EQ(parse_token(forge(key, R"({"alg":"HS256"})", "{\"tenant\":\"c\xd0\xbempany1\"}")).tenant_hint,
            "c\xd0\xbempany1");
  EXPECT_EQ(parse_token(forge(key, R"({"alg":"HS256"})", R"({"tenant":"COMPANY1 "})")).tenant_hint, "COMPANY1 ");
}

TEST(Attacks, rejects_header_parameter_type_confusion) {  // JWT-40
  const Key& key = test_key(Alg::HS256);
  for (const char* h :
       {R"({"alg":"HS256","typ":123})", R"({"alg":"HS256","typ":["at+jwt"]})", R"({"alg":"HS256","kid":{"a":1}})",
        R"({"alg":"HS256","cty":null})", R"({"alg":{}})", R"({"alg":"HS256","crit":{}})", "[]", R"("string")", "{}"}) {
    EXPECT_REASON(verify(forge(key, h, kPayload), key), Reason::MalformedToken) << h;
  }
  std::string many = R"({"alg":"HS256")";
  for (int i = 0; i < 1000; ++i) many += ",\"x" + std::to_string(i) + "\":1";
  many += "}";
  EXPECT_ACCEPTED(verify(forge(key, many, kPayload), key));  // unknown members are ignored
}

TEST(Attacks, eddsa_specifics) {  // JWT-41
  const Key key =
      Key::from_public_jwk(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  const std::string a4 =
      "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-"
      "09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
  EXPECT_ACCEPTED(verify_compact_signature_only(a4, key));
  EXPECT_REASON(parse_token(a4), Reason::MalformedToken);  // payload is not JSON
  const std::string as_ed25519 = b64(R"({"alg":"Ed25519"})") + a4.substr(a4.find('.'));
  EXPECT_REASON(verify_compact_signature_only(as_ed25519, key), Reason::AlgorithmNotAllowed);
  std::string tampered = a4;
  tampered[a4.find('.') + 2] = 'Y';
  EXPECT_REASON(verify_compact_signature_only(tampered, key), Reason::InvalidSignature);
}

TEST(Attacks, error_texts_never_echo_input) {  // JWT-38 at the core layer
  const std::string secret_marker = "SECRETMARKER";
  const std::string token = b64(R"({"alg":"HS256","kid":")" + secret_marker + "\"}") + "." +
                            b64("{\"x\":\"" + secret_marker + "\"}") + ".AAAA";
  for (const auto& fn : std::vector<std::function<void()>>{
           [&] { verify(token, test_key(Alg::HS256)); }, [&] { parse_token(token + "."); },
           [&] { Key::from_material(Alg::HS256, secret_marker); },
           [&] { Key::from_public_jwk("{\"kty\":\"" + secret_marker + "\"}"); }}) {
    try {
      fn();
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find(secret_marker), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("AAAA"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tg::core
