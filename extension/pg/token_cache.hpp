// The per-backend cache of authenticated access tokens: what auth.authenticate established for
// a token (its verified claims, the tenant row and role it selects, the session check passed),
// so that a token this backend has already authenticated skips the signature check and every
// SPI/catalog read. Keyed by the SHA-256 of the whole token. exp/nbf/iat are checked again on
// every hit (with tenantgate.leeway as it is then); an entry verified under other
// tenantgate.issuer/audience values is not used.
//
// Invalidation (transactional, PostgreSQL's own shared-invalidation queue): triggers on
// auth.keys/auth.tenants (keys_changed, keys_cache_tenants_changed), auth.revoked_tokens,
// auth.refresh_families and auth.users (sql/1.0/55_token_cache.sql) send a relcache
// invalidation of their table at COMMIT; every backend drops the whole cache when it receives
// one, and auth.authenticate reads the queue (AcceptInvalidationMessages) before each lookup: a
// revocation, logout, refresh-reuse family revocation, key revocation, tenant or user
// deactivation committed anywhere takes effect on the next authenticate of every backend. Role
// changes (pg_authid) drop it too. A fill that saw an invalidation arrive while it read is not
// kept (generation counter). Plain data only: entries live in their own memory context under
// CacheMemoryContext; no C++ object with a destructor.
#pragma once

#include <cstdint>

extern "C" {
#include "postgres.h"
}

namespace tg::pg {

constexpr int token_digest_bytes = 32;

struct TokenCacheEntry {
  unsigned char digest[token_digest_bytes];  // hash key: SHA-256 of the token
  // Allocated in the cache's context; valid until the next call that may process invalidations.
  char* payload_json;
  char* slug;
  char* role_kind;
  char* user_id;
  char* issuer;    // tenantgate.issuer when verified
  char* audience;  // tenantgate.audience when verified
  int64 tenant_id;
  bool schema_isolation;
  Oid role_oid;
  bool has_exp, has_nbf, has_iat;
  double exp, nbf, iat;
  int ring_slot;  // its place in the eviction ring
};

// Plain values to store (strings are copied into the cache's context).
struct TokenCacheFill {
  const char* payload_json;
  const char* slug;
  const char* role_kind;
  const char* user_id;
  const char* issuer;
  const char* audience;
  int64 tenant_id;
  bool schema_isolation;
  Oid role_oid;
  bool has_exp, has_nbf, has_iat;
  double exp, nbf, iat;
};

// Relcache (watched auth tables) and pg_authid callbacks. Called from _PG_init.
void register_token_cache_callbacks();

bool token_cache_enabled() noexcept;
// SHA-256 of the token (OpenSSL EVP); false if hashing failed (then nothing is cached).
bool token_digest(const char* token, std::size_t length, unsigned char out[token_digest_bytes]) noexcept;
// Processes pending invalidations, then looks the digest up (counts a hit or a miss).
const TokenCacheEntry* token_cache_lookup(const unsigned char digest[token_digest_bytes]);
// Bumped by every invalidation that drops the cache.
std::uint64_t token_cache_generation() noexcept;
// Resolves the watched tables' oids if needed (catalog lookups; call before reading the state
// an entry will describe).
void token_cache_prepare();
// Processes pending invalidations, then stores the entry unless the generation moved since
// `generation_seen` (an invalidation arrived while the state was being read).
void token_cache_store(const unsigned char digest[token_digest_bytes], const TokenCacheFill& fill,
                       std::uint64_t generation_seen);

}  // namespace tg::pg
