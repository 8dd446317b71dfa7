// tenantgate on a hot standby (a streaming replica in recovery, docs/scale-out.md "Hot standby").
//
// What runs there: auth.authenticate and the readers, auth.verify, auth.tenant_for_host,
// auth.jwks and a tenant's reads. None of them writes (their caches live in backend memory; the
// token and key caches are dropped by the relcache invalidations the primary's triggers send:
// those travel in the commit record and the standby's startup process replays them when it
// replays the commit, so a revocation takes effect on the standby once replayed).
//
// What does not: every function that writes auth.* state — sign-in, refresh, logout, sign-up,
// password changes and the administration functions — is refused before its first statement with
// ONE error, read_only_replica (25006, HTTP 503, "send writes to the primary"), instead of
// whichever raw PostgreSQL error its first write would meet.
//
// Plain PostgreSQL code: no C++ object with a destructor lives here.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace tg::pg {

// True while this server is in recovery (a hot standby). Cheap on a primary: PostgreSQL caches
// the answer once recovery has ended.
bool on_standby() noexcept;

// From the object-access hook for every function about to run: on a standby, raises
// read_only_replica when `function` is one of this extension's writing functions.
void refuse_write_function_on_standby(Oid function);

}  // namespace tg::pg
