// Token verification against the stored keys: the one path auth.verify(token) and
// auth.authenticate share. Call it inside tg::pg::guarded(); it throws tg::core::Error for every
// rejection (contract SQLSTATEs) and tg::pg::PgError for PostgreSQL errors.
//
// Cost: a warm call makes no PostgreSQL call at all (no SPI, no catalog lookup). After keys or
// tenants changed, the first call in a backend reloads the key cache: SPI as the extension owner,
// through pg_call (see key_cache.hpp) — that is the only PostgreSQL work that happens here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/jose.hpp"

namespace tg::pg {

struct VerifiedToken {
  std::shared_ptr<const core::JwsHeader> header;  // as parse_token read it
  core::json::Document payload;                   // the payload parsed (an object); source(): the text as received
  std::string kid;                                // the kid of the key that verified (also when the header had none)
  std::optional<std::string> key_tenant;          // nullopt: a global key
};

// Steps: an opaque refresh token ("tgr_...") -> WrongTokenType; structure (size limit
// tenantgate.max_token_size) -> MalformedToken/AlgorithmNotAllowed; key selection
// (KeySet::for_verification with the payload's "tenant" when it is a string, else
// `context_tenant`) -> UnknownKey; signature; the key's tenant inactive -> TenantInactive; the
// payload's tenant differs from the key's tenant or from `context_tenant` -> TenantMismatch; then exp/nbf/iat against the wall clock
// (GetCurrentTimestamp, not the transaction start) with tenantgate.leeway, iss/aud against
// tenantgate.issuer/audience when set. `require_exp`: a token without exp is MalformedToken.
VerifiedToken verify_with_stored_keys(std::string_view token, const std::optional<std::string>& context_tenant,
                                      bool require_exp);

// The pieces auth.verify(token, key, alg) shares with the stored-key path.
void refuse_refresh_token(std::string_view token);  // "tgr_..." -> WrongTokenType
core::TokenLimits token_limits() noexcept;          // from tenantgate.max_token_size
core::ClaimRules claim_rules(bool require_exp);     // wall clock + GUCs

}  // namespace tg::pg
