// The login throttle's shared memory (pg/login_throttle.cpp says what it holds and why).
#pragma once

namespace tg::pg {

// From _PG_init, only when preloaded (shared memory can only be requested then):
// shmem_request_hook / shmem_startup_hook, chained. Without it, auth.login refuses to throttle
// (tenantgate.login_max_failures = 0 logs in without throttling).
void register_login_throttle_shmem();

}  // namespace tg::pg
