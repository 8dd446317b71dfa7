// Compact JWS structure: size, segments, header rules, payload rules, decode_token.
#include "core/jws_internal.hpp"
#include "test_jose_util.hpp"

namespace tg::core {
namespace {

using testing::b64;
using testing::forge;
using testing::test_key;

const std::string kPayload = std::string("{\"sub\":\"1\",\"tenant\":\"company1\",\"exp\":") + testing::kFarFuture + "}";

std::string hs_token(std::string_view header, std::string_view payload = kPayload) {
  return forge(test_key(Alg::HS256), header, payload);
}

TEST(JwsStructure, parses_a_well_formed_token) {
  const std::string token = hs_token(R"({"alg":"HS256","typ":"JWT","kid":"k1"})");
  const ParsedToken t = parse_token(token);
  EXPECT_EQ(t.header->alg, Alg::HS256);
  EXPECT_EQ(t.header->alg_name, "HS256");
  EXPECT_EQ(t.header->kid, "k1");
  EXPECT_EQ(t.header->typ, "JWT");
  EXPECT_EQ(t.tenant_hint, "company1");
  EXPECT_EQ(t.header_json(), R"({"alg":"HS256","typ":"JWT","kid":"k1"})");
  EXPECT_EQ(t.payload_json(), kPayload);
  EXPECT_EQ(t.signing_input, token.substr(0, token.rfind('.')));
  EXPECT_EQ(t.signature.size(), 32u);
  EXPECT_ACCEPTED(verify_signature(t, test_key(Alg::HS256)));
}

TEST(JwsStructure, checks_size_before_anything_else) {
  TokenLimits limits;
  limits.max_token_bytes = 64;
  try {
    parse_token(std::string(65, '.'), limits);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.reason(), Reason::MalformedToken);
    EXPECT_EQ(e.detail(), "token too large");
  }
  EXPECT_REASON(parse_token(std::string(1 << 20, 'A')), Reason::MalformedToken);
  EXPECT_REASON(decode_token(std::string(1 << 20, 'A')), Reason::MalformedToken);
}

TEST(JwsStructure, rejects_wrong_segment_counts_and_empty_segments) {
  const std::string token = hs_token(R"({"alg":"HS256"})");
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  const std::string h = token.substr(0, dot1), p = token.substr(dot1 + 1, dot2 - dot1 - 1), s = token.substr(dot2 + 1);
  for (const std::string& bad : {std::string(), std::string("."), std::string(".."), std::string("..."), h, h + "." + p,
                                 h + ".." + s, "." + p + "." + s, p + "." + s, "." + p + ".", token + ".",
                                 token + ".foo", h + "." + p + "." + s + "." + s + "." + s}) {
    EXPECT_REASON(parse_token(bad), Reason::MalformedToken) << bad;
    EXPECT_REASON(decode_token(bad), Reason::MalformedToken) << bad;
  }
  // An empty third segment is structurally fine; it just never verifies.
  EXPECT_REASON(testing::verify(h + "." + p + ".", test_key(Alg::HS256)), Reason::InvalidSignature);
}

TEST(JwsStructure, enforces_header_member_types) {
  EXPECT_REASON(parse_token(hs_token(R"({"typ":"JWT"})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":null})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":["HS256"]})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":256})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":{}})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":"HS256","kid":{"a":1}})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":"HS256","kid":123})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":"HS256","typ":123})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":"HS256","typ":["at+jwt"]})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":"HS256","cty":null})")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"(["HS256"])")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"("HS256")")), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({})")), Reason::MalformedToken);
}

TEST(JwsStructure, refuses_extensions_compression_encryption_and_nesting) {
  // "crit": refused by verify_signature after the signature (JWT-39) and by decode_token at once.
  for (const char* header :
       {R"({"alg":"HS256","crit":["bork"],"bork":1})", R"({"alg":"HS256","crit":[]})",
        R"({"alg":"HS256","crit":["alg"]})", R"({"alg":"HS256","crit":"b64"})", R"({"alg":"HS256","crit":{}})"}) {
    EXPECT_TRUE(parse_token(hs_token(header)).header->has_crit) << header;
    EXPECT_REASON(testing::verify(hs_token(header), test_key(Alg::HS256)), Reason::MalformedToken) << header;
    EXPECT_REASON(decode_token(hs_token(header)), Reason::MalformedToken) << header;
  }
  for (const char* header :
       {R"({"alg":"HS256","b64":true})", R"({"alg":"HS256","zip":"DEF"})", R"({"alg":"HS256","enc":"A128GCM"})",
        R"({"alg":"HS256","cty":"JWT"})", R"({"alg":"HS256","cty":"jwt"})"}) {
    EXPECT_REASON(parse_token(hs_token(header)), Reason::MalformedToken) << header;
    EXPECT_REASON(decode_token(hs_token(header)), Reason::MalformedToken) << header;
  }
  EXPECT_ACCEPTED(testing::verify(hs_token(R"({"alg":"HS256","cty":"json"})"), test_key(Alg::HS256)));
}

