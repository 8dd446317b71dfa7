// The C halves of the key functions: key material in, storable forms out. The SQL wrappers in
// sql/1.0/20_keys.sql (SECURITY DEFINER, pinned search_path) own the rows, the locking and the
// active-signer rule; auth.jwks reads the public keys; auth._keys_changed invalidates the key cache.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/jose.hpp"
#include "core/jwks.hpp"
#include "pg/access.hpp"
#include "pg/guard.hpp"
#include "pg/key_cache.hpp"
#include "pg/text.hpp"

extern "C" {
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace {

using tg::core::Error;
using tg::core::Reason;

tg::core::Alg parse_alg(std::string_view name) {
  std::optional<tg::core::Alg> alg = tg::core::alg_from_name(name);
  if (!alg) throw Error(Reason::InvalidParameter, "unsupported algorithm");
  return *alg;
}

TupleDesc result_tuple_desc(FunctionCallInfo fcinfo) {
  TupleDesc desc = nullptr;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("function returning record called in context "
                                                                   "that cannot accept type record")));
  return BlessTupleDesc(desc);
}

// (key_data bytea, public_jwk jsonb, can_sign boolean) as a composite Datum.
Datum stored_form(TupleDesc desc, const tg::core::Key& key, std::string_view kid) {
  std::string data = key.to_storage();
  std::optional<std::string> jwk;
  if (!key.is_symmetric()) jwk = key.public_jwk_json(kid);
  Datum values[3] = {tg::pg::bytea_datum(data), jwk ? tg::pg::jsonb_datum(*jwk) : Datum(0),
                     BoolGetDatum(key.can_sign())};
  bool nulls[3] = {false, !jwk, false};
  Datum result = 0;
  tg::pg::pg_call([&] { result = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)); });
  return result;
}

}  // namespace

// auth._key_from_material(kid text, alg text, key text) -> (key_data, public_jwk, can_sign)
// The material exactly as auth.add_key takes it; weak or mismatched keys are refused (22023).
TG_PG_FUNCTION(tg_key_from_material) {
  text* kid = PG_GETARG_TEXT_PP(0);
  text* alg = PG_GETARG_TEXT_PP(1);
  text* material = PG_GETARG_TEXT_PP(2);
  TupleDesc desc = result_tuple_desc(fcinfo);
  return tg::pg::guarded([&]() -> Datum {
    tg::core::Key key = tg::core::Key::from_material(parse_alg(tg::pg::view_of(alg)), tg::pg::view_of(material));
    return stored_form(desc, key, tg::pg::view_of(kid));
  });
}

// auth._key_generate(kid text, alg text) -> (key_data, public_jwk, can_sign): a fresh key.
TG_PG_FUNCTION(tg_key_generate) {
  text* kid = PG_GETARG_TEXT_PP(0);
  text* alg = PG_GETARG_TEXT_PP(1);
  TupleDesc desc = result_tuple_desc(fcinfo);
  return tg::pg::guarded([&]() -> Datum {
    tg::core::Key key = tg::core::Key::generate(parse_alg(tg::pg::view_of(alg)));
    return stored_form(desc, key, tg::pg::view_of(kid));
  });
}

// auth._new_kid() -> text: 128 random bits, base64url (22 characters).
TG_PG_FUNCTION(tg_new_kid) {
  (void)fcinfo;
  return tg::pg::guarded(
      [&]() -> Datum { return tg::pg::text_datum(tg::core::base64url_encode(tg::core::random_bytes(16))); });
}

// auth._jwks_keys(jwks jsonb) -> SETOF (kid, alg, key_data, public_jwk): the public keys of a
// JWK Set, all or nothing (core::import_jwks_keys: oct keys, unknown kty/crv/alg, use other than
// sig, missing or duplicate kids -> 22023 for the whole set; private members are dropped).
TG_PG_FUNCTION(tg_jwks_keys) {
  Jsonb* jwks = PG_GETARG_JSONB_P(0);
  const char* jwks_text = JsonbToCString(nullptr, &jwks->root, static_cast<int>(VARSIZE(jwks)));
  InitMaterializedSRF(fcinfo, 0);
  ReturnSetInfo* result_set = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  tg::pg::guarded([&] {
    std::vector<tg::core::JwksEntry> keys = tg::core::import_jwks_keys(jwks_text);
    for (const tg::core::JwksEntry& imported : keys) {
      if (imported.kid.size() > tg::pg::max_kid_bytes) throw Error(Reason::InvalidKey, "kid too long");
      std::string data = imported.key.to_storage();
      std::string jwk = imported.key.public_jwk_json(imported.kid);
      Datum values[4] = {tg::pg::text_datum(imported.kid), tg::pg::text_datum(tg::core::alg_name(imported.key.alg())),
                         tg::pg::bytea_datum(data), tg::pg::jsonb_datum(jwk)};
      bool nulls[4] = {false, false, false, false};
      tg::pg::pg_call([&] { tuplestore_putvalues(result_set->setResult, result_set->setDesc, values, nulls); });
    }
  });
  return Datum(0);
}

// auth.jwks(tenant text DEFAULT NULL) RETURNS jsonb — the public keys that verify tokens of
// `tenant` (its own and the global ones; NULL: the global ones) as a JWK Set, read by SPI
// (pg/key_cache.cpp). Only the public JWK stored at import is shown: never k, d, p, q, dp, dq,
// qi or oth.
TG_PG_FUNCTION(tg_jwks) {
  tg::pg::require_token_functions("jwks");
  const char* tenant = PG_ARGISNULL(0) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(0));
  return tg::pg::guarded([&]() -> Datum {
    std::optional<std::string> scope;
    if (tenant != nullptr) scope = std::string(tenant);
    return tg::pg::jsonb_datum(tg::pg::public_jwks(scope));
  });
}

// auth._key_cache_status() -> (loads, keys_parsed, hits, flushes, evictions, entries): this
// backend's key cache counters (pg/key_cache.hpp), for tests and diagnosis.
TG_PG_FUNCTION(tg_key_cache_status) {
  TupleDesc desc = result_tuple_desc(fcinfo);
  const tg::pg::KeyCacheStatus status = tg::pg::key_cache_status();
  Datum values[6] = {
      Int64GetDatum(static_cast<int64>(status.loads)),     Int64GetDatum(static_cast<int64>(status.keys_parsed)),
      Int64GetDatum(static_cast<int64>(status.hits)),      Int64GetDatum(static_cast<int64>(status.flushes)),
      Int64GetDatum(static_cast<int64>(status.evictions)), Int64GetDatum(static_cast<int64>(status.entries))};
  bool nulls[6] = {false, false, false, false, false, false};
  return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

// Statement trigger on auth.keys and auth.tenants: every backend drops its key cache (at once
// in this one, at commit in the others) through a relcache invalidation of the otherwise unused
// view auth._key_cache_signal (pg/key_cache.hpp says why not auth.keys). Plain PostgreSQL code:
// no C++ object is involved.
TG_PG_FUNCTION(tg_keys_changed) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED), errmsg("not called by trigger manager")));
  TriggerData* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
  Oid signal_relid = get_relname_relid("_key_cache_signal", RelationGetNamespace(trigger->tg_relation));
  if (!OidIsValid(signal_relid))
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("extension \"tenantgate\" is incomplete: auth._key_cache_signal is missing")));
  CacheInvalidateRelcacheByRelid(signal_relid);
  return PointerGetDatum(nullptr);
}
