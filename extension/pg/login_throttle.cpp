// The login throttle: failed logins per (database, tenant, e-mail, client) in shared memory.
//
// Why shared memory and not a table: auth.login must raise 28P01 on a bad password, and the
// raise rolls back everything the transaction wrote — a failure counter in a table would never
// count. Shared memory is outside the transaction, is seen at once by every backend, and costs
// no WAL. It is lost on a server restart (a lockout ends early then; acceptable).
//
// Why per client: a lockout keyed by the e-mail alone lets anyone who can call auth.login lock
// the rightful user out by failing on purpose. The client is the connection's peer address,
// refined by the client address a caller states (the HTTP shim passes the address of the HTTP
// client it serves). A stated address is the caller's word, so a second entry per (e-mail, peer)
// allows kPeerFactor times as many failures across all stated addresses: a caller that invents
// addresses gets no more guesses than that, and locks out only the users behind the same peer.
//
// Attempts are charged *before* the password is checked (auth._throttle_attempt) and the entry
// is dropped after a success (auth._throttle_forget): so N concurrent guesses cannot all slip
// past a check that only counts finished failures. The table has a fixed size (16,384 entries,
// all allocated at startup): when full, the least recently touched entry that is not locked
// (or the oldest one if all are) is evicted.
//
// Plain PostgreSQL code throughout: no C++ object is alive when anything here ereports.
#include <cstring>

#include "pg/login_throttle.hpp"

#include "pg/guard.hpp"
#include "pg/settings.hpp"

