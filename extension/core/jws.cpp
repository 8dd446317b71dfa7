// Compact JWS (RFC 7515 §7.1): taking tokens apart, verifying, signing and decoding. Every
// structural rule lives in parse_compact so the verifying and the debugging paths cannot drift.
#include "core/ascii.hpp"
#include "core/jws_internal.hpp"

namespace tg::core {
namespace {

[[noreturn]] void malformed(const char* detail) { throw Error(Reason::MalformedToken, detail); }

std::string decode_segment(std::string_view segment) {
  auto bytes = base64url_decode(segment);
  if (!bytes) malformed("bad base64url");
  return std::move(*bytes);
}

std::optional<std::string> optional_string(const json::Value& header, const char* name) {
  const auto v = header.find(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) malformed("header member of the wrong type");
  return std::string(v->text());
}

std::shared_ptr<const JwsHeader> check_header(std::string header_json, const TokenLimits& limits) {
  const json::Document doc = json::parse_document(header_json, Reason::MalformedToken, limits.max_json_depth);
  const json::Value h = doc.root();
  if (!h.is_object()) malformed("header is not an object");
  const auto alg = h.find("alg");
  if (!alg || !alg->is_string()) malformed("alg missing or not a string");
  if (equals_ignoring_ascii_case(alg->text(), "none")) throw Error(Reason::AlgorithmNotAllowed, "none");
  // b64:false, compression and encryption are not JWS-as-JWT (JWT-12, JWT-35).
  for (const char* refused : {"b64", "zip", "enc"}) {
    if (h.find(refused)) malformed("unsupported header parameter");
  }
  auto header = std::make_shared<JwsHeader>();
  // We understand no extension, so any "crit" is refused (RFC 7515 §4.1.11, JWT-11) — but only
  // once the signature has verified: a forged token is answered "invalid signature" whatever
  // else it carries (JWT-39, signature before everything else).
  header->has_crit = h.find("crit").has_value();
  if (const auto cty = optional_string(h, "cty"); cty && equals_ignoring_ascii_case(*cty, "JWT")) {
    malformed("nested tokens are not supported");
  }
  header->alg_name = alg->text();
  header->alg = alg_from_name(alg->text());
  header->kid = optional_string(h, "kid");
  header->typ = optional_string(h, "typ");
  header->json = std::move(header_json);
  return header;
}

// The last few accepted header segments of this thread and what they parsed to. A key's tokens
// carry the same header bytes, so most tokens skip decoding and parsing their header; the entry
// is used only for the exact same bytes under the same depth bound, so the outcome is the one a
// fresh parse would give. Rejected headers are never stored.
class HeaderCache {
 public:
  static constexpr std::size_t kSlots = 16;
  static constexpr std::size_t kMaxSegment = 512;

  std::shared_ptr<const JwsHeader> find(std::string_view segment, int max_depth) const noexcept {
    for (const Entry& e : entries_) {
      if (e.header && e.max_depth == max_depth && e.segment == segment) return e.header;
    }
    return nullptr;
  }

  void add(std::string_view segment, int max_depth, const std::shared_ptr<const JwsHeader>& header) {
    if (segment.size() > kMaxSegment) return;
    Entry& e = entries_[next_];
    next_ = (next_ + 1) % kSlots;
    e.header.reset();  // a half-written entry (allocation failure below) is never matched
    e.segment.assign(segment.data(), segment.size());
    e.max_depth = max_depth;
    e.header = header;
  }

