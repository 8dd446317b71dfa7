// The login throttle: failed logins per (database, tenant, e-mail) in shared memory.
//
// Why shared memory and not a table: auth.login must raise 28P01 on a bad password, and the
// raise rolls back everything the transaction wrote — a failure counter in a table would never
// count. Shared memory is outside the transaction, is seen at once by every backend, and costs
// no WAL. It is lost on a server restart (a lockout ends early then; acceptable).
//
// Attempts are charged *before* the password is checked (auth._throttle_attempt) and the entry
// is dropped after a success (auth._throttle_reset): so N concurrent guesses cannot all slip
// past a check that only counts finished failures. The table has a fixed size (16,384 entries,
// all allocated at startup): when full, the least recently touched entry that is not locked
// (or the oldest one if all are) is evicted.
//
// Plain PostgreSQL code throughout: no C++ object is alive when anything here ereports.
#include <cstring>

#include "pg/guard.hpp"
#include "pg/user_gucs.hpp"

extern "C" {
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

namespace {

constexpr long kMaxEntries = 16384;
constexpr const char* kTrancheName = "tenantgate_login_throttle";

struct ThrottleKey {
  Oid database;
  uint32 padding;     // zeroed: keys are compared as bytes (HASH_BLOBS)
  int64 tenant_id;
  uint64 email_hash[2];  // two independent 64-bit hashes of the lower-cased e-mail
};

struct ThrottleEntry {
  ThrottleKey key;  // must be first
  int32 attempts;   // charged attempts in the current window
  int32 refused;    // attempts refused during the current lockout
  TimestampTz window_start;
  TimestampTz locked_until;  // 0: not locked
  TimestampTz touched;
};

HTAB* throttle_table = nullptr;
LWLock* throttle_lock = nullptr;
shmem_request_hook_type previous_shmem_request = nullptr;
shmem_startup_hook_type previous_shmem_startup = nullptr;

void throttle_shmem_request() {
  if (previous_shmem_request != nullptr) previous_shmem_request();
  RequestAddinShmemSpace(hash_estimate_size(kMaxEntries, sizeof(ThrottleEntry)));
  RequestNamedLWLockTranche(kTrancheName, 1);
}

void throttle_shmem_startup() {
  if (previous_shmem_startup != nullptr) previous_shmem_startup();
  HASHCTL info;
  std::memset(&info, 0, sizeof info);
  info.keysize = sizeof(ThrottleKey);
  info.entrysize = sizeof(ThrottleEntry);
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  throttle_table = ShmemInitHash("tenantgate login throttle", kMaxEntries, kMaxEntries, &info,
                                 HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
  throttle_lock = &(GetNamedLWLockTranche(kTrancheName))->lock;
  LWLockRelease(AddinShmemInitLock);
}

ThrottleKey make_key(int64 tenant_id, const text* email) {
  ThrottleKey key;
  std::memset(&key, 0, sizeof key);
  key.database = MyDatabaseId;
  key.tenant_id = tenant_id;
  const auto* bytes = reinterpret_cast<const unsigned char*>(VARDATA_ANY(email));
  int length = static_cast<int>(VARSIZE_ANY_EXHDR(email));
  key.email_hash[0] = hash_bytes_extended(bytes, length, 0x7467);
  key.email_hash[1] = hash_bytes_extended(bytes, length, 0x5f746872);
  return key;
}

// Throttling needs the shared table, which exists only when the library was preloaded.
void require_throttle_table() {
  if (throttle_table == nullptr || throttle_lock == nullptr)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("tenantgate must be loaded via shared_preload_libraries"),
                    errdetail("auth.login counts failed logins in shared memory; set "
                              "tenantgate.login_max_failures = 0 to log in without throttling."),
                    errhint("Add tenantgate to shared_preload_libraries and restart the server.")));
}

// Makes room for one entry; called with the lock held exclusively.
void evict_one() {
  HASH_SEQ_STATUS scan;
  hash_seq_init(&scan, throttle_table);
  ThrottleEntry* victim = nullptr;
  ThrottleEntry* victim_locked = nullptr;
  TimestampTz now = GetCurrentTimestamp();
  while (auto* entry = static_cast<ThrottleEntry*>(hash_seq_search(&scan))) {
    bool locked = entry->locked_until > now;
    ThrottleEntry** slot = locked ? &victim_locked : &victim;
    if (*slot == nullptr || entry->touched < (*slot)->touched) *slot = entry;
  }
  ThrottleEntry* chosen = victim != nullptr ? victim : victim_locked;
  if (chosen != nullptr) {
    ThrottleKey key = chosen->key;
    hash_search(throttle_table, &key, HASH_REMOVE, nullptr);
  }
}

}  // namespace

namespace tg::pg {

void register_login_throttle_shmem() {
  previous_shmem_request = shmem_request_hook;
  shmem_request_hook = throttle_shmem_request;
  previous_shmem_startup = shmem_startup_hook;
  shmem_startup_hook = throttle_shmem_startup;
}

}  // namespace tg::pg