extern "C" {
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

namespace {

constexpr long kMaxEntries = 16384;
constexpr const char* kTrancheName = "tenantgate_login_throttle";
constexpr int kPeerFactor = 10;  // failures allowed per (e-mail, peer) across stated client addresses

enum Scope : uint32 {
  kClientScope = 0,  // (e-mail, peer, stated client): tenantgate.login_max_failures
  kPeerScope = 1,    // (e-mail, peer) when a client was stated: kPeerFactor times as many
};

struct ThrottleKey {
  Oid database;
  uint32 scope;  // Scope; keys are compared as bytes (HASH_BLOBS), so every byte is set
  int64 tenant_id;
  uint64 email_hash[2];   // two independent 64-bit hashes of the lower-cased e-mail
  uint64 client_hash[2];  // the same of the client identity (see client_identity)
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

void hash_pair(const char* bytes, int length, uint64 out[2]) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes);
  out[0] = hash_bytes_extended(data, length, 0x7467);
  out[1] = hash_bytes_extended(data, length, 0x5f746872);
}

// The connection's peer: inet_client_addr(), or "[local]" for a Unix socket (and for a
// background worker, which has no client). (libpq-be.h's Port is not used: that header needs
// the GSSAPI headers.)
const char* peer_address() {
  LOCAL_FCINFO(call, 0);
  InitFunctionCallInfoData(*call, nullptr, 0, InvalidOid, nullptr, nullptr);
  Datum address = inet_client_addr(call);
  if (call->isnull) return "[local]";
  return DatumGetCString(DirectFunctionCall1(inet_out, address));
}

// The (database, tenant, e-mail) part of a key, client left zero: what reset and status match.
ThrottleKey email_key(int64 tenant_id, const text* email) {
  ThrottleKey key;
  std::memset(&key, 0, sizeof key);
  key.database = MyDatabaseId;
  key.tenant_id = tenant_id;
  hash_pair(VARDATA_ANY(email), static_cast<int>(VARSIZE_ANY_EXHDR(email)), key.email_hash);
  return key;
}

// What the throttle counts a client by: the peer, or "<peer> <stated client>" ("<peer> *" for the
// peer-wide entry). A space separates them: neither an address nor the peer contains one.
ThrottleKey make_key(int64 tenant_id, const text* email, Scope scope, const char* peer, const text* stated_client) {
  ThrottleKey key = email_key(tenant_id, email);
  key.scope = scope;
  StringInfoData identity;
  initStringInfo(&identity);
  appendStringInfoString(&identity, peer);
  if (scope == kPeerScope) {
    appendStringInfoString(&identity, " *");
  } else if (stated_client != nullptr) {
    appendStringInfoChar(&identity, ' ');
    appendBinaryStringInfo(&identity, VARDATA_ANY(stated_client), static_cast<int>(VARSIZE_ANY_EXHDR(stated_client)));
  }
  hash_pair(identity.data, identity.len, key.client_hash);
  pfree(identity.data);
  return key;
}

bool same_email(const ThrottleKey& a, const ThrottleKey& b) {
  return a.database == b.database && a.tenant_id == b.tenant_id && a.email_hash[0] == b.email_hash[0] &&
         a.email_hash[1] == b.email_hash[1];
}

// Throttling needs the shared table, which exists only when the library was preloaded.
void require_throttle_table() {
  if (throttle_table == nullptr || throttle_lock == nullptr)
    tg::pg::raise(tg::core::Reason::PreloadRequired, nullptr,
                  "auth.login counts failed logins in shared memory; set "
                  "tenantgate.login_max_failures = 0 to log in without throttling.");
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

namespace {

// Charges one attempt to an entry (made when missing; locking it when the attempts reach
// limit); false while the entry is locked. Called with the lock held exclusively; nullptr when
// the table is full even after an eviction.
bool charge(const ThrottleKey& key, int limit, TimestampTz now, TimestampTz window, TimestampTz lockout,
            bool* table_full) {
  bool found = false;
  auto* entry = static_cast<ThrottleEntry*>(hash_search(throttle_table, &key, HASH_FIND, nullptr));
  if (entry != nullptr) {
    found = true;
  } else {
    if (hash_get_num_entries(throttle_table) >= kMaxEntries) evict_one();
    entry = static_cast<ThrottleEntry*>(hash_search(throttle_table, &key, HASH_ENTER_NULL, &found));
  }
  if (entry == nullptr) {
    *table_full = true;
    return false;
  }
  if (!found) {
    entry->attempts = 0;
    entry->refused = 0;
    entry->window_start = now;
    entry->locked_until = 0;
  }
  entry->touched = now;
  if (entry->locked_until > now) {
    if (entry->refused < PG_INT32_MAX) entry->refused += 1;
    return false;
  }
  if (entry->window_start + window <= now) {
    entry->attempts = 0;
    entry->window_start = now;
  }
  entry->attempts += 1;
  if (entry->attempts >= limit) {
    // This attempt still runs; a success drops the entry (and the lock) again.
    entry->locked_until = now + lockout;
    entry->refused = 0;
    entry->attempts = 0;
    entry->window_start = entry->locked_until;
  }
  return true;
}

}  // namespace

// auth._throttle_attempt(tenant_id bigint, email text, client text DEFAULT NULL) RETURNS boolean
// — false while the (tenant, e-mail, client) is locked out; otherwise charges one attempt
// (locking when that reaches tenantgate.login_max_failures) and returns true. The caller passes
// lower(email); client is the address the caller states for its own client (NULL: none).
TG_PG_FUNCTION(tg_throttle_attempt) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_NULL();
  int64 tenant_id = PG_GETARG_INT64(0);
  text* email = PG_GETARG_TEXT_PP(1);
  text* stated_client = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_TEXT_PP(2) : nullptr;
  int max_failures = tg::pg::login_max_failures();
  if (max_failures <= 0) PG_RETURN_BOOL(true);
  require_throttle_table();
  const char* peer = peer_address();
  ThrottleKey client_key = make_key(tenant_id, email, kClientScope, peer, stated_client);
  ThrottleKey peer_key = make_key(tenant_id, email, kPeerScope, peer, nullptr);
  TimestampTz now = GetCurrentTimestamp();
  TimestampTz window = static_cast<TimestampTz>(tg::pg::login_failure_window_seconds()) * USECS_PER_SEC;
  TimestampTz lockout = static_cast<TimestampTz>(tg::pg::login_lockout_seconds()) * USECS_PER_SEC;
  int peer_limit = max_failures > PG_INT32_MAX / kPeerFactor ? PG_INT32_MAX : max_failures * kPeerFactor;

  bool table_full = false;
  LWLockAcquire(throttle_lock, LW_EXCLUSIVE);
  bool allowed = charge(client_key, max_failures, now, window, lockout, &table_full);
  if (stated_client != nullptr) allowed = charge(peer_key, peer_limit, now, window, lockout, &table_full) && allowed;
  LWLockRelease(throttle_lock);
  if (table_full) tg::pg::raise(tg::core::Reason::ThrottleTableFull);
  PG_RETURN_BOOL(allowed);
}

// auth._throttle_forget(tenant_id bigint, email text, client text DEFAULT NULL) RETURNS void —
// forgets the (tenant, e-mail, client) after a successful login (the peer-wide entry stays: a
// caller inventing addresses cannot reset it by one good password).
TG_PG_FUNCTION(tg_throttle_forget) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_VOID();
  if (throttle_table == nullptr || throttle_lock == nullptr) PG_RETURN_VOID();
  text* stated_client = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_TEXT_PP(2) : nullptr;
  ThrottleKey key = make_key(PG_GETARG_INT64(0), PG_GETARG_TEXT_PP(1), kClientScope, peer_address(), stated_client);
  LWLockAcquire(throttle_lock, LW_EXCLUSIVE);
  hash_search(throttle_table, &key, HASH_REMOVE, nullptr);
  LWLockRelease(throttle_lock);
  PG_RETURN_VOID();
}

