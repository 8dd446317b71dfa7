// Password hashing: our default for new passwords, and verification of hashes imported from
// Django, passlib and Werkzeug apps. Pure C++17 + OpenSSL 3 EVP_KDF; no PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tg::core {

enum class HashFormat {
  TenantgateScrypt,  // ours:     $scrypt$ln=17,r=8,p=1$<salt b64>$<hash b64>   (the default)
  PasslibPbkdf2,     // passlib:  $pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash> (also -sha512, -sha1)
  DjangoPbkdf2,      // Django:   pbkdf2_sha256$<iterations>$<salt>$<b64 hash>   (also pbkdf2_sha1)
  WerkzeugPbkdf2,    // Werkzeug: pbkdf2:sha256[:<iterations>]$<salt>$<hex hash> (also sha512, sha1)
  WerkzeugScrypt,    // Werkzeug: scrypt[:N:r:p]$<salt>$<hex hash>
};

// Identifies the format of a stored/imported hash; nullopt when it is none we accept or when
// its parameters are out of the bounds below (so a hostile import cannot make login a DoS:
// PBKDF2 iterations ≤ 10,000,000; scrypt N ≤ 2^20, r ≤ 32, p ≤ 16, memory ≤ 256 MiB).
std::optional<HashFormat> identify_hash(std::string_view stored) noexcept;

// A new hash in our default format with a fresh 16-byte salt.
std::string hash_password(std::string_view password);

// Constant-time comparison of the derived key. False for a wrong password and for a hash whose
// format identify_hash() rejects. Never throws for bad input; throws Error(Internal) only if
// OpenSSL itself fails.
bool verify_password(std::string_view password, std::string_view stored);

// True when `stored` is not in our current default format with current parameters, so a
// successful login should replace it with hash_password(password).
bool needs_rehash(std::string_view stored) noexcept;

// The same work as verify_password against a fixed dummy hash of the default format, for
// unknown e-mails, so they cost what a wrong password costs.
void burn_password_work(std::string_view password);

// The key-derivation work this thread has asked OpenSSL for, summed over every derivation since
// the thread started, so the difference of two readings around a call is what the call cost, in
// the KDF's own units. Tests state costs with it (a refused hash costs nothing; an unknown e-mail
// costs what a default verify costs) — counted work, which holds on a machine of any speed.
struct KdfWork {
  std::uint64_t derivations = 0;        // EVP_KDF_derive calls
  std::uint64_t pbkdf2_iterations = 0;  // PBKDF2 iterations
  std::uint64_t scrypt_nrp = 0;         // scrypt N·r·p: its time grows with this product
  std::uint64_t scrypt_memory = 0;      // scrypt bytes allocated (OpenSSL's accounting: 128·r·(N+2+p))
  std::uint64_t password_bytes = 0;     // password bytes fed to the KDF
};
KdfWork kdf_work_done() noexcept;

}  // namespace tg::core
