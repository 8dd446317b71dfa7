// Loading, selecting and invalidating the per-backend key cache (see key_cache.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/key_cache.hpp"

#include "core/error.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "utils/builtins.h"
#include "utils/inval.h"
}

namespace tg::pg {

namespace {

using core::Error;
using core::Reason;

// The cache: a heap object owned by a plain pointer (no global with a destructor).
KeySet* current_set = nullptr;
// auth.keys' oid, remembered from the last load so the callback needs no catalog lookup.
Oid watched_relid = InvalidOid;
// Bumped by every relevant invalidation: a load that saw it change is not kept.
std::uint64_t invalidations = 0;

extern "C" void on_relcache_invalidation(Datum, Oid relid) noexcept {
  if (relid != InvalidOid && relid != watched_relid) return;
  ++invalidations;
  delete current_set;  // Key destructors free OpenSSL objects only; they never call PostgreSQL
  current_set = nullptr;
}

// ---- PostgreSQL side of the load: plain data only, run through pg_call ----

struct KeyRow {
  const char* kid;
  const char* tenant;  // NULL for a global key
  const char* alg;
  const char* data;
  int data_len;
  const char* public_jwk;  // NULL for symmetric keys
  bool active_signer;
  bool tenant_active;
};

struct KeyRows {
  KeyRow* rows;
  std::uint64_t count;
};

constexpr const char* load_query =
    "SELECT k.kid, k.tenant, k.alg, k.key_data, k.public_jwk::pg_catalog.text, k.is_active_signer,"
    "       COALESCE(t.active, true)"
    "  FROM auth.keys k LEFT JOIN auth.tenants t ON t.slug OPERATOR(pg_catalog.=) k.tenant"
    " WHERE k.revoked_at IS NULL"
    " ORDER BY k.created_at, k.kid";

char* copy_text_column(HeapTuple tuple, TupleDesc desc, int column) {
  bool is_null = false;
  Datum value = SPI_getbinval(tuple, desc, column, &is_null);
  return is_null ? nullptr : TextDatumGetCString(value);
}

SPIPlanPtr load_plan = nullptr;

// Reads the non-revoked keys as the owner of auth.keys (pg/spi.hpp) into `out`, allocated in
// `target`.
void fetch_key_rows(KeyRows* out, MemoryContext target) {
  Oid relid = InvalidOid;
  Oid owner = auth_table_owner("keys", &relid);
  watched_relid = relid;  // before reading: invalidations from now on are recognised
  auto read = [&](Snapshot latest) {
    SPIPlanPtr plan = kept_plan(&load_plan, load_query, 0, nullptr);
    if (SPI_execute_snapshot(plan, nullptr, nullptr, latest, InvalidSnapshot, false, false, 0) != SPI_OK_SELECT)
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
      row->public_jwk = copy_text_column(tuple, desc, 5);
      row->active_signer = DatumGetBool(SPI_getbinval(tuple, desc, 6, &is_null));
      row->tenant_active = DatumGetBool(SPI_getbinval(tuple, desc, 7, &is_null));
    }
    MemoryContextSwitchTo(spi_context);
  };
  spi_as_owner(owner, read);
}

// ---- C++ side: build the set from the rows ----

std::unique_ptr<KeySet> build_set(const KeyRows& rows) {
  auto set = std::make_unique<KeySet>();
  set->keys.reserve(rows.count);
  for (std::uint64_t i = 0; i < rows.count; ++i) {
    const KeyRow& row = rows.rows[i];
    std::optional<core::Alg> alg = core::alg_from_name(row.alg);
    if (!alg || row.kid == nullptr) continue;  // the table's CHECKs make this unreachable
    std::optional<core::Key> key;
    try {
      key = core::Key::from_storage(*alg, std::string_view(row.data, static_cast<std::size_t>(row.data_len)));
    } catch (const Error&) {
      // A row we cannot read back (edited by hand) must not take every other key down with it:
      // it simply never verifies anything.
      continue;
    }
    CachedKey entry{row.kid, std::nullopt, *key, std::nullopt, row.active_signer, row.tenant_active};
    if (row.tenant != nullptr) entry.tenant = row.tenant;
    if (row.public_jwk != nullptr) entry.public_jwk = row.public_jwk;
    set->keys.push_back(std::move(entry));
  }
  return set;
}

bool in_scope(const CachedKey& key, const std::optional<std::string>& tenant) {
  return !key.tenant || !tenant || *key.tenant == *tenant;
}

const CachedKey* active_signer(const KeySet& set, const std::optional<std::string>& tenant) {
  const CachedKey* global = nullptr;
  for (const CachedKey& key : set.keys) {
    if (!key.active_signer) continue;
    if (!key.tenant) global = &key;
    else if (tenant && *key.tenant == *tenant) return &key;
  }
  return global;
}

}  // namespace

