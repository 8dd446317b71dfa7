// The per-backend cache of authenticated access tokens (see token_cache.hpp). Plain PostgreSQL
// code: dynahash in a memory context, no C++ object with a destructor, so ereport may longjmp.
#include "pg/token_cache.hpp"

#include <cstring>

#include <openssl/evp.h>

#include "pg/guard.hpp"
#include "pg/settings.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/sinval.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace tg::pg {
namespace {

MemoryContext cache_context = nullptr;  // child of CacheMemoryContext; reset on every flush
HTAB* table = nullptr;
unsigned char (*ring)[token_digest_bytes] = nullptr;  // insertion order, for eviction
bool* ring_used = nullptr;
int ring_next = 0;
int built_capacity = 0;
long entry_count = 0;
std::uint64_t hits = 0;
std::uint64_t misses = 0;
std::uint64_t generation = 0;

// The relations whose relcache invalidation drops the cache (their triggers send one at commit;
// key and tenant changes arrive as the invalidation of the view auth._key_cache_signal, key_cache.hpp).
constexpr int watched_count = 4;
const char* const watched_names[watched_count] = {"_key_cache_signal", "revoked_tokens", "refresh_families", "users"};
Oid watched[watched_count] = {InvalidOid, InvalidOid, InvalidOid, InvalidOid};
bool watched_known = false;

void flush() noexcept {
  ++generation;
  table = nullptr;
  ring = nullptr;
  ring_used = nullptr;
  ring_next = 0;
  built_capacity = 0;
  entry_count = 0;
  if (cache_context != nullptr) MemoryContextReset(cache_context);
}

extern "C" void token_cache_on_relcache(Datum, Oid relid) noexcept {
  bool relevant = relid == InvalidOid || !watched_known;
  for (int i = 0; i < watched_count && !relevant; ++i) relevant = relid == watched[i];
  if (!relevant) return;
  watched_known = false;  // a dropped and re-created extension has new oids
  flush();
}

extern "C" void token_cache_on_role(Datum, int, uint32) noexcept { flush(); }

void build_table() {
  if (cache_context == nullptr)
    cache_context = AllocSetContextCreate(CacheMemoryContext, "tenantgate token cache", ALLOCSET_DEFAULT_SIZES);
  HASHCTL info;
  memset(&info, 0, sizeof info);
  info.keysize = token_digest_bytes;
  info.entrysize = sizeof(TokenCacheEntry);
  info.hcxt = cache_context;
  table = hash_create("tenantgate token cache", token_cache_size(), &info, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  ring = static_cast<unsigned char(*)[token_digest_bytes]>(
      MemoryContextAllocZero(cache_context, sizeof(*ring) * static_cast<Size>(token_cache_size())));
  ring_used =
      static_cast<bool*>(MemoryContextAllocZero(cache_context, sizeof(bool) * static_cast<Size>(token_cache_size())));
  ring_next = 0;
  built_capacity = token_cache_size();
  entry_count = 0;
}

char* copy_string(const char* s) { return s == nullptr ? nullptr : MemoryContextStrdup(cache_context, s); }

void free_strings(TokenCacheEntry* e) {
  for (char* s : {e->payload_json, e->slug, e->role_kind, e->user_id, e->issuer, e->audience})
    if (s != nullptr) pfree(s);
}

}  // namespace

void register_token_cache_callbacks() {
  CacheRegisterRelcacheCallback(token_cache_on_relcache, PointerGetDatum(nullptr));
  CacheRegisterSyscacheCallback(AUTHOID, token_cache_on_role, PointerGetDatum(nullptr));
}

bool token_cache_enabled() noexcept {
  if (table != nullptr && built_capacity != token_cache_size()) flush();  // resized or disabled: start afresh
  return token_cache_size() > 0;
}

bool token_digest(const char* token, std::size_t length, unsigned char out[token_digest_bytes]) noexcept {
  unsigned int size = 0;
  return EVP_Digest(token, length, out, &size, EVP_sha256(), nullptr) == 1 && size == token_digest_bytes;
}

std::uint64_t token_cache_generation() noexcept { return generation; }

void token_cache_prepare() {
  if (watched_known) return;
  Oid namespace_oid = get_namespace_oid("auth", true);
  for (int i = 0; i < watched_count; ++i)
    watched[i] = OidIsValid(namespace_oid) ? get_relname_relid(watched_names[i], namespace_oid) : InvalidOid;
  AcceptInvalidationMessages();  // an invalidation before this point may have named old oids
  watched_known = true;
}

const TokenCacheEntry* token_cache_lookup(const unsigned char digest[token_digest_bytes]) {
  AcceptInvalidationMessages();  // whatever was committed before this call is seen now
  if (table == nullptr || built_capacity != token_cache_size() || !watched_known) {
    if (table != nullptr && built_capacity != token_cache_size()) flush();
    ++misses;
    return nullptr;
  }
  auto* e = static_cast<TokenCacheEntry*>(hash_search(table, digest, HASH_FIND, nullptr));
  if (e == nullptr) ++misses;
  else ++hits;
  return e;
}

void token_cache_store(const unsigned char digest[token_digest_bytes], const TokenCacheFill& fill,
                       std::uint64_t generation_seen) {
  if (token_cache_size() <= 0) return;
  AcceptInvalidationMessages();
  if (generation != generation_seen || !watched_known) return;  // the state read may be stale already
  if (table != nullptr && built_capacity != token_cache_size()) flush();
  if (table == nullptr) build_table();
  bool found = false;
  auto* e = static_cast<TokenCacheEntry*>(hash_search(table, digest, HASH_FIND, nullptr));
  if (e != nullptr) return;    // already there (same token, same state)
  if (ring_used[ring_next]) {  // full: the oldest entry goes
    auto* old = static_cast<TokenCacheEntry*>(hash_search(table, ring[ring_next], HASH_FIND, nullptr));
    if (old != nullptr) {
      free_strings(old);
      hash_search(table, ring[ring_next], HASH_REMOVE, &found);
      --entry_count;
    }
    ring_used[ring_next] = false;
  }
  e = static_cast<TokenCacheEntry*>(hash_search(table, digest, HASH_ENTER, &found));
  e->payload_json = copy_string(fill.payload_json);
  e->slug = copy_string(fill.slug);
  e->role_kind = copy_string(fill.role_kind);
  e->user_id = copy_string(fill.user_id);
  e->issuer = copy_string(fill.issuer);
  e->audience = copy_string(fill.audience);
  e->tenant_id = fill.tenant_id;
  e->schema_isolation = fill.schema_isolation;
  e->role_oid = fill.role_oid;
  e->has_exp = fill.has_exp;
  e->has_nbf = fill.has_nbf;
  e->has_iat = fill.has_iat;
  e->exp = fill.exp;
  e->nbf = fill.nbf;
  e->iat = fill.iat;
  e->ring_slot = ring_next;
  memcpy(ring[ring_next], digest, token_digest_bytes);
  ring_used[ring_next] = true;
  ring_next = (ring_next + 1) % built_capacity;
  ++entry_count;
}

}  // namespace tg::pg

// auth._token_cache_status(): this backend's cache (entries, capacity, hits, misses).
TG_PG_FUNCTION(tg_token_cache_status) {
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "return type must be a row type");
  AcceptInvalidationMessages();
  (void)tg::pg::token_cache_enabled();
  Datum values[4];
  bool nulls[4] = {false, false, false, false};
  values[0] = Int32GetDatum(static_cast<int32>(tg::pg::table == nullptr ? 0 : tg::pg::entry_count));
  values[1] = Int32GetDatum(tg::pg::token_cache_size());
  values[2] = Int64GetDatum(static_cast<int64>(tg::pg::hits));
  values[3] = Int64GetDatum(static_cast<int64>(tg::pg::misses));
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

// Trigger: every backend drops its token cache when this table's change commits.
TG_PG_FUNCTION(tg_token_cache_invalidate) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED), errmsg("not called by trigger manager")));
  TriggerData* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
  CacheInvalidateRelcacheByRelid(RelationGetRelid(trigger->tg_relation));
  return PointerGetDatum(nullptr);
}
