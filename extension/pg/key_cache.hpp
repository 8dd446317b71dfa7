// The per-backend cache of auth.keys: every non-revoked key, parsed once (OpenSSL objects built
// once), with its tenant's active flag. Loaded on first use by SPI as the extension owner, so an
// authenticator verifies without any privilege on auth.keys; dropped in every backend when
// auth.keys or auth.tenants changes (statement trigger -> relcache invalidation of auth.keys ->
// callback). A warm lookup makes no PostgreSQL call at all.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/jose.hpp"

namespace tg::pg {

struct CachedKey {
  std::string kid;
  std::optional<std::string> tenant;  // nullopt: a global key
  core::Key key;
  std::optional<std::string> public_jwk;  // JSON text, asymmetric keys only
  bool active_signer = false;
  bool tenant_active = true;  // false: the key's tenant is inactive (see below)
};

struct KeySet {
  KeySet() = default;
  KeySet(const KeySet&) = delete;  // the lookup memo points into `keys`
  KeySet& operator=(const KeySet&) = delete;

  std::vector<CachedKey> keys;  // ordered by created_at, kid; not changed once the set is built

  // Verification (JWT-08/09): kid given -> the keys with exactly that kid, restricted to `tenant`'s
  // and global keys when a tenant is known; exactly one must remain. No kid -> the tenant's active
  // signer, else the global one. Never a loop trying keys. Throws core::Error(UnknownKey).
  // A key of an inactive tenant IS returned: the caller verifies the signature first and only
  // then reports TenantInactive, so only the holder of a genuine token learns the tenant's state.
  const CachedKey& for_verification(const std::optional<std::string>& kid,
                                    const std::optional<std::string>& tenant) const;

  // Signing: like verification, except that a key named by kid whose tenant differs from the
  // claims' tenant is a TenantMismatch, a key of an inactive tenant is TenantInactive, and the
  // key must be able to sign.
  const CachedKey& for_signing(const std::optional<std::string>& kid, const std::optional<std::string>& tenant) const;

 private:
  // The last successful kid lookup of for_verification: a key's tokens come in runs, and in an
  // immutable set the same kid and tenant always find the same key (failures are not kept).
  mutable std::string last_kid_;
  mutable std::optional<std::string> last_tenant_;
  mutable const CachedKey* last_found_ = nullptr;
};

// The current key set, loading it first when needed (SPI through pg_call: callable inside
// guarded(); throws PgError for PostgreSQL errors). The reference is valid only until the next
// PostgreSQL call: copy what you keep.
const KeySet& key_set();

// Longest kid ever looked up; longer ones are unknown without a lookup.
constexpr std::size_t max_kid_bytes = 256;

// From _PG_init: registers the relcache callback that drops the cache.
void register_key_cache_callback();

}  // namespace tg::pg
