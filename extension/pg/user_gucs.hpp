// The users/sessions part of _PG_init: token lifetimes, the login throttle, reset tokens.
// Called from tg::pg::register_session_module() (pg/session_module.cpp), i.e. from _PG_init.
#pragma once

namespace tg::pg {

// Defines tenantgate.access_ttl, refresh_ttl, reset_ttl, login_max_failures,
// login_failure_window, login_lockout (all PGC_SUSET) and, when the library is being preloaded,
// requests the login throttle's shared memory (pg/login_throttle.cpp). Only from _PG_init.
void define_user_gucs();

// The settings, in seconds (the GUC machinery owns the storage).
int access_ttl_seconds() noexcept;
int refresh_ttl_seconds() noexcept;
int reset_ttl_seconds() noexcept;
int login_max_failures() noexcept;  // 0: throttling off
int login_failure_window_seconds() noexcept;
int login_lockout_seconds() noexcept;

// From define_user_gucs(), only when preloaded: shmem_request_hook / shmem_startup_hook, chained.
void register_login_throttle_shmem();

}  // namespace tg::pg
