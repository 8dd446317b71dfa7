// The password entry points behind auth.create_user / auth.login / auth.change_password
// (sql/1.0/40_users.sql, 50_sessions.sql): thin wrappers over core/password.hpp. Owner-only SQL
// functions; nothing here ever puts a password or hash into an error.
#include <string>
#include <string_view>

#include "core/jose.hpp"
#include "core/password.hpp"
#include "pg/guard.hpp"
#include "pg/text.hpp"

// auth._hash_password(password text) RETURNS text — a new hash in the default format.
// 22023 "invalid parameter value: password too long" beyond 4,096 bytes.
TG_PG_FUNCTION(tg_hash_password) {
  text* password = PG_GETARG_TEXT_PP(0);
  return tg::pg::guarded([&]() -> Datum {
    std::string hashed = tg::core::hash_password(tg::pg::view_of(password));
    return tg::pg::text_datum(hashed);
  });
}

// auth._verify_password(password text, stored text) RETURNS boolean — constant-time; false for
// a wrong password and for a stored string in no accepted format.
TG_PG_FUNCTION(tg_verify_password) {
  text* password = PG_GETARG_TEXT_PP(0);
  text* stored = PG_GETARG_TEXT_PP(1);
  return tg::pg::guarded([&]() -> Datum {
    return BoolGetDatum(tg::core::verify_password(tg::pg::view_of(password), tg::pg::view_of(stored)));
  });
}

// auth._password_needs_rehash(stored text) RETURNS boolean.
TG_PG_FUNCTION(tg_password_needs_rehash) {
  text* stored = PG_GETARG_TEXT_PP(0);
  return tg::pg::guarded([&]() -> Datum { return BoolGetDatum(tg::core::needs_rehash(tg::pg::view_of(stored))); });
}

// auth._burn_password_work(password text) RETURNS void — what a wrong password costs, for
// unknown e-mails and inactive users.
TG_PG_FUNCTION(tg_burn_password_work) {
  text* password = PG_GETARG_TEXT_PP(0);
  return tg::pg::guarded([&]() -> Datum {
    tg::core::burn_password_work(tg::pg::view_of(password));
    return Datum(0);
  });
}

// auth._password_hash_format(stored text) RETURNS text — 'scrypt', 'passlib-pbkdf2',
// 'django-pbkdf2', 'werkzeug-pbkdf2', 'werkzeug-scrypt', or NULL when the string is no hash we
// accept (or its parameters are out of bounds). create_user refuses NULL with 22023.
TG_PG_FUNCTION(tg_password_hash_format) {
  text* stored = PG_GETARG_TEXT_PP(0);
  const char* name = tg::pg::guarded([&]() -> const char* {
    auto format = tg::core::identify_hash(tg::pg::view_of(stored));
    if (!format) return nullptr;
    switch (*format) {
      case tg::core::HashFormat::TenantgateScrypt: return "scrypt";
      case tg::core::HashFormat::PasslibPbkdf2: return "passlib-pbkdf2";
      case tg::core::HashFormat::DjangoPbkdf2: return "django-pbkdf2";
      case tg::core::HashFormat::WerkzeugPbkdf2: return "werkzeug-pbkdf2";
      case tg::core::HashFormat::WerkzeugScrypt: return "werkzeug-scrypt";
    }
    return nullptr;
  });
  if (name == nullptr) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(cstring_to_text(name));
}

// auth._random_token(prefix text) RETURNS text — prefix || base64url(32 CSPRNG bytes): the opaque
// refresh ("tgr_") and reset ("tgp_") tokens. Only their SHA-256 is ever stored.
TG_PG_FUNCTION(tg_random_token) {
  text* prefix = PG_GETARG_TEXT_PP(0);
  return tg::pg::guarded([&]() -> Datum {
    std::string token(tg::pg::view_of(prefix));
    token += tg::core::base64url_encode(tg::core::random_bytes(32));
    return tg::pg::text_datum(token);
  });
}
