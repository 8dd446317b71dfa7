// auth.authenticate(token, host) and the readers auth.claims(), uid(), tenant(), tenant_id(),
// role(). The token work (verification, claim rules) is C++ inside guarded(); the database work
// (tenant row and session check with a fresh snapshot, switching the role) is plain PostgreSQL
// code in the V1 body, where only plain data is alive.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/host.hpp"
#include "core/jose.hpp"
#include "core/json.hpp"
#include "pg/access.hpp"
#include "pg/guard.hpp"
#include "pg/key_cache.hpp"
#include "pg/module.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/tenant_context.hpp"
#include "pg/text.hpp"
#include "pg/token_cache.hpp"
#include "pg/verify.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/varlena.h"
#include "lib/stringinfo.h"
}

namespace {

using tg::core::Error;
using tg::core::Reason;

// What the C++ half hands to the PostgreSQL half: plain pointers into palloc'd memory.
struct VerifiedAccess {
  char* payload_json;  // the verified payload
  char* slug;          // the token's tenant (unknown_key: the unverified hint, may be NULL)
  char* role_kind;     // "admin" | "staff"
  char* user_id;       // sub
  bool session_check;  // signed by one of our own keys: auth._check_session decides
  bool unknown_key;    // no key verified it (tenant state decides between two answers)
  bool has_iat;
  double iat;  // issued-at, seconds since the epoch (when has_iat)
  bool has_exp, has_nbf;
  double exp, nbf;  // for the token cache's checks on every hit
};

char* palloc_copy(std::string_view s) {
  char* out = nullptr;
  tg::pg::pg_call([&] { out = pnstrdup(s.data(), s.size()); });
  return out;
}

bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// RFC 9068 access tokens only: header typ "at+jwt" (or its media-type form), any case. (A typ
// that is not a string was refused as malformed when the header was parsed.)
void require_access_token_type(const tg::core::JwsHeader& header) {
  if (!header.typ || !(ascii_iequal(*header.typ, "at+jwt") || ascii_iequal(*header.typ, "application/at+jwt")))
    throw Error(Reason::WrongTokenType);
}

std::optional<std::string_view> string_claim(const tg::core::json::Document& payload, std::string_view name) {
  const std::size_t value = payload.find(0, name);
  if (value == 0) return std::nullopt;
  const tg::core::json::Node& node = payload.node(value);
  if (node.type != tg::core::json::Type::String)
    throw Error(Reason::MalformedToken, std::string(name) + " must be a string");
  return payload.text(node);
}

VerifiedAccess verify_access_token(std::string_view token, const char* host_slug) {
  VerifiedAccess out{};
  std::optional<std::string> context_tenant;
  if (host_slug != nullptr) context_tenant = std::string(host_slug);

  tg::pg::VerifiedToken verified;
  try {
    verified = tg::pg::verify_with_stored_keys(token, context_tenant, /*require_exp=*/true);
  } catch (const Error& e) {
    if (e.reason() != Reason::UnknownKey) throw;
    // The key cache never matches keys of inactive tenants; which of "unknown key" and "tenant
    // inactive" is the answer depends on the tenant the (unverified) token names.
    tg::core::ParsedToken parsed = tg::core::parse_token(token, tg::pg::token_limits());
    out.unknown_key = true;
    if (parsed.tenant_hint && tg::core::is_valid_slug(*parsed.tenant_hint)) out.slug = palloc_copy(*parsed.tenant_hint);
    else if (host_slug != nullptr) out.slug = palloc_copy(host_slug);
    return out;
  }
  require_access_token_type(*verified.header);

  const tg::core::json::Document& payload = verified.payload;
  const std::optional<std::string_view> tenant_claim = string_claim(payload, "tenant");
  std::string slug;
  if (tenant_claim) {
    slug = *tenant_claim;
  } else if (verified.key_tenant) {
    slug = *verified.key_tenant;
  } else {
    throw Error(Reason::UnknownTenant);  // a global key's token that names no tenant
  }
  if (!tg::core::is_valid_slug(slug)) throw Error(Reason::UnknownTenant);
  if (verified.key_tenant && *verified.key_tenant != slug) throw Error(Reason::TenantMismatch);
  if (context_tenant && *context_tenant != slug) throw Error(Reason::TenantMismatch);

  // The role claim selects one of the tenant's two roles; it is never a role name.
  const std::optional<std::string_view> role = string_claim(payload, "role");
  if (!role || (*role != "admin" && *role != "staff")) throw Error(Reason::MalformedToken, "role");
  const std::optional<std::string_view> sub = string_claim(payload, "sub");
  if (!sub || sub->empty()) throw Error(Reason::MalformedToken, "sub");

  // Keys that can sign are ours (auth.add_key / generate_key): their tokens carry a jti and are
  // checked against sessions and revocations. Imported verification-only IdP keys may omit jti.
  const tg::pg::CachedKey& key = tg::pg::key_set().for_verification(verified.kid, slug);
  out.session_check = key.key.can_sign();
  const std::optional<std::string_view> jti = string_claim(payload, "jti");
  if (out.session_check && (!jti || jti->empty())) throw Error(Reason::MalformedToken, "jti required");

  // iat, exp and nbf are already checked to be finite numbers by check_claims when present.
  auto number_claim = [&](const char* name, bool& has, double& value) {
    if (const std::size_t node = payload.find(0, name);
        node != 0 && payload.node(node).type == tg::core::json::Type::Number) {
      has = true;
      value = payload.number(payload.node(node));
    }
  };
  number_claim("iat", out.has_iat, out.iat);
  number_claim("exp", out.has_exp, out.exp);
  number_claim("nbf", out.has_nbf, out.nbf);

  out.payload_json = palloc_copy(payload.source());
  out.slug = palloc_copy(slug);
  out.role_kind = palloc_copy(*role);
  out.user_id = palloc_copy(*sub);
  return out;
}

const char* host_slug_or_unknown(text* host) {
  const char* slug = nullptr;
  tg::pg::guarded([&] {
    std::optional<std::string> found = tg::core::slug_for_host(tg::pg::view_of(host), tg::pg::base_domain());
    if (found) slug = palloc_copy(*found);
  });
  if (slug == nullptr) tg::pg::raise(Reason::UnknownTenant);
  return slug;
}

struct TenantRow {
  bool found;
  bool active;
  bool schema_isolation;
  int64 id;
  double created_at;  // seconds since the epoch
  char* staff_role;
  char* admin_role;
};

constexpr const char* tenant_query =
    "SELECT t.id, t.active, t.isolation OPERATOR(pg_catalog.=) 'schema', t.staff_role::pg_catalog.text,"
    "       t.admin_role::pg_catalog.text, pg_catalog.date_part('epoch', t.created_at)"
    "  FROM auth.tenants t WHERE t.slug OPERATOR(pg_catalog.=) $1";
constexpr const char* session_query = "SELECT auth._check_session($1)";

// Prepared once per backend (SPI_keepplan); the plan cache re-plans them after DDL.
SPIPlanPtr tenant_plan = nullptr;
SPIPlanPtr session_plan = nullptr;

// Reads the tenant row and runs the session check as the owner of auth.tenants, with the
// latest committed state (pg/spi.hpp): a REPEATABLE READ or SERIALIZABLE caller still sees a
// logout, a revocation or a deactivation committed after its snapshot was taken (JWT-33).
TenantRow read_tenant_and_check_session(const char* slug, const char* payload_json, bool session_check) {
  TenantRow row{};
  MemoryContext caller_context = CurrentMemoryContext;
  auto read = [&](Snapshot latest) {
    Oid text_type = TEXTOID;
    SPIPlanPtr plan = tg::pg::kept_plan(&tenant_plan, tenant_query, 1, &text_type);
    Datum slug_value = CStringGetTextDatum(slug);
    if (SPI_execute_snapshot(plan, &slug_value, nullptr, latest, InvalidSnapshot, false, false, 1) != SPI_OK_SELECT)
      elog(ERROR, "reading auth.tenants failed");
    if (SPI_processed == 1) {
      HeapTuple tuple = SPI_tuptable->vals[0];
      TupleDesc desc = SPI_tuptable->tupdesc;
      bool is_null = false;
      row.found = true;
      row.id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &is_null));
      row.active = DatumGetBool(SPI_getbinval(tuple, desc, 2, &is_null));
      row.schema_isolation = DatumGetBool(SPI_getbinval(tuple, desc, 3, &is_null));
      row.created_at = DatumGetFloat8(SPI_getbinval(tuple, desc, 6, &is_null));
      MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
      row.staff_role = TextDatumGetCString(SPI_getbinval(tuple, desc, 4, &is_null));
      row.admin_role = TextDatumGetCString(SPI_getbinval(tuple, desc, 5, &is_null));
      MemoryContextSwitchTo(spi_context);
    }
    if (row.found && row.active && session_check) {
      Oid jsonb_type = JSONBOID;
      SPIPlanPtr check = tg::pg::kept_plan(&session_plan, session_query, 1, &jsonb_type);
      Datum claims = DirectFunctionCall1(jsonb_in, CStringGetDatum(payload_json));
      if (SPI_execute_snapshot(check, &claims, nullptr, latest, InvalidSnapshot, false, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "session check failed");
    }
  };
  tg::pg::spi_as_owner(tg::pg::auth_table_owner("tenants"), read);
  return row;
}

