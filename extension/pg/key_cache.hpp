// The per-backend key cache: parsed keys of auth.keys (OpenSSL objects built once), loaded
// lazily, one LOOKUP at a time, and dropped only when keys or tenants change.
//
// Loading. A lookup is either "kid K for tenant T" (the non-revoked keys named K that are global
// or T's; any tenant's when T is unknown) or "the signer of tenant T" (T's active signer and the
// global one). A miss reads just those rows by SPI as the extension owner with the latest
// snapshot (pg/spi.hpp), through the index on (kid, tenant) or keys_one_active_signer, and keeps
// the parsed keys; an empty answer (unknown kid) is kept too. At most
// tenantgate.key_cache_size lookups are kept (least recently used evicted first). A backend thus
// parses only the keys it uses: before this, the first verification parsed EVERY stored key
// (measured: 1.3-1.8 s with 1,000 tenant keys, 12-13 s with 10,000 — past the server's
// statement_timeout). Measured after the change, same machine, 10,000 tenants' ES256 keys: the
// first auth.authenticate in a new backend 51-61 ms (was 9.3-13.5 s), one lookup, one key parsed.
// auth.jwks reads the tenant's public JWKs by SPI on each call, no parsing.
//
// Invalidation. A statement trigger on auth.keys (any change) and on auth.tenants (UPDATE OF
// active/slug, DELETE, TRUNCATE) sends a relcache invalidation of auth._key_cache_signal, an
// empty view that exists only for this: no row, no statistics, never vacuumed or analysed, so
// ONLY a key or tenant change (or DDL on the view itself) names it. The relcache callback drops
// every lookup when it sees that relation, or a full reset (InvalidOid: sinval queue overflow;
// rare, and needed for correctness). Invalidations of auth.keys itself (ANALYZE, VACUUM's
// relstats, DDL) no longer drop anything. Other backends process the message at their next
// transaction start (or lock acquisition), this one at its next command: a key added, revoked or
// generated, or a tenant deactivated, is seen by every backend from its next transaction on, and
// a kept "unknown kid" answer never outlives the change that would answer it. Alternatives
// rejected: a generation row read per request (a lookup on every warm call) and a shared-memory
// counter (only when preloaded, and still a check per call).
//
// A warm lookup makes no PostgreSQL call at all (no SPI, no catalog access):
// auth._key_cache_status() counts lookups loaded, keys parsed, hits and flushes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/jose.hpp"

namespace tg::pg {

struct CachedKey {
  std::string kid;
  std::optional<std::string> tenant;  // nullopt: a global key
  core::Key key;
  bool active_signer = false;
  bool tenant_active = true;  // false: the key's tenant is inactive (see below)
};

// The lookups. The reference returned is valid only until the next PostgreSQL call (which may
// drop the cache): copy what you keep. Both may load by SPI (through pg_call: callable inside
// guarded(); throws PgError for PostgreSQL errors).
struct KeySet {
  // Verification (JWT-08/09): kid given -> the keys with exactly that kid, restricted to `tenant`'s
  // and global keys when a tenant is known; exactly one must remain. No kid -> the tenant's active
  // signer, else the global one. Never a loop trying keys. Throws core::Error(UnknownKey).
  // A key of an inactive tenant IS returned: the caller verifies the signature first and only
  // then reports TenantInactive, so only the holder of a genuine token learns the tenant's state.
  const CachedKey& for_verification(const std::optional<std::string>& kid, const std::optional<std::string>& tenant);

  // Signing: like verification, except that a key named by kid whose tenant differs from the
  // claims' tenant is a TenantMismatch, a key of an inactive tenant is TenantInactive, and the
  // key must be able to sign.
  const CachedKey& for_signing(const std::optional<std::string>& kid, const std::optional<std::string>& tenant);
};

// The cache (a stateless handle; the state is the backend's).
KeySet& key_set();

struct KeyCacheStatus {
  std::uint64_t loads = 0;        // lookups read by SPI (misses)
  std::uint64_t keys_parsed = 0;  // keys parsed by those loads
  std::uint64_t hits = 0;         // lookups answered from memory
  std::uint64_t flushes = 0;      // invalidations that dropped a non-empty cache
  std::uint64_t evictions = 0;    // lookups dropped for tenantgate.key_cache_size
  std::uint64_t entries = 0;      // lookups kept now
};
KeyCacheStatus key_cache_status() noexcept;

// auth.jwks: the JWK Set text of the public keys that verify `tenant`'s tokens (its own and the
// global ones; nullopt: the global ones), keys of inactive tenants left out. Read by SPI on each
// call (pg_call inside), never parsed.
std::string public_jwks(const std::optional<std::string>& tenant);

// Longest kid ever looked up; longer ones are unknown without a lookup.
constexpr std::size_t max_kid_bytes = 256;

// From _PG_init: registers the relcache callback that drops the cache.
void register_key_cache_callback();

}  // namespace tg::pg
