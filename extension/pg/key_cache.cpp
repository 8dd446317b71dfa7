// Loading, selecting and invalidating the per-backend key cache (see key_cache.hpp).
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pg/key_cache.hpp"

#include "core/error.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
}

namespace tg::pg {

namespace {

using core::Error;
using core::Reason;

// One lookup's answer: the parsed keys (at most two: a third never changes the answer), and for
// a kid lookup with nothing in scope, whether another tenant has a key of that kid.
struct Entry {
  std::vector<CachedKey> keys;
  bool other_tenant = false;
  std::list<std::string>::iterator lru;
};

struct Cache {
  std::unordered_map<std::string, Entry> entries;
  std::list<std::string> lru;  // cache keys, most recently used first
};

// Heap objects owned by plain pointers (no global with a destructor).
Cache* cache = nullptr;
// The last load that saw an invalidation while reading: it answers its own call only.
Entry* unsettled = nullptr;
// auth._key_cache_signal's oid, remembered by the first load so the callback needs no lookup.
Oid signal_relid = InvalidOid;
// Bumped by every relevant invalidation: a load that saw it change is not kept.
std::uint64_t invalidations = 0;
KeyCacheStatus counters;

extern "C" void on_relcache_invalidation(Datum, Oid relid) noexcept {
  if (relid != InvalidOid && relid != signal_relid) return;
  ++invalidations;
  if (cache != nullptr && !cache->entries.empty()) ++counters.flushes;
  delete cache;  // Key destructors free OpenSSL objects only; they never call PostgreSQL
  cache = nullptr;
}

// ---- PostgreSQL side of a load: plain data only, run through pg_call ----

enum class Kind { Kid, Signer };

struct LookupArgs {
  Kind kind;
  const char* kid;     // Kind::Kid
  const char* tenant;  // NULL: no tenant (kid: every tenant's keys; signer: the global one)
  bool globals_only;   // kid: a tenant no key can belong to (it contains a NUL byte)
};

struct KeyRow {
  const char* kid;
  const char* tenant;  // NULL for a global key
  const char* alg;
  const char* data;
  int data_len;
  bool active_signer;
  bool tenant_active;
};

struct KeyRows {
  KeyRow* rows;
  std::uint64_t count;
  bool other_tenant;
};

#define TG_KEY_COLUMNS                                                                      \
  "SELECT k.kid, k.tenant, k.alg, k.key_data, k.is_active_signer, COALESCE(t.active, true)" \
  "  FROM auth.keys k LEFT JOIN auth.tenants t ON t.slug OPERATOR(pg_catalog.=) k.tenant"

// Served by keys_kid_tenant_key (kid, tenant).
constexpr const char* kid_query = TG_KEY_COLUMNS
    " WHERE k.kid OPERATOR(pg_catalog.=) $1 AND k.revoked_at IS NULL"
    "   AND (k.tenant IS NULL OR (NOT $3 AND ($2 IS NULL OR k.tenant OPERATOR(pg_catalog.=) $2)))"
    " ORDER BY k.created_at, k.kid";
constexpr const char* other_tenant_query =
    "SELECT EXISTS (SELECT FROM auth.keys k WHERE k.kid OPERATOR(pg_catalog.=) $1 AND k.revoked_at IS NULL"
    "                  AND k.tenant IS NOT NULL AND ($3 OR k.tenant OPERATOR(pg_catalog.<>) $2))";
// Served by keys_one_active_signer (COALESCE(tenant, '')) WHERE is_active_signer.
constexpr const char* signer_query = TG_KEY_COLUMNS
    " WHERE k.is_active_signer AND k.revoked_at IS NULL"
    "   AND COALESCE(k.tenant, ''::pg_catalog.text) OPERATOR(pg_catalog.=)"
    "       ANY (ARRAY[COALESCE($1, ''::pg_catalog.text), ''::pg_catalog.text])"
    "   AND (k.tenant IS NULL OR k.tenant OPERATOR(pg_catalog.=) $1)"
    " ORDER BY k.created_at, k.kid";
// Served by keys_tenant (tenant).
constexpr const char* jwks_query =
    "SELECT k.public_jwk::pg_catalog.text"
    "  FROM auth.keys k LEFT JOIN auth.tenants t ON t.slug OPERATOR(pg_catalog.=) k.tenant"
    " WHERE k.revoked_at IS NULL AND k.public_jwk IS NOT NULL AND COALESCE(t.active, true)"
    "   AND (k.tenant IS NULL OR k.tenant OPERATOR(pg_catalog.=) $1)"
    " ORDER BY k.created_at, k.kid";
#undef TG_KEY_COLUMNS

SPIPlanPtr kid_plan = nullptr;
SPIPlanPtr other_tenant_plan = nullptr;
SPIPlanPtr signer_plan = nullptr;
SPIPlanPtr jwks_plan = nullptr;

char* copy_text_column(HeapTuple tuple, TupleDesc desc, int column) {
  bool is_null = false;
  Datum value = SPI_getbinval(tuple, desc, column, &is_null);
  return is_null ? nullptr : TextDatumGetCString(value);
}

// The owner of auth.keys; remembers auth._key_cache_signal's oid first, so that an invalidation
// arriving from now on is recognised.
Oid prepare_read() {
  Oid keys_relid = InvalidOid;
  Oid owner = auth_table_owner("keys", &keys_relid);
  Oid signal = get_relname_relid("_key_cache_signal", get_rel_namespace(keys_relid));
  if (!OidIsValid(signal))
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("extension \"tenantgate\" is incomplete: auth._key_cache_signal is missing")));
  signal_relid = signal;
  return owner;
}