// search_path for the transaction: the tenant schema, then pg_temp explicitly last so a
// temporary table can never shadow a tenant table (PG-29). Row isolation keeps the caller's
// path but moves pg_temp to the end: a path with pg_temp first, set at session level by an
// earlier client of a pooled connection together with a temporary "shared_orders", would
// otherwise catch the next tenant's unqualified writes.
char* tenant_search_path(const char* slug, bool schema_isolation) {
  if (schema_isolation) return psprintf("%s, pg_temp", quote_identifier(slug));
  const char* path = GetConfigOption("search_path", false, false);
  char* raw = pstrdup(path != nullptr ? path : "");
  List* names = NIL;
  StringInfoData out;
  initStringInfo(&out);
  if (SplitIdentifierString(raw, ',', &names)) {
    ListCell* cell;
    foreach (cell, names) {
      const char* name = static_cast<const char*>(lfirst(cell));
      if (strcmp(name, "pg_temp") == 0 || strncmp(name, "pg_temp_", 8) == 0) continue;
      appendStringInfo(&out, "%s, ", quote_identifier(name));
    }
  }  // an unparsable path (cannot happen: the GUC check accepted it) keeps only pg_temp
  appendStringInfoString(&out, "pg_temp");
  return out.data;
}

text* checked_text(const char* s) { return s == nullptr ? nullptr : cstring_to_text(s); }

