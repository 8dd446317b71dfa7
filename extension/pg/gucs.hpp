// tenantgate.* settings owned by the key/token layer. All PGC_SUSET: only a superuser (or
// postgresql.conf / ALTER SYSTEM / ALTER DATABASE|ROLE ... SET run by one) may change them.
#pragma once

namespace tg::pg {

// Defines tenantgate.leeway, tenantgate.max_token_size, tenantgate.issuer, tenantgate.audience.
// Called once from _PG_init.
void define_token_gucs();

int leeway_seconds() noexcept;    // tenantgate.leeway, 0..300, default 30
int max_token_bytes() noexcept;   // tenantgate.max_token_size, 1024..1048576, default 16384
const char* issuer() noexcept;    // tenantgate.issuer, "" = not checked (never NULL)
const char* audience() noexcept;  // tenantgate.audience, "" = not checked (never NULL)

}  // namespace tg::pg