// Reads one lookup's rows as the owner of auth.keys (pg/spi.hpp) into `out`, allocated in
// `target`.
void fetch_key_rows(const LookupArgs& args, KeyRows* out, MemoryContext target) {
  Oid owner = prepare_read();
  auto read = [&](Snapshot latest) {
    Datum values[3] = {Datum(0), Datum(0), BoolGetDatum(args.globals_only)};
    char nulls[3] = {' ', ' ', ' '};
    SPIPlanPtr plan = nullptr;
    if (args.kind == Kind::Kid) {
      Oid types[3] = {TEXTOID, TEXTOID, BOOLOID};
      plan = kept_plan(&kid_plan, kid_query, 3, types);
      values[0] = CStringGetTextDatum(args.kid);
      if (args.tenant != nullptr) values[1] = CStringGetTextDatum(args.tenant);
      else nulls[1] = 'n';
    } else {
      Oid types[1] = {TEXTOID};
      plan = kept_plan(&signer_plan, signer_query, 1, types);
      if (args.tenant != nullptr) values[0] = CStringGetTextDatum(args.tenant);
      else nulls[0] = 'n';
    }
    if (SPI_execute_snapshot(plan, values, nulls, latest, InvalidSnapshot, false, false, 0) != SPI_OK_SELECT)
      elog(ERROR, "reading auth.keys failed");
    MemoryContext spi_context = MemoryContextSwitchTo(target);
    out->count = SPI_processed;
    out->rows = static_cast<KeyRow*>(palloc0(sizeof(KeyRow) * (SPI_processed + 1)));
    for (std::uint64_t i = 0; i < SPI_processed; ++i) {
      HeapTuple tuple = SPI_tuptable->vals[i];
      TupleDesc desc = SPI_tuptable->tupdesc;
      KeyRow* row = &out->rows[i];
      bool is_null = false;
      row->kid = copy_text_column(tuple, desc, 1);
      row->tenant = copy_text_column(tuple, desc, 2);
      row->alg = copy_text_column(tuple, desc, 3);
      bytea* data = DatumGetByteaPP(SPI_getbinval(tuple, desc, 4, &is_null));
      row->data_len = static_cast<int>(VARSIZE_ANY_EXHDR(data));
      char* data_copy = static_cast<char*>(palloc(row->data_len + 1));
      memcpy(data_copy, VARDATA_ANY(data), row->data_len);
      row->data = data_copy;
      row->active_signer = DatumGetBool(SPI_getbinval(tuple, desc, 5, &is_null));
      row->tenant_active = DatumGetBool(SPI_getbinval(tuple, desc, 6, &is_null));
    }
    MemoryContextSwitchTo(spi_context);
    // Only signing tells "another tenant's key" from "no such key"; only a kid lookup with a
    // tenant and nothing in scope can need it.
    if (args.kind == Kind::Kid && out->count == 0 && (args.tenant != nullptr || args.globals_only)) {
      Oid types[3] = {TEXTOID, TEXTOID, BOOLOID};
      SPIPlanPtr other = kept_plan(&other_tenant_plan, other_tenant_query, 3, types);
      if (SPI_execute_snapshot(other, values, nulls, latest, InvalidSnapshot, false, false, 1) != SPI_OK_SELECT ||
          SPI_processed != 1)
        elog(ERROR, "reading auth.keys failed");
      bool is_null = false;
      out->other_tenant = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
    }
  };
  spi_as_owner(owner, read);
}

