// auth.sign, auth.verify (both forms), auth.decode: one thin V1 entry point each.
// Arguments are fetched in the V1 body (plain PostgreSQL code); the work runs in guarded().
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/jose.hpp"
#include "pg/access.hpp"
#include "pg/guard.hpp"
#include "pg/key_cache.hpp"
#include "pg/text.hpp"
#include "pg/verify.hpp"

namespace {

using tg::core::Error;
using tg::core::Reason;

std::optional<std::string> optional_string(const char* value) {
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

// auth.sign(claims jsonb, kid text DEFAULT NULL, typ text DEFAULT 'JWT') RETURNS text
TG_PG_FUNCTION(tg_sign) {
  // EXECUTE is granted to the cluster-wide tenantgate_admin: only an admin of this database signs
  // with its keys (the login functions call it as the owner).
  tg::pg::require_admin_function("sign");
  if (PG_ARGISNULL(0)) tg::pg::raise(tg::core::Reason::InvalidParameter, "claims required");
  Jsonb* claims = PG_GETARG_JSONB_P(0);
  if (!JB_ROOT_IS_OBJECT(claims) || JB_ROOT_IS_SCALAR(claims))
    tg::pg::raise(tg::core::Reason::InvalidParameter, "claims must be a JSON object");
  char* tenant = nullptr;
  JsonbValue* tenant_value = getKeyJsonValueFromContainer(&claims->root, "tenant", 6, nullptr);
  if (tenant_value != nullptr) {
    if (tenant_value->type != jbvString) tg::pg::raise(tg::core::Reason::InvalidParameter, "tenant must be a string");
    tenant = pnstrdup(tenant_value->val.string.val, tenant_value->val.string.len);
  }
  const char* payload = JsonbToCString(nullptr, &claims->root, static_cast<int>(VARSIZE(claims)));
  const char* kid = PG_ARGISNULL(1) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(1));
  const char* typ = (PG_NARGS() < 3 || PG_ARGISNULL(2)) ? "JWT" : text_to_cstring(PG_GETARG_TEXT_PP(2));
  return tg::pg::guarded([&]() -> Datum {
    const tg::pg::CachedKey key = tg::pg::key_set().for_signing(optional_string(kid), optional_string(tenant));
    std::string token;
    try {
      token = tg::core::sign_token(key.key, key.kid, payload, typ);
    } catch (const Error& e) {
      if (e.reason() != Reason::MalformedToken) throw;
      throw Error(Reason::InvalidParameter, "claims must be a JSON object");
    }
    return tg::pg::text_datum(token);
  });
}

// auth.verify(token text) RETURNS jsonb — the payload, verified against the stored keys.
TG_PG_FUNCTION(tg_verify) {
  tg::pg::require_token_functions("verify");
  text* token = PG_GETARG_TEXT_PP(0);
  return tg::pg::guarded([&]() -> Datum {
    tg::pg::VerifiedToken verified = tg::pg::verify_with_stored_keys(tg::pg::view_of(token), std::nullopt, true);
    return tg::pg::token_payload_datum(verified.payload);
  });
}

// auth.verify(token text, key text, alg text) RETURNS jsonb — against one explicit key; `alg`
// must equal the header's exactly.
TG_PG_FUNCTION(tg_verify_with_key) {
  tg::pg::require_token_functions("verify");
  text* token = PG_GETARG_TEXT_PP(0);
  text* key_material = PG_GETARG_TEXT_PP(1);
  text* alg_name = PG_GETARG_TEXT_PP(2);
  return tg::pg::guarded([&]() -> Datum {
    std::string_view token_text = tg::pg::view_of(token);
    tg::pg::refuse_refresh_token(token_text);
    tg::core::ParsedToken parsed = tg::core::parse_token(token_text, tg::pg::token_limits());
    std::optional<tg::core::Alg> alg = tg::core::alg_from_name(tg::pg::view_of(alg_name));
    if (!alg || parsed.header->alg_name != tg::pg::view_of(alg_name)) throw Error(Reason::AlgorithmNotAllowed);
    std::optional<tg::core::Key> key;
    try {
      key = tg::core::Key::from_material(*alg, tg::pg::view_of(key_material));
    } catch (const Error& e) {
      // Material the alg cannot use (a public key offered as an HMAC secret, JWT-02; an empty or
      // short secret, JWT-19): the token is refused, never verified with something else.
      if (e.reason() != Reason::InvalidKey) throw;
      throw Error(Reason::AlgorithmNotAllowed, "key not usable with this algorithm");
    }
    tg::core::verify_signature(parsed, *key);
    tg::core::check_claims(parsed, tg::pg::claim_rules(true));
    return tg::pg::token_payload_datum(parsed.payload);
  });
}

// auth.decode(token text) RETURNS jsonb — {"header", "payload"} WITHOUT verification (debugging).
TG_PG_FUNCTION(tg_decode) {
  text* token = PG_GETARG_TEXT_PP(0);
  return tg::pg::guarded([&]() -> Datum {
    std::string decoded = tg::core::decode_token(tg::pg::view_of(token), tg::pg::token_limits());
    return tg::pg::token_json_datum(decoded);
  });
}