TEST(JwsStructure, unknown_alg_is_kept_by_name_and_refused_at_verification) {
  const ParsedToken t = parse_token(hs_token(R"({"alg":"hs256"})"));
  EXPECT_EQ(t.header->alg, std::nullopt);
  EXPECT_EQ(t.header->alg_name, "hs256");
  EXPECT_REASON(verify_signature(t, test_key(Alg::HS256)), Reason::AlgorithmNotAllowed);
}

TEST(JwsStructure, payload_must_be_a_json_object) {
  for (const char* payload : {"0", "1", "-1", "true", "false", "null", "[]", "\"\"", "\"x\"", "foo", ""}) {
    const std::string token = b64(R"({"alg":"HS256"})") + "." + b64(payload) + ".AAAA";
    EXPECT_REASON(parse_token(token), Reason::MalformedToken) << payload;
    EXPECT_REASON(decode_token(token), Reason::MalformedToken) << payload;
  }
}

TEST(JwsStructure, tenant_hint_only_from_a_string) {
  EXPECT_EQ(parse_token(hs_token(R"({"alg":"HS256"})", R"({"tenant":5})")).tenant_hint, std::nullopt);
  EXPECT_EQ(parse_token(hs_token(R"({"alg":"HS256"})", R"({"sub":"x"})")).tenant_hint, std::nullopt);
  EXPECT_EQ(parse_token(hs_token(R"({"alg":"HS256"})", R"({"tenant":"a\"b"})")).tenant_hint, "a\"b");
}

TEST(JwsStructure, depth_limit_applies_to_header_and_payload) {
  TokenLimits limits;
  limits.max_json_depth = 3;
  EXPECT_ACCEPTED(parse_token(hs_token(R"({"alg":"HS256"})", R"({"a":[{}]})"), limits));
  EXPECT_REASON(parse_token(hs_token(R"({"alg":"HS256"})", R"({"a":[[{}]]})"), limits), Reason::MalformedToken);
  EXPECT_REASON(parse_token(hs_token(R"({"alg":"HS256","x":[[[]]]})"), limits), Reason::MalformedToken);
}

TEST(JwsStructure, decode_token_returns_header_and_payload_without_verifying) {
  const std::string token =
      b64("{\"alg\":\"RS256\",\r\n \"kid\":\"k\"}") + "." + b64(R"({"sub" : "x", "n": 1.50})") + ".not-a-signature";
  EXPECT_EQ(decode_token(token), R"({"header":{"alg":"RS256","kid":"k"},"payload":{"sub":"x","n":1.50}})");
  EXPECT_EQ(decode_token(b64(R"({"alg":"HS256"})") + "." + b64("{}") + "."),
            R"({"header":{"alg":"HS256"},"payload":{}})");
  EXPECT_REASON(decode_token(b64(R"({"alg":"none"})") + "." + b64("{}") + "."), Reason::AlgorithmNotAllowed);
}

TEST(JwsStructure, sign_token_builds_the_documented_header) {
  const Key& key = test_key(Alg::ES256);
  const std::string token = sign_token(key, std::string_view("kid-1"), R"({"sub":"u"})", "at+jwt");
  const ParsedToken t = parse_token(token);
  EXPECT_EQ(t.header_json(), R"({"alg":"ES256","typ":"at+jwt","kid":"kid-1"})");
  EXPECT_EQ(t.payload_json(), R"({"sub":"u"})");
  EXPECT_ACCEPTED(verify_signature(t, key));
  EXPECT_EQ(parse_token(sign_token(key, std::nullopt, "{}")).header_json(), R"({"alg":"ES256","typ":"JWT"})");
  EXPECT_REASON(sign_token(key, std::nullopt, "[]"), Reason::MalformedToken);
  EXPECT_REASON(sign_token(key, std::nullopt, R"({"a":1,"a":2})"), Reason::MalformedToken);
  EXPECT_REASON(sign_token(key, std::string_view("bad\xff"), "{}"), Reason::InvalidParameter);
  const Key pub = Key::from_public_jwk(key.public_jwk_json("k"));
  EXPECT_REASON(sign_token(pub, std::nullopt, "{}"), Reason::InvalidKey);
}