const CachedKey& KeySet::for_verification(const std::optional<std::string>& kid,
                                          const std::optional<std::string>& tenant) const {
  if (!kid) {
    const CachedKey* key = active_signer(*this, tenant);
    if (key == nullptr) throw Error(Reason::UnknownKey);
    return *key;
  }
  if (kid->size() > max_kid_bytes) throw Error(Reason::UnknownKey);
  if (last_found_ != nullptr && *kid == last_kid_ && tenant == last_tenant_) return *last_found_;
  const CachedKey* found = nullptr;
  for (const CachedKey& key : keys) {
    if (key.kid != *kid || !in_scope(key, tenant)) continue;
    if (found != nullptr) throw Error(Reason::UnknownKey, "ambiguous kid");
    found = &key;
  }
  if (found == nullptr) throw Error(Reason::UnknownKey);
  last_found_ = nullptr;  // never a half-updated memo (the assignments below may throw)
  last_kid_ = *kid;
  last_tenant_ = tenant;
  last_found_ = found;
  return *found;
}

const CachedKey& KeySet::for_signing(const std::optional<std::string>& kid,
                                     const std::optional<std::string>& tenant) const {
  const CachedKey* found = nullptr;
  if (!kid) {
    found = active_signer(*this, tenant);
  } else if (kid->size() <= max_kid_bytes) {
    bool other_tenant = false;
    for (const CachedKey& key : keys) {
      if (key.kid != *kid) continue;
      if (!in_scope(key, tenant)) {
        other_tenant = true;
        continue;
      }
      if (found != nullptr) throw Error(Reason::UnknownKey, "ambiguous kid");
      found = &key;
    }
    if (found == nullptr && other_tenant) throw Error(Reason::TenantMismatch);
  }
  if (found == nullptr) throw Error(Reason::UnknownKey);
  if (!found->tenant_active) throw Error(Reason::TenantInactive);
  if (!found->key.can_sign()) throw Error(Reason::UnknownKey, "key cannot sign");
  return *found;
}

const KeySet& key_set() {
  if (current_set != nullptr) return *current_set;
  std::uint64_t seen = invalidations;
  KeyRows rows{nullptr, 0};
  MemoryContext rows_context = nullptr;
  pg_call([&] {
    rows_context = AllocSetContextCreate(CurrentMemoryContext, "tenantgate key rows", ALLOCSET_SMALL_SIZES);
    fetch_key_rows(&rows, rows_context);
  });
  std::unique_ptr<KeySet> set = build_set(rows);
  pg_call([&] { MemoryContextDelete(rows_context); });
  // An invalidation that arrived while reading may describe a change the read did not see:
  // such a set serves the current call only and the next call loads again.
  static KeySet* unsettled = nullptr;
  delete unsettled;
  unsettled = nullptr;
  if (invalidations == seen) {
    current_set = set.release();
    return *current_set;
  }
  unsettled = set.release();
  return *unsettled;
}

void register_key_cache_callback() {
  CacheRegisterRelcacheCallback(on_relcache_invalidation, PointerGetDatum(nullptr));
}

}  // namespace tg::pg