// auth._throttle_attempt(tenant_id bigint, email text) RETURNS boolean — false while the
// (tenant, e-mail) is locked out; otherwise charges one attempt (locking when that reaches
// tenantgate.login_max_failures) and returns true. The caller passes lower(email).
TG_PG_FUNCTION(tg_throttle_attempt) {
  int64 tenant_id = PG_GETARG_INT64(0);
  text* email = PG_GETARG_TEXT_PP(1);
  int max_failures = tg::pg::login_max_failures();
  if (max_failures <= 0) PG_RETURN_BOOL(true);
  require_throttle_table();
  ThrottleKey key = make_key(tenant_id, email);
  TimestampTz now = GetCurrentTimestamp();
  TimestampTz window = static_cast<TimestampTz>(tg::pg::login_failure_window_seconds()) * USECS_PER_SEC;
  TimestampTz lockout = static_cast<TimestampTz>(tg::pg::login_lockout_seconds()) * USECS_PER_SEC;

  bool allowed = true;
  LWLockAcquire(throttle_lock, LW_EXCLUSIVE);
  bool found = false;
  auto* entry = static_cast<ThrottleEntry*>(hash_search(throttle_table, &key, HASH_FIND, nullptr));
  if (entry != nullptr) {
    found = true;
  } else {
    if (hash_get_num_entries(throttle_table) >= kMaxEntries) evict_one();
    entry = static_cast<ThrottleEntry*>(hash_search(throttle_table, &key, HASH_ENTER_NULL, &found));
  }
  if (entry == nullptr) {
    LWLockRelease(throttle_lock);
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("login throttle table is full")));
  }
  if (!found) {
    entry->attempts = 0;
    entry->refused = 0;
    entry->window_start = now;
    entry->locked_until = 0;
  }
  entry->touched = now;
  if (entry->locked_until > now) {
    allowed = false;
    if (entry->refused < PG_INT32_MAX) entry->refused += 1;
  } else {
    if (entry->window_start + window <= now) {
      entry->attempts = 0;
      entry->window_start = now;
    }
    entry->attempts += 1;
    if (entry->attempts >= max_failures) {
      // This attempt still runs; a success drops the entry (and the lock) again.
      entry->locked_until = now + lockout;
      entry->refused = 0;
      entry->attempts = 0;
      entry->window_start = entry->locked_until;
    }
  }
  LWLockRelease(throttle_lock);
  PG_RETURN_BOOL(allowed);
}

// auth._throttle_reset(tenant_id bigint, email text) RETURNS void — forgets the (tenant,
// e-mail): after a successful login, a password reset, or by a DBA to lift a lockout.
TG_PG_FUNCTION(tg_throttle_reset) {
  int64 tenant_id = PG_GETARG_INT64(0);
  text* email = PG_GETARG_TEXT_PP(1);
  if (throttle_table == nullptr || throttle_lock == nullptr) PG_RETURN_VOID();
  ThrottleKey key = make_key(tenant_id, email);
  LWLockAcquire(throttle_lock, LW_EXCLUSIVE);
  hash_search(throttle_table, &key, HASH_REMOVE, nullptr);
  LWLockRelease(throttle_lock);
  PG_RETURN_VOID();
}

// auth._throttle_status(tenant_id bigint, email text) RETURNS jsonb — what the throttle holds
// for the (tenant, e-mail): {"attempts": charged attempts in the current window, "refused":
// attempts refused during the current lockout, "locked_seconds": seconds of lockout left (0: not
// locked)}; all zero when nothing is held (or the library is not preloaded). For DBAs
// (auth.login_throttle_status) and the concurrency tests.
TG_PG_FUNCTION(tg_throttle_status) {
  int64 tenant_id = PG_GETARG_INT64(0);
  text* email = PG_GETARG_TEXT_PP(1);
  int32 attempts = 0;
  int32 refused = 0;
  int64 locked_seconds = 0;
  if (throttle_table != nullptr && throttle_lock != nullptr) {
    ThrottleKey key = make_key(tenant_id, email);
    TimestampTz now = GetCurrentTimestamp();
    LWLockAcquire(throttle_lock, LW_SHARED);
    auto* entry = static_cast<ThrottleEntry*>(hash_search(throttle_table, &key, HASH_FIND, nullptr));
    if (entry != nullptr) {
      bool locked = entry->locked_until > now;
      attempts = locked ? 0 : entry->attempts;
      refused = locked ? entry->refused : 0;
      if (locked) locked_seconds = (entry->locked_until - now + USECS_PER_SEC - 1) / USECS_PER_SEC;
      // an expired window counts as empty, as the next attempt will see it
      if (!locked && entry->window_start + static_cast<TimestampTz>(tg::pg::login_failure_window_seconds()) *
                                                 USECS_PER_SEC <= now)
        attempts = 0;
    }
    LWLockRelease(throttle_lock);
  }
  char* json = psprintf("{\"attempts\": %d, \"refused\": %d, \"locked_seconds\": " INT64_FORMAT "}", attempts,
                        refused, locked_seconds);
  PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}

// auth._session_setting(name text) RETURNS integer — the users module's settings in seconds
// (SHOW prints them with units, '5min', which SQL would have to parse).
TG_PG_FUNCTION(tg_session_setting) {
  char* name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int value = 0;
  if (std::strcmp(name, "access_ttl") == 0) {
    value = tg::pg::access_ttl_seconds();
  } else if (std::strcmp(name, "refresh_ttl") == 0) {
    value = tg::pg::refresh_ttl_seconds();
  } else if (std::strcmp(name, "reset_ttl") == 0) {
    value = tg::pg::reset_ttl_seconds();
  } else {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid parameter value: unknown setting")));
  }
  PG_RETURN_INT32(value);
}