TEST(JwsStructure, signature_only_check_skips_the_payload_json_rule) {
  const Key& key = test_key(Alg::HS256);
  const std::string token = forge(key, R"({"alg":"HS256"})", "foo");
  EXPECT_REASON(parse_token(token), Reason::MalformedToken);
  EXPECT_ACCEPTED(verify_compact_signature_only(token, key));
  EXPECT_REASON(verify_compact_signature_only(token + "=", key), Reason::MalformedToken);
  EXPECT_REASON(
      verify_compact_signature_only(
          forge(key, R"({"alg":"HS256"})", "fop").substr(0, token.size() - 2) + token.substr(token.size() - 2), key),
      Reason::InvalidSignature);
}

// Tokens with byte-identical header segments share one parsed header; anything else about the
// token is still checked per token, and a header is only reused for the same bytes and depth.
TEST(JwsStructure, identical_header_segments_share_one_parse) {
  const std::string header = R"({"alg":"HS256","typ":"JWT","kid":"shared-header"})";
  const ParsedToken a = parse_token(hs_token(header));
  const ParsedToken b = parse_token(hs_token(header, R"({"sub":"2","exp":4102444800})"));
  EXPECT_EQ(a.header.get(), b.header.get());
  EXPECT_EQ(b.header->kid, "shared-header");
  EXPECT_EQ(b.payload_json(), R"({"sub":"2","exp":4102444800})");
  // a bad payload or signature under a cached header is still refused, with the same reasons
  EXPECT_REASON(parse_token(hs_token(header, R"({"a":1,"a":2})")), Reason::MalformedToken);
  const std::string good = hs_token(header);
  EXPECT_REASON(parse_token(good + "="), Reason::MalformedToken);
  EXPECT_REASON(verify_signature(parse_token(hs_token(header) + ""), test_key(Alg::HS512)),
                Reason::AlgorithmNotAllowed);
  // same bytes under a smaller depth bound: parsed (and refused) again, never taken from the cache
  const std::string nested = R"({"alg":"HS256","x":{"y":{"z":1}}})";
  EXPECT_NO_THROW(parse_token(hs_token(nested)));
  TokenLimits shallow;
  shallow.max_json_depth = 2;
  EXPECT_REASON(parse_token(hs_token(nested), shallow), Reason::MalformedToken);
  // a refused header is not remembered: it is refused the same way every time
  for (int i = 0; i < 3; ++i) EXPECT_REASON(parse_token(hs_token(R"({"alg":"none"})")), Reason::AlgorithmNotAllowed);
  // more distinct headers than the cache holds: every token still gets its own header's kid
  for (int i = 0; i < 40; ++i) {
    const std::string kid = "k" + std::to_string(i % 20);
    EXPECT_EQ(parse_token(hs_token(R"({"alg":"HS256","kid":")" + kid + "\"}")).header->kid, kid);
  }
}

TEST(JwsStructure, signatures_of_every_size_decode_in_place_or_on_the_heap) {
  for (Alg alg : testing::kAllAlgs) {
    const Key& key = test_key(alg);
    const std::string token = sign_token(key, "k", kPayload);
    const ParsedToken t = parse_token(token);
    EXPECT_EQ(t.signature.view(), *base64url_decode(token.substr(token.rfind('.') + 1))) << alg_name(alg);
    EXPECT_NO_THROW(verify_signature(t, key)) << alg_name(alg);
    const ParsedToken copy = t;  // a copy keeps its own bytes
    EXPECT_NO_THROW(verify_signature(copy, key)) << alg_name(alg);
  }
  SignatureBytes s;
  EXPECT_TRUE(s.assign_base64url(std::string(400, 'A')));  // 300 bytes: on the heap
  EXPECT_EQ(s.size(), 300u);
  EXPECT_TRUE(s.assign_base64url("AQID"));  // back in place
  EXPECT_EQ(s.view(), std::string_view("\x01\x02\x03", 3));
  EXPECT_FALSE(s.assign_base64url("AQI="));
  EXPECT_FALSE(s.assign_base64url(std::string(398, 'A') + "B"));  // non-zero trailing bits, long
  EXPECT_FALSE(s.assign_base64url(std::string(401, 'A')));        // length % 4 == 1
  EXPECT_TRUE(s.assign_base64url(""));
  EXPECT_EQ(s.size(), 0u);
}

}  // namespace
}  // namespace tg::core