 private:
  struct Entry {
    std::string segment;
    int max_depth = 0;
    std::shared_ptr<const JwsHeader> header;
  };
  Entry entries_[kSlots];
  std::size_t next_ = 0;
};

HeaderCache& header_cache() {
  thread_local HeaderCache cache;
  return cache;
}

json::Document parse_payload_object(std::string payload, const TokenLimits& limits) {
  json::Document doc = json::parse_document(std::move(payload), Reason::MalformedToken, limits.max_json_depth);
  if (!doc.is_object()) malformed("payload is not an object");
  return doc;
}

}  // namespace

CompactJws parse_compact(std::string_view token, const TokenLimits& limits) {
  if (token.size() > limits.max_token_bytes) malformed("token too large");
  // Scan for the separators instead of splitting: a million dots cost one pass, not a million
  // strings (CVE-2025-30204).
  const std::size_t first = token.find('.');
  const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    malformed("wrong segment count");
  }
  // An empty payload segment is valid JWS (RFC 7515); for a JWT it fails the JSON-object rule.
  if (first == 0) malformed("empty segment");
  CompactJws jws;
  jws.signing_input = token.substr(0, second);
  jws.signature_b64 = token.substr(second + 1);
  // The order of the checks decides which error a token with several faults gets: header and
  // payload decoding, then the header's JSON and rules (a cached header passed them already).
  const std::string_view header_segment = token.substr(0, first);
  jws.header = header_cache().find(header_segment, limits.max_json_depth);
  std::string header_json;
  if (!jws.header) header_json = decode_segment(header_segment);
  jws.payload = decode_segment(token.substr(first + 1, second - first - 1));
  if (!jws.header) {
    jws.header = check_header(std::move(header_json), limits);
    header_cache().add(header_segment, limits.max_json_depth, jws.header);
  }
  return jws;
}

std::string decode_signature_segment(std::string_view signature_b64) { return decode_segment(signature_b64); }

void check_alg_and_signature(const std::optional<Alg>& alg, std::string_view signing_input, std::string_view signature,
                             const Key& key) {
  // The key is bound to one algorithm; the header must name exactly that one (RFC 8725 §3.1).
  if (!alg || *alg != key.alg()) throw Error(Reason::AlgorithmNotAllowed);
  if (!key.verify(signing_input, signature)) throw Error(Reason::InvalidSignature);
}

void refuse_crit_after_signature(bool has_crit) {
  if (has_crit) malformed("unsupported header parameter");
}

void verify_compact_signature_only(std::string_view token, const Key& key, const TokenLimits& limits) {
  const CompactJws jws = parse_compact(token, limits);
  check_alg_and_signature(jws.header->alg, jws.signing_input, decode_signature_segment(jws.signature_b64), key);
  refuse_crit_after_signature(jws.header->has_crit);
}

ParsedToken parse_token(std::string_view token, const TokenLimits& limits) {
  CompactJws jws = parse_compact(token, limits);
  ParsedToken out;
  if (!out.signature.assign_base64url(jws.signature_b64)) malformed("bad base64url");
  out.payload = parse_payload_object(std::move(jws.payload), limits);
  out.claims = find_claims(out.payload, &out.tenant_hint);
  out.signing_input = jws.signing_input;
  out.header = std::move(jws.header);
  return out;
}

void verify_signature(const ParsedToken& token, const Key& key) {
  check_alg_and_signature(token.header->alg, token.signing_input, token.signature.view(), key);
  refuse_crit_after_signature(token.header->has_crit);
}

std::string decode_token(std::string_view token, const TokenLimits& limits) {
  CompactJws jws = parse_compact(token, limits);
  refuse_crit_after_signature(jws.header->has_crit);  // nothing is verified here: refused at once
  const json::Document payload = parse_payload_object(std::move(jws.payload), limits);
  std::string out = "{\"header\":";
  out += json::serialize(json::parse_document(jws.header->json, Reason::MalformedToken, json::kMaxDepthCeiling).root());
  out += ",\"payload\":";
  out += json::serialize(payload.root());
  out += '}';
  return out;
}

std::string sign_token(const Key& key, std::optional<std::string_view> kid, std::string_view payload_json,
                       std::string_view typ) {
  const TokenLimits limits;
  parse_payload_object(std::string(payload_json), limits);  // throws MalformedToken
  std::string header = "{\"alg\":";
  json::append_string(header, alg_name(key.alg()));
  header += ",\"typ\":";
  json::append_string(header, typ);
  if (kid) {
    header += ",\"kid\":";
    json::append_string(header, *kid);
  }
  header += '}';
  // kid and typ come from callers: make sure what we sign is a header we would accept ourselves.
  json::parse_document(header, Reason::InvalidParameter);
  std::string token = base64url_encode(header);
  token += '.';
  token += base64url_encode(payload_json);
  const std::string signature = key.sign(token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

}  // namespace tg::core
