// RFC 7520 (JOSE cookbook) JWS examples, RFC 8037 A.4 (Ed25519) and RFC 7797 (b64:false).
#include <gtest/gtest.h>

#include "test_jose_util.hpp"
#include "test_vectors_util.hpp"

namespace tg::core {
namespace {

using testing::load_vectors;

struct Case {
  const char* file;
  bool reproducible;  // deterministic algorithms: our signer must produce the same bytes
};

TEST(VectorsCookbook, signatures_verify_and_deterministic_ones_reproduce) {
  for (const Case c : {Case{"jose-cookbook/jws/4_1.rsa_v15_signature.json", true},
                       Case{"jose-cookbook/jws/4_2.rsa-pss_signature.json", false},
                       Case{"jose-cookbook/jws/4_3.ecdsa_signature.json", false},
                       Case{"jose-cookbook/jws/4_4.hmac-sha2_integrity_protection.json", true},
                       Case{"jose-cookbook/curve25519/jws.json", true}}) {
    SCOPED_TRACE(c.file);
    const nlohmann::json v = load_vectors(c.file);
    const auto alg = alg_from_name(v["input"]["alg"].get<std::string>());
    ASSERT_TRUE(alg);
    const std::string key_json = v["input"]["key"].dump();
    const Key signer = Key::from_material(*alg, key_json);  // private JWK (or oct secret)
    const std::string compact = v["output"]["compact"];
    EXPECT_ACCEPTED(verify_compact_signature_only(compact, signer));
    if (!alg_is_hmac(*alg)) {
      // The cookbook RSA keys carry no "alg" (an alg-less RSA JWK means RS256): name it.
      nlohmann::json with_alg = v["input"]["key"];
      with_alg["alg"] = v["input"]["alg"];
      const Key pub = Key::from_public_jwk(with_alg.dump());  // private members dropped
      EXPECT_FALSE(pub.can_sign());
      EXPECT_EQ(pub.alg(), *alg);
      EXPECT_ACCEPTED(verify_compact_signature_only(compact, pub));
    }
    const std::string input = v["signing"]["sig-input"];
    const std::string sig = v["signing"]["sig"];
    EXPECT_EQ(compact, input + "." + sig);
    if (c.reproducible) {
      EXPECT_EQ(base64url_encode(signer.sign(input)), sig);
    } else {
      EXPECT_TRUE(signer.verify(input, signer.sign(input)));
    }
    // The payload is prose, not a JSON object: the token layer calls it malformed.
    EXPECT_REASON(parse_token(compact), Reason::MalformedToken);
    // The JSON serializations of the same signature are not compact JWS.
    EXPECT_REASON(parse_token(v["output"]["json"].dump()), Reason::MalformedToken);
    EXPECT_REASON(parse_token(v["output"]["json_flat"].dump()), Reason::MalformedToken);
    // And a flipped signature byte is caught.
    std::string bad = compact;
    bad[bad.size() - 5] = bad[bad.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_REASON(verify_compact_signature_only(bad, signer), Reason::InvalidSignature);
  }
}

TEST(VectorsCookbook, cookbook_keys_export_the_same_public_jwk) {
  const nlohmann::json v = load_vectors("jose-cookbook/jws/4_3.ecdsa_signature.json");
  const nlohmann::json key = v["input"]["key"];
  const nlohmann::json out = nlohmann::json::parse(Key::from_public_jwk(key.dump()).public_jwk_json("k"));
  EXPECT_EQ(out["x"], key["x"]);  // P-521 x starts with a zero octet: full size kept
  EXPECT_EQ(out["y"], key["y"]);
  EXPECT_EQ(out["crv"], "P-521");
  EXPECT_EQ(out["alg"], "ES512");
}

TEST(VectorsCookbook, rfc7797_unencoded_payloads_are_rejected) {
  const nlohmann::json v = load_vectors("jose-cookbook/rfc7797/4.2.hmac-sha2_b64_false.json");
  const Key key = Key::from_material(Alg::HS256, v["input"]["key"].dump());
  const std::string input = v["signing"]["sig-input"];
  const std::string sig = v["signing"]["sig"];
  // The MAC is right (so only our b64 rule can be what refuses it)...
  EXPECT_EQ(base64url_encode(key.sign(input)), sig);
  // ...yet neither the file's compact form nor RFC 7797 §4.2's (with crit) is accepted.
  EXPECT_REASON(verify_compact_signature_only(input + "." + sig, key), Reason::MalformedToken);
  const std::string with_crit = testing::b64(R"({"alg":"HS256","b64":false,"crit":["b64"]})");
  EXPECT_REASON(verify_compact_signature_only(with_crit + ".$.02.A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY", key),
                Reason::MalformedToken);
  const std::string encoded = v["signing"]["protected_b64u"].get<std::string>() + "." + testing::b64("$.02");
  EXPECT_REASON(verify_compact_signature_only(encoded + "." + testing::b64(key.sign(encoded)), key),
                Reason::MalformedToken);
  EXPECT_REASON(parse_token(v["output"]["json"].dump()), Reason::MalformedToken);
  EXPECT_REASON(parse_token(v["output"]["json_flat"].dump()), Reason::MalformedToken);
}

}  // namespace
}  // namespace tg::core