// ---- C++ side: parse the rows ----

std::optional<CachedKey> parse_row(const KeyRow& row) {
  std::optional<core::Alg> alg = core::alg_from_name(row.alg);
  if (!alg || row.kid == nullptr) return std::nullopt;  // the table's CHECKs make this unreachable
  ++counters.keys_parsed;
  try {
    core::Key key = core::Key::from_storage(*alg, std::string_view(row.data, static_cast<std::size_t>(row.data_len)));
    CachedKey entry{row.kid, std::nullopt, std::move(key), row.active_signer, row.tenant_active};
    if (row.tenant != nullptr) entry.tenant = row.tenant;
    return entry;
  } catch (const Error&) {
    // A row we cannot read back (edited by hand) must not take every other key down with it:
    // it simply never verifies anything.
    return std::nullopt;
  }
}

Entry build_entry(const KeyRows& rows) {
  Entry entry;
  entry.other_tenant = rows.other_tenant;
  for (std::uint64_t i = 0; i < rows.count && entry.keys.size() < 2; ++i) {
    std::optional<CachedKey> key = parse_row(rows.rows[i]);
    if (key) entry.keys.push_back(std::move(*key));
  }
  return entry;
}

void evict_to(std::size_t room) {
  while (cache->entries.size() > room && !cache->lru.empty()) {
    cache->entries.erase(cache->lru.back());
    cache->lru.pop_back();
    ++counters.evictions;
  }
}

const Entry& lookup(std::string cache_key, const LookupArgs& args) {
  if (cache != nullptr) {
    auto found = cache->entries.find(cache_key);
    if (found != cache->entries.end()) {
      ++counters.hits;
      cache->lru.splice(cache->lru.begin(), cache->lru, found->second.lru);
      return found->second;
    }
  }
  ++counters.loads;
  const std::uint64_t seen = invalidations;
  KeyRows rows{nullptr, 0, false};
  MemoryContext rows_context = nullptr;
  pg_call([&] {
    rows_context = AllocSetContextCreate(CurrentMemoryContext, "tenantgate key rows", ALLOCSET_SMALL_SIZES);
    fetch_key_rows(args, &rows, rows_context);
  });
  Entry entry = build_entry(rows);
  pg_call([&] { MemoryContextDelete(rows_context); });
  // An invalidation that arrived while reading may describe a change the read did not see:
  // such an answer serves the current call only and the next call loads again.
  if (invalidations != seen) {
    delete unsettled;
    unsettled = nullptr;
    unsettled = new Entry(std::move(entry));
    return *unsettled;
  }
  if (cache == nullptr) cache = new Cache;
  const std::size_t limit = static_cast<std::size_t>(key_cache_size());
  evict_to(limit - 1);
  auto [it, inserted] = cache->entries.emplace(cache_key, std::move(entry));
  (void)inserted;  // a miss: not there
  try {
    cache->lru.push_front(std::move(cache_key));
  } catch (...) {
    cache->entries.erase(it);
    throw;
  }
  it->second.lru = cache->lru.begin();
  return it->second;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

const Entry& signer_lookup(const std::optional<std::string>& tenant) {
  // A tenant no key can belong to (NUL byte) has no signer of its own: the global one answers.
  const bool usable = tenant && !has_nul(*tenant);
  LookupArgs args{Kind::Signer, nullptr, usable ? tenant->c_str() : nullptr, false};
  return lookup(usable ? "s=" + *tenant : std::string("s*"), args);
}

const Entry& kid_lookup(const std::string& kid, const std::optional<std::string>& tenant) {
  const bool globals_only = tenant && has_nul(*tenant);
  LookupArgs args{Kind::Kid, kid.c_str(), tenant && !globals_only ? tenant->c_str() : nullptr, globals_only};
  std::string cache_key = "k" + std::to_string(kid.size()) + ":" + kid;
  if (globals_only) cache_key += "!";
  else if (tenant) cache_key += "=" + *tenant;
  else cache_key += "*";
  return lookup(std::move(cache_key), args);
}

// The tenant's active signer, else the global one.
const CachedKey* pick_signer(const Entry& entry, const std::optional<std::string>& tenant) {
  const CachedKey* global = nullptr;
  for (const CachedKey& key : entry.keys) {
    if (!key.active_signer) continue;
    if (!key.tenant) global = &key;
    else if (tenant && *key.tenant == *tenant) return &key;
  }
  return global;
}

}  // namespace