// A token this backend authenticated before, with nothing committed since that could change the
// answer (token_cache.hpp): only the time claims are checked again. nullptr: not usable (miss,
// another host's tenant, other issuer/audience settings) — the full path decides.
const tg::pg::TokenCacheEntry* cached_authentication(const unsigned char* digest, const char* host_slug) {
  const tg::pg::TokenCacheEntry* hit = tg::pg::token_cache_lookup(digest);
  if (hit == nullptr) return nullptr;
  if (host_slug != nullptr && strcmp(host_slug, hit->slug) != 0) return nullptr;
  if (strcmp(hit->issuer, tg::pg::issuer()) != 0 || strcmp(hit->audience, tg::pg::audience()) != 0) return nullptr;
  tg::pg::guarded([&] {
    auto opt = [](bool has, double v) { return has ? std::optional<double>(v) : std::nullopt; };
    tg::core::check_times(opt(hit->has_exp, hit->exp), opt(hit->has_nbf, hit->nbf), opt(hit->has_iat, hit->iat),
                          tg::pg::claim_rules(/*require_exp=*/true));
  });
  return hit;
}

Datum authenticate(FunctionCallInfo fcinfo) {
  if (!tg::pg::loaded_by_preload()) tg::pg::raise(Reason::PreloadRequired);
  if (tg::pg::tenant_context_active()) tg::pg::raise(Reason::AlreadyAuthenticated);
  // EXECUTE is granted to PUBLIC (NOINHERIT authenticators hold no group grants); the caller
  // must still be a member of tenantgate_authenticator (or tenantgate_admin, or a superuser):
  // a login role nobody made an authenticator cannot switch into a tenant.
  tg::pg::require_token_functions("authenticate");
  // A role switch inside a SECURITY DEFINER function (or a function with SET role, or an
  // operation PostgreSQL restricts) would be undone or mis-attributed when it returns.
  if (InLocalUserIdChange() || InSecurityRestrictedOperation() || IsInParallelMode())
    tg::pg::raise(Reason::AuthenticateRestricted);
  if (PG_ARGISNULL(0)) tg::pg::raise(Reason::MalformedToken);
  text* token = PG_GETARG_TEXT_PP(0);
  const char* host_slug = PG_ARGISNULL(1) ? nullptr : host_slug_or_unknown(PG_GETARG_TEXT_PP(1));

  unsigned char digest[tg::pg::token_digest_bytes];
  const bool cacheable = tg::pg::token_cache_enabled() &&
                         VARSIZE_ANY_EXHDR(token) <= static_cast<Size>(tg::pg::max_token_bytes()) &&
                         tg::pg::token_digest(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token), digest);
  if (cacheable) {
    if (const tg::pg::TokenCacheEntry* hit = cached_authentication(digest, host_slug)) {
      // Copied out first: the entry lives only until something processes invalidations.
      char* payload = pstrdup(hit->payload_json);
      char* slug = pstrdup(hit->slug);
      char* role_kind = pstrdup(hit->role_kind);
      char* user_id = hit->user_id != nullptr ? pstrdup(hit->user_id) : nullptr;
      const int64 tenant_id = hit->tenant_id;
      const Oid role_oid = hit->role_oid;
      char* path = tenant_search_path(slug, hit->schema_isolation);
      tg::pg::tenant_context_enter(payload, tenant_id, slug, role_kind, user_id, role_oid, path);
      return DirectFunctionCall1(jsonb_in, CStringGetDatum(payload));
    }
  }
  // What an entry stored below describes is read after this point: an invalidation committed
  // meanwhile moves the generation, and the entry is then not kept.
  std::uint64_t generation_seen = 0;
  if (cacheable) {
    tg::pg::token_cache_prepare();
    generation_seen = tg::pg::token_cache_generation();
  }

  // A host must name an existing tenant (42704), whatever the token says.
  if (host_slug != nullptr && !read_tenant_and_check_session(host_slug, nullptr, false).found)
    tg::pg::raise(Reason::UnknownTenant);

  VerifiedAccess access = tg::pg::guarded([&] { return verify_access_token(tg::pg::view_of(token), host_slug); });

  if (access.unknown_key) {
    // No key verified the token: the tenant it names (unverified) decides between "unknown
    // tenant" (dropped: its keys went with it, PG-37), "tenant inactive" and "unknown key".
    // Only the existence and state of a tenant are told, which tenant_for_host tells anyway.
    if (access.slug != nullptr) {
      TenantRow hinted = read_tenant_and_check_session(access.slug, nullptr, false);
      if (!hinted.found) tg::pg::raise(Reason::UnknownTenant);
      if (!hinted.active) tg::pg::raise(Reason::TenantInactive);
    }
    tg::pg::raise(Reason::UnknownKey);
  }

  TenantRow tenant = read_tenant_and_check_session(access.slug, access.payload_json, access.session_check);
  if (!tenant.found) tg::pg::raise(Reason::UnknownTenant);
  if (!tenant.active) tg::pg::raise(Reason::TenantInactive);
  // A token issued before this tenant existed was issued for an earlier tenant of the same
  // slug (dropped and re-created for another customer, PG-37): it is revoked. One second of
  // slack for iat's whole seconds.
  if (access.has_iat && access.iat < tenant.created_at - 1.0) tg::pg::raise(Reason::TokenRevoked);
  const char* role_name = strcmp(access.role_kind, "admin") == 0 ? tenant.admin_role : tenant.staff_role;
  Oid role_oid = get_role_oid(role_name, true);
  if (!OidIsValid(role_oid)) tg::pg::raise(Reason::UnknownTenant);

  if (cacheable) {
    tg::pg::TokenCacheFill fill{access.payload_json,
                                access.slug,
                                access.role_kind,
                                access.user_id,
                                tg::pg::issuer(),
                                tg::pg::audience(),
                                tenant.id,
                                tenant.schema_isolation,
                                role_oid,
                                access.has_exp,
                                access.has_nbf,
                                access.has_iat,
                                access.exp,
                                access.nbf,
                                access.iat};
    tg::pg::token_cache_store(digest, fill, generation_seen);
  }
  tg::pg::tenant_context_enter(access.payload_json, tenant.id, access.slug, access.role_kind, access.user_id, role_oid,
                               tenant_search_path(access.slug, tenant.schema_isolation));
  return DirectFunctionCall1(jsonb_in, CStringGetDatum(access.payload_json));
}

}  // namespace

