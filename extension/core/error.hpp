// The error table: every rejection tenantgate raises — from the C++ core, from the PostgreSQL
// layer (pg/guard.hpp: tg::pg::raise) and from SQL (auth._raise(reason, detail)) — is one row
// here: a stable machine-readable id, the contract's SQLSTATE, the message, an optional HINT,
// and the HTTP status the shim answers with. The shim compiles this same file (server/) and maps
// an error by the id the extension attaches to it (see pg/guard.hpp, "the reason tag"), never
// by its text: rewording a message cannot change a status.
//
// Messages are lower case, no trailing period, and never contain a token, key or password.
// A message with "%s" takes its detail in that place ("permission denied for function %s");
// any other message takes an optional detail after ": " ("invalid parameter value: email").
// The detail is a short fixed phrase chosen by our code, never a secret.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

// The project's version (CMakeLists.txt: project VERSION, = tenantgate.control's default_version).
#ifndef TG_VERSION
#error "TG_VERSION is defined by CMakeLists.txt (the project's VERSION)"
#endif

namespace tg::core {

// X(enumerator, id, SQLSTATE, HTTP status, message, hint or nullptr)
// Rows are appended or reworded freely; an id, once published, is never reused for another
// meaning (clients and the shim key on it).
#define TG_ERROR_REASONS(X)                                                                                            \
  /* tokens (CONTRACT.md §1 Errors) */                                                                                \
  X(MalformedToken, "malformed_token", "28000", 401, "malformed token", nullptr)                                       \
  X(InvalidSignature, "invalid_signature", "28000", 401, "invalid signature", nullptr)                                 \
  X(AlgorithmNotAllowed, "algorithm_not_allowed", "28000", 401, "algorithm not allowed", nullptr)                      \
  X(UnknownKey, "unknown_key", "28000", 401, "unknown key", nullptr)                                                   \
  X(TokenExpired, "token_expired", "28000", 401, "token expired", nullptr)                                             \
  X(TokenNotYetValid, "token_not_yet_valid", "28000", 401, "token not yet valid", nullptr)                             \
  X(InvalidIssuer, "invalid_issuer", "28000", 401, "invalid issuer", nullptr)                                          \
  X(InvalidAudience, "invalid_audience", "28000", 401, "invalid audience", nullptr)                                    \
  X(TokenRevoked, "token_revoked", "28000", 401, "token revoked", nullptr)                                             \
  X(WrongTokenType, "wrong_token_type", "28000", 401, "wrong token type", nullptr)                                     \
  X(NotAuthenticated, "not_authenticated", "28000", 401, "not authenticated", nullptr)                                 \
  X(InvalidCredentials, "invalid_credentials", "28P01", 401, "invalid credentials", nullptr)                           \
  /* tenants */                                                                                                        \
  X(TenantMismatch, "tenant_mismatch", "42501", 403, "tenant mismatch", nullptr)                                       \
  X(UnknownTenant, "unknown_tenant", "42704", 404, "unknown tenant", nullptr)                                          \
  X(TenantInactive, "tenant_inactive", "42501", 403, "tenant inactive", nullptr)                                       \
  X(SchemaExists, "schema_exists", "42P06", 409, "invalid parameter value: a schema named %s already exists", nullptr) \
  /* users */                                                                                                          \
  X(UnknownUser, "unknown_user", "42704", 404, "unknown user", nullptr)                                                \
  X(UserExists, "user_exists", "23505", 409, "user already exists", nullptr)                                           \
  X(SignupDisabled, "signup_disabled", "42501", 403, "sign-up disabled", nullptr)                                      \
  X(PasswordTooShort, "password_too_short", "22023", 400,                                                              \
    "invalid parameter value: password must have at least 8 characters", nullptr)                                      \
  X(PasswordTooLong, "password_too_long", "22023", 400, "invalid parameter value: password too long", nullptr)         \
  X(InvalidEmail, "invalid_email", "22023", 400, "invalid parameter value: email", nullptr)                            \
  /* who may call what */                                                                                              \
  X(PermissionDenied, "permission_denied", "42501", 403, "permission denied", nullptr)                                 \
  X(FunctionPermissionDenied, "function_permission_denied", "42501", 403, "permission denied for function %s",         \
    nullptr)                                                                                                           \
  X(AdminOnly, "admin_only", "42501", 403, "admin only", nullptr)                                                      \
  /* inside a transaction authenticated by auth.authenticate */                                                        \
  X(NotAllowedInTenant, "not_allowed_in_tenant", "42501", 403, "%s is not allowed in an authenticated transaction",    \
    nullptr)                                                                                                           \
  X(AlreadyAuthenticated, "already_authenticated", "42501", 403, "already authenticated in this transaction", nullptr) \
  X(TenantContextLost, "tenant_context_lost", "42501", 403, "tenant context lost", nullptr)                            \
  X(AuthenticateRestricted, "authenticate_restricted", "42501", 403,                                                   \
    "auth.authenticate cannot run inside a security-definer function or a restricted operation", nullptr)              \
  X(ManagedRole, "managed_role", "42501", 403, "role \"%s\" is managed by tenantgate", nullptr)                        \
  X(RoleExists, "role_exists", "42710", 409, "role \"%s\" already exists",                                             \
    "It is someone else's, or left by a dropped database or extension: SELECT * FROM auth.cleanup_roles() as a "       \
    "superuser drops roles no database uses.")                                                                         \
  /* installation */                                                                                                   \
  X(PreloadRequired, "preload_required", "55000", 500, "tenantgate must be loaded via shared_preload_libraries",       \
    "Add tenantgate to shared_preload_libraries and restart the server.")                                              \
  X(ExtensionVersionMismatch, "extension_version_mismatch", "55000", 503,                                              \
    "tenantgate library " TG_VERSION " is loaded but the database has %s",                                             \
    "Run ALTER EXTENSION tenantgate UPDATE in this database.")                                                         \
  X(ThrottleTableFull, "throttle_table_full", "53200", 503, "login throttle table is full", nullptr)                   \
  X(ReadOnlyReplica, "read_only_replica", "25006", 503, "this server is a read-only replica",                          \
    "Send writes to the primary.")                                                                                     \
  X(LocalTableInDistributedSchema, "local_table_in_distributed_schema", "55000", 500,                                  \
    "a table in a distributed schema is not distributed",                                                              \
    "Citus could not make it a tenant table of the schema: change the migration (no inheritance, typed or foreign "    \
    "tables; foreign keys only within the schema).")                                                                   \
  /* input */                                                                                                          \
  X(InvalidKey, "invalid_key", "22023", 400, "invalid key", nullptr)                                                   \
  X(InvalidParameter, "invalid_parameter", "22023", 400, "invalid parameter value", nullptr)                           \
  /* the HTTP query path (auth.http_request, extension/pg/fn_http_request.cpp and core/postgrest) */                   \
  X(UnknownTable, "unknown_table", "42P01", 404, "unknown table", nullptr)                                             \
  X(UnknownColumn, "unknown_column", "42703", 400, "unknown column", nullptr)                                          \
  X(UnknownFunction, "unknown_function", "42883", 404, "unknown function", nullptr)                                    \
  X(UnknownOperator, "unknown_operator", "22023", 400, "unknown operator", nullptr)                                    \
  X(InvalidFilter, "invalid_filter", "22023", 400, "invalid filter", nullptr)                                          \
  X(InvalidQuery, "invalid_query", "22023", 400, "invalid query", nullptr)                                             \
  X(FilterRequired, "filter_required", "22023", 400, "filter required", nullptr)                                       \
  X(InvalidBody, "invalid_body", "22023", 400, "invalid body", nullptr)                                                \
  X(NoColumns, "no_columns", "22023", 400, "no columns", nullptr)                                                      \
  X(InvalidRequest, "invalid_request", "22023", 400, "invalid request", nullptr)                                       \
  X(ArgumentsDoNotMatch, "arguments_do_not_match", "22023", 400, "arguments do not match", nullptr)                    \
  X(AmbiguousFunction, "ambiguous_function", "22023", 400, "ambiguous function", nullptr)                              \
  /* the machine */                                                                                                    \
  X(OutOfMemory, "out_of_memory", "53200", 503, "out of memory", nullptr)                                              \
  X(Internal, "internal", "XX000", 500, "internal error", nullptr) /* OpenSSL failure and the like; keep last */

enum class Reason {
#define TG_REASON_ENUM(name, id, sqlstate, http, message, hint) name,
  TG_ERROR_REASONS(TG_REASON_ENUM)
#undef TG_REASON_ENUM
};

struct ReasonInfo {
  const char* id;        // stable snake_case id, e.g. "token_revoked" (the reason tag carries it)
  const char* sqlstate;  // five characters, e.g. "28000"
  int http_status;       // what the shim answers (server/http_errors.cpp)
  const char* message;   // the stable message, or its template with one "%s"
  const char* hint;      // PostgreSQL HINT, or nullptr
};

const ReasonInfo& reason_info(Reason reason) noexcept;

// Every row, in the enum's order (tests, auth._reasons(), the shim's lookup).
std::size_t reason_count() noexcept;
Reason reason_at(std::size_t index) noexcept;  // index < reason_count()

// The row with this id; nullopt for an unknown id.
std::optional<Reason> reason_by_id(std::string_view id) noexcept;

// True when the row's message has the "%s" its detail fills.
bool reason_takes_detail_inline(Reason reason) noexcept;

// Writes the message of `reason` with `detail` (nullptr or "": none) into out[0..size) — NUL
// terminated, cut at a UTF-8 character boundary when too long — and returns the length the whole
// message has (like snprintf), so that a caller can size a buffer with (nullptr, 0) first.
std::size_t compose_message(Reason reason, const char* detail, char* out, std::size_t size) noexcept;

// The prefix PostgreSQL's CONSTRAINT NAME field carries on every error tenantgate raises:
// "tenantgate:<id>" (pg/guard.hpp says why that field).
inline constexpr std::string_view kReasonTagPrefix = "tenantgate:";

// Thrown by the core. what() is the composed message (see compose_message).
class Error : public std::exception {
 public:
  explicit Error(Reason reason, std::string detail = {});
  Reason reason() const noexcept { return reason_; }
  const char* sqlstate() const noexcept { return reason_info(reason_).sqlstate; }
  const std::string& detail() const noexcept { return detail_; }
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  Reason reason_;
  std::string detail_;
  std::string text_;
};

}  // namespace tg::core