const CachedKey& KeySet::for_verification(const std::optional<std::string>& kid,
                                          const std::optional<std::string>& tenant) {
  if (!kid) {
    const CachedKey* key = pick_signer(signer_lookup(tenant), tenant);
    if (key == nullptr) throw Error(Reason::UnknownKey);
    return *key;
  }
  // No stored kid is longer, or contains a NUL byte (text cannot).
  if (kid->size() > max_kid_bytes || has_nul(*kid)) throw Error(Reason::UnknownKey);
  const Entry& entry = kid_lookup(*kid, tenant);
  if (entry.keys.empty()) throw Error(Reason::UnknownKey);
  if (entry.keys.size() > 1) throw Error(Reason::UnknownKey, "ambiguous kid");
  return entry.keys.front();
}

const CachedKey& KeySet::for_signing(const std::optional<std::string>& kid, const std::optional<std::string>& tenant) {
  const CachedKey* found = nullptr;
  if (!kid) {
    found = pick_signer(signer_lookup(tenant), tenant);
  } else if (kid->size() <= max_kid_bytes && !has_nul(*kid)) {
    const Entry& entry = kid_lookup(*kid, tenant);
    if (entry.keys.size() > 1) throw Error(Reason::UnknownKey, "ambiguous kid");
    if (entry.keys.empty() && entry.other_tenant) throw Error(Reason::TenantMismatch);
    if (!entry.keys.empty()) found = &entry.keys.front();
  }
  if (found == nullptr) throw Error(Reason::UnknownKey);
  if (!found->tenant_active) throw Error(Reason::TenantInactive);
  if (!found->key.can_sign()) throw Error(Reason::UnknownKey, "key cannot sign");
  return *found;
}

KeySet& key_set() {
  static KeySet handle;  // stateless: trivially destructible
  return handle;
}

KeyCacheStatus key_cache_status() noexcept {
  KeyCacheStatus status = counters;
  status.entries = cache != nullptr ? cache->entries.size() : 0;
  return status;
}

std::string public_jwks(const std::optional<std::string>& tenant) {
  StringInfoData set;
  pg_call([&] {
    initStringInfo(&set);
    appendStringInfoString(&set, "{\"keys\":[");
    Oid owner = auth_table_owner("keys");
    auto read = [&](Snapshot latest) {
      Oid type = TEXTOID;
      SPIPlanPtr plan = kept_plan(&jwks_plan, jwks_query, 1, &type);
      Datum value = tenant ? CStringGetTextDatum(tenant->c_str()) : Datum(0);
      char null = tenant ? ' ' : 'n';
      if (SPI_execute_snapshot(plan, &value, &null, latest, InvalidSnapshot, false, false, 0) != SPI_OK_SELECT)
        elog(ERROR, "reading auth.keys failed");
      for (std::uint64_t i = 0; i < SPI_processed; ++i) {
        bool is_null = false;
        Datum jwk = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &is_null);
        if (i > 0) appendStringInfoChar(&set, ',');
        appendBinaryStringInfo(&set, VARDATA_ANY(DatumGetTextPP(jwk)), VARSIZE_ANY_EXHDR(DatumGetTextPP(jwk)));
      }
    };
    spi_as_owner(owner, read);
    appendStringInfoString(&set, "]}");
  });
  std::string out(set.data, static_cast<std::size_t>(set.len));
  pg_call([&] { pfree(set.data); });
  return out;
}

void register_key_cache_callback() {
  CacheRegisterRelcacheCallback(on_relcache_invalidation, PointerGetDatum(nullptr));
}

}  // namespace tg::pg