// auth._throttle_reset(tenant_id bigint, email text) RETURNS void — forgets the (tenant,
// e-mail) for every client: after a password change or reset, or by a DBA to lift a lockout.
TG_PG_FUNCTION(tg_throttle_reset) {
  if (throttle_table == nullptr || throttle_lock == nullptr) PG_RETURN_VOID();
  ThrottleKey wanted = email_key(PG_GETARG_INT64(0), PG_GETARG_TEXT_PP(1));
  LWLockAcquire(throttle_lock, LW_EXCLUSIVE);
  HASH_SEQ_STATUS scan;
  hash_seq_init(&scan, throttle_table);
  // Removing the entry just returned by hash_seq_search is allowed (dynahash's rule).
  while (auto* entry = static_cast<ThrottleEntry*>(hash_seq_search(&scan)))
    if (same_email(entry->key, wanted)) hash_search(throttle_table, &entry->key, HASH_REMOVE, nullptr);
  LWLockRelease(throttle_lock);
  PG_RETURN_VOID();
}

// auth._throttle_status(tenant_id bigint, email text) RETURNS jsonb — what the throttle holds
// for the (tenant, e-mail) over all its clients: {"attempts": charged attempts in the current
// windows, "refused": attempts refused during current lockouts, "locked_seconds": the longest
// lockout left (0: none), "clients": clients with an entry, "locked_clients": of which locked};
// all zero when nothing is held (or the library is not preloaded). For DBAs
// (auth.login_throttle_status) and the concurrency tests.
TG_PG_FUNCTION(tg_throttle_status) {
  int64 attempts = 0;
  int64 refused = 0;
  int64 locked_seconds = 0;
  int64 clients = 0;
  int64 locked_clients = 0;
  if (throttle_table != nullptr && throttle_lock != nullptr) {
    ThrottleKey wanted = email_key(PG_GETARG_INT64(0), PG_GETARG_TEXT_PP(1));
    TimestampTz now = GetCurrentTimestamp();
    TimestampTz window = static_cast<TimestampTz>(tg::pg::login_failure_window_seconds()) * USECS_PER_SEC;
    LWLockAcquire(throttle_lock, LW_SHARED);
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, throttle_table);
    while (auto* entry = static_cast<ThrottleEntry*>(hash_seq_search(&scan))) {
      if (!same_email(entry->key, wanted)) continue;
      bool locked = entry->locked_until > now;
      if (locked) locked_seconds = Max(locked_seconds, (entry->locked_until - now + USECS_PER_SEC - 1) / USECS_PER_SEC);
      if (entry->key.scope != kClientScope) continue;  // the peer-wide entries repeat the same attempts
      clients += 1;
      if (locked) {
        locked_clients += 1;
        refused += entry->refused;
      } else if (entry->window_start + window > now) {
        attempts += entry->attempts;  // an expired window counts as empty, as the next attempt will see it
      }
    }
    LWLockRelease(throttle_lock);
  }
  char* json =
      psprintf("{\"attempts\": " INT64_FORMAT ", \"refused\": " INT64_FORMAT ", \"locked_seconds\": " INT64_FORMAT
               ", \"clients\": " INT64_FORMAT ", \"locked_clients\": " INT64_FORMAT "}",
               attempts, refused, locked_seconds, clients, locked_clients);
  PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}
