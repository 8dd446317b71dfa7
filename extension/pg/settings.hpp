// Every tenantgate.* setting, defined in one place (settings.cpp) from _PG_init. All are
// PGC_SUSET: only a superuser (or postgresql.conf / ALTER SYSTEM / ALTER DATABASE|ROLE ... SET
// run by one) may change them. Durations are seconds (GUC_UNIT_S: '15min', '7d' work). The
// storage is plain globals written only by the GUC machinery; the readers never ereport.
#pragma once

namespace tg::pg {

// Defines every setting below. Only from _PG_init, before MarkGUCPrefixReserved("tenantgate").
void define_settings();

// Tokens (pg/verify.cpp).
int leeway_seconds() noexcept;    // tenantgate.leeway, 0..300, default 30
int max_token_bytes() noexcept;   // tenantgate.max_token_size, 1024..1048576, default 16384
const char* issuer() noexcept;    // tenantgate.issuer, "" = not checked (never NULL)
const char* audience() noexcept;  // tenantgate.audience, "" = not checked (never NULL)
int token_cache_size() noexcept;  // tenantgate.token_cache_size, 0..1000000 entries per backend, default 1024; 0: off

// Keys (pg/key_cache.cpp).
int key_cache_size() noexcept;  // tenantgate.key_cache_size, 16..1000000 lookups, default 4096

// Tenants. tenantgate.tenant_key_alg (default ES256; empty or an algorithm auth.generate_key
// accepts, checked when set) is read by SQL only (auth.create_tenant).
const char* base_domain() noexcept;  // tenantgate.base_domain, default localhost (never NULL)

// Users and sessions, in seconds.
int access_ttl_seconds() noexcept;            // tenantgate.access_ttl, 10..86400, default 300
int refresh_ttl_seconds() noexcept;           // tenantgate.refresh_ttl, 60..365 days, default 7 days
int reset_ttl_seconds() noexcept;             // tenantgate.reset_ttl, 60..7 days, default 3600
int login_max_failures() noexcept;            // tenantgate.login_max_failures, 0..1000, default 5; 0: off
int login_failure_window_seconds() noexcept;  // tenantgate.login_failure_window, 1..86400, default 900
int login_lockout_seconds() noexcept;         // tenantgate.login_lockout, 1..86400, default 900

}  // namespace tg::pg