// Every error of authenticate — ours, or one raised by auth._check_session or SPI — is logged
// without the statement, which carries the token (PG-26). (A SET log_min_error_statement clause
// is not an option: any SET clause would undo the search_path switch at function exit.)
TG_PG_FUNCTION(tg_authenticate) {
  MemoryContext caller_context = CurrentMemoryContext;
  Datum result = 0;
  PG_TRY();
  { result = authenticate(fcinfo); }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    ErrorData* error = CopyErrorData();
    FlushErrorState();
    error->hide_stmt = true;
    ReThrowError(error);
  }
  PG_END_TRY();
  PG_RETURN_DATUM(result);
}

TG_PG_FUNCTION(tg_claims) {
  const tg::pg::TenantContext* context = tg::pg::tenant_context_checked();
  if (context == nullptr) PG_RETURN_NULL();
  Size size = VARSIZE(context->claims);
  Jsonb* copy = static_cast<Jsonb*>(palloc(size));
  memcpy(copy, context->claims, size);
  PG_RETURN_JSONB_P(copy);
}

TG_PG_FUNCTION(tg_uid) {
  const tg::pg::TenantContext* context = tg::pg::tenant_context_checked();
  if (context == nullptr || context->user_id == nullptr) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(checked_text(context->user_id));
}

TG_PG_FUNCTION(tg_tenant) {
  const tg::pg::TenantContext* context = tg::pg::tenant_context_checked();
  if (context == nullptr) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(checked_text(context->slug));
}

TG_PG_FUNCTION(tg_tenant_id) {
  const tg::pg::TenantContext* context = tg::pg::tenant_context_checked();
  if (context == nullptr) PG_RETURN_NULL();
  PG_RETURN_INT64(context->tenant_id);
}

TG_PG_FUNCTION(tg_role) {
  const tg::pg::TenantContext* context = tg::pg::tenant_context_checked();
  if (context == nullptr) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(checked_text(context->role_kind));
}
