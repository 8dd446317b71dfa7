#include <optional>
#include <string>
#include <string_view>

#include "pg/verify.hpp"

#include "core/error.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/key_cache.hpp"

extern "C" {
#include "postgres.h"

#include "datatype/timestamp.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/inval.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace tg::pg {

using core::Error;
using core::Reason;

namespace {

constexpr int client_role_count = 3;
const char* const client_role_names[client_role_count] = {"tenantgate_authenticator", "tenantgate_admin",
                                                          "tenantgate_tenant"};
Oid client_role_oids[client_role_count] = {InvalidOid, InvalidOid, InvalidOid};
bool client_roles_known = false;
// The last user found allowed, so that auth.verify, called once per row, does not walk the
// memberships each time. Forgotten, like PostgreSQL's own membership cache, whenever pg_authid
// or pg_auth_members change.
Oid allowed_user = InvalidOid;

extern "C" void on_role_invalidation(Datum, int, uint32) noexcept {
  client_roles_known = false;
  allowed_user = InvalidOid;
}

}  // namespace

void require_client_role(const char* function_name) {
  Oid user = GetUserId();
  if (OidIsValid(allowed_user) && user == allowed_user) return;
  if (!client_roles_known) {
    for (int i = 0; i < client_role_count; ++i) client_role_oids[i] = get_role_oid(client_role_names[i], true);
    client_roles_known = true;
  }
  for (int i = 0; i < client_role_count; ++i) {
    if (OidIsValid(client_role_oids[i]) && is_member_of_role(user, client_role_oids[i])) {
      allowed_user = user;
      return;
    }
  }
  if (superuser_arg(user)) {
    allowed_user = user;
    return;
  }
  tg::pg::raise(tg::core::Reason::FunctionPermissionDenied, function_name);
}

void register_role_cache_callback() {
  CacheRegisterSyscacheCallback(AUTHOID, on_role_invalidation, PointerGetDatum(nullptr));
  CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, on_role_invalidation, PointerGetDatum(nullptr));
}

void refuse_refresh_token(std::string_view token) {
  // The users module's refresh tokens are opaque "tgr_<secret>" strings, never JWS.
  if (token.substr(0, 4) == "tgr_") throw Error(Reason::WrongTokenType);
}

core::TokenLimits token_limits() noexcept {
  core::TokenLimits limits;
  limits.max_token_bytes = static_cast<std::size_t>(max_token_bytes());
  return limits;
}

core::ClaimRules claim_rules(bool require_exp) {
  core::ClaimRules rules;
  // GetCurrentTimestamp() is the wall clock (never ereports); now() would be the transaction
  // start, which a client could hold open to keep using an expired token (JWT-26).
  TimestampTz now = GetCurrentTimestamp();
  rules.now = static_cast<double>(now) / USECS_PER_SEC +
              static_cast<double>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
  rules.leeway = leeway_seconds();
  if (*issuer() != '\0') rules.issuer = std::string(issuer());
  if (*audience() != '\0') rules.audience = std::string(audience());
  rules.require_exp = require_exp;
  return rules;
}

VerifiedToken verify_with_stored_keys(std::string_view token, const std::optional<std::string>& context_tenant,
                                      bool require_exp) {
  refuse_refresh_token(token);
  core::ParsedToken parsed = core::parse_token(token, token_limits());
  const std::optional<std::string>& tenant = parsed.tenant_hint ? parsed.tenant_hint : context_tenant;
  // The cached key is used in place for the signature check, which makes no PostgreSQL call
  // (nothing can drop the cache in between); what is kept afterwards is copied, since the next
  // PostgreSQL call may drop it.
  std::string kid;
  std::optional<std::string> key_tenant;
  bool tenant_active = true;
  {
    const CachedKey& cached = key_set().for_verification(parsed.header->kid, tenant);
    core::verify_signature(parsed, cached.key);
    kid = cached.kid;
    key_tenant = cached.tenant;
    tenant_active = cached.tenant_active;
  }
  if (!tenant_active) throw Error(Reason::TenantInactive);
  if (parsed.tenant_hint) {
    if (key_tenant && *key_tenant != *parsed.tenant_hint) throw Error(Reason::TenantMismatch);
    if (context_tenant && *context_tenant != *parsed.tenant_hint) throw Error(Reason::TenantMismatch);
  }
  core::check_claims(parsed, claim_rules(require_exp));
  VerifiedToken out;
  out.header = std::move(parsed.header);
  out.payload = std::move(parsed.payload);
  out.kid = std::move(kid);
  out.key_tenant = std::move(key_tenant);
  return out;
}

}  // namespace tg::pg
