// The structural half of compact JWS handling, shared by parse_token, decode_token and the
// signature-only check that runs the public vectors (whose payloads, like "foo", are not JSON).
// Not for the PostgreSQL layer: it must always go through parse_token/verify_signature.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/jose.hpp"
#include "core/json.hpp"

namespace tg::core {

struct CompactJws {
  std::string_view signing_input;           // "<header>.<payload>" as received
  std::string_view signature_b64;           // third segment, not yet decoded
  std::shared_ptr<const JwsHeader> header;  // checked header (possibly shared with other tokens)
  std::string payload;                      // decoded payload bytes, not parsed
};

// Size (before anything else), exactly three segments found by scanning, canonical base64url of
// the first two, and every header rule of parse_token. Throws MalformedToken/AlgorithmNotAllowed.
// An empty payload segment passes here; parse_token/decode_token refuse it (not a JSON object).
CompactJws parse_compact(std::string_view token, const TokenLimits& limits);

// Decodes the third segment (MalformedToken when it is not canonical base64url).
std::string decode_signature_segment(std::string_view signature_b64);

// MalformedToken when the header had "crit" (called once the signature has verified).
void refuse_crit_after_signature(bool has_crit);

// The signature step of verify_signature for an already decoded token.
void check_alg_and_signature(const std::optional<Alg>& alg, std::string_view signing_input, std::string_view signature,
                             const Key& key);

// The members of a payload object check_claims reads (claims.cpp), and its "tenant" when that
// is a string.
ClaimNodes find_claims(const json::Document& payload, std::optional<std::string>* tenant = nullptr);

// parse_token + verify_signature minus the payload-is-a-JSON-object rule.
void verify_compact_signature_only(std::string_view token, const Key& key, const TokenLimits& limits = {});

}  // namespace tg::core
