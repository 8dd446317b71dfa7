// server/http_errors.cpp: database errors are mapped by the reason tag (our own) or the SQLSTATE
// (everything else), never by message text; every answer has PostgREST's shape.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "http_errors.hpp"

namespace {

using tg::core::Reason;
using tg::core::reason_at;
using tg::core::reason_count;
using tg::core::reason_info;
using tg::server::DbErrorFields;
using tg::server::error_body;
using tg::server::HttpError;
using tg::server::map_db_error;
using tg::server::status_for_sqlstate;

// The fields of a database error; constraint: its CONSTRAINT NAME (a reason tag on ours).
DbErrorFields fields(std::string_view sqlstate, std::string_view message, std::string_view constraint = {}) {
  DbErrorFields f;
  f.sqlstate = sqlstate;
  f.message = message;
  f.constraint = constraint;
  return f;
}

// A database error as the shim maps it (untagged without a constraint).
HttpError db(std::string_view sqlstate, std::string_view message, std::string_view constraint = {}) {
  return map_db_error(fields(sqlstate, message, constraint));
}

// One of ours: the tag the extension attaches (pg/guard.hpp).
HttpError ours(Reason r, std::string_view message) {
  static std::string tag;
  tag = std::string(tg::core::kReasonTagPrefix) + reason_info(r).id;
  return db(reason_info(r).sqlstate, message, tag);
}

TEST(HttpErrors, EveryReasonHasAnHttpStatusAndTheTagSelectsIt) {
  for (std::size_t i = 0; i < reason_count(); ++i) {
    const auto& info = reason_info(reason_at(i));
    SCOPED_TRACE(info.id);
    HttpError e = ours(reason_at(i), info.message);
    EXPECT_EQ(e.status, info.http_status);
    EXPECT_EQ(e.code, info.sqlstate);
    EXPECT_EQ(e.message, info.message);
    EXPECT_EQ(e.reason, info.message);
    // The table agrees with the SQLSTATE mapping, except where a row says otherwise on purpose
    // (read_only_replica: 25006 is PostgREST's 405 for a write in a read-only transaction; a
    // standby refusing a write is a 503 — this server cannot, the primary can;
    // extension_version_mismatch: 55000 is a 500, but a library newer than the database's SQL is
    // an upgrade half done, which ends when the DBA runs ALTER EXTENSION UPDATE — retry later;
    // role_exists: 42710 is a 400, but a name held by another database's role is a conflict with
    // existing state, a 409 like schema_exists and user_exists).
    if (reason_at(i) != Reason::SchemaExists && reason_at(i) != Reason::RoleExists &&
        reason_at(i) != Reason::ReadOnlyReplica && reason_at(i) != Reason::ExtensionVersionMismatch) {
      EXPECT_EQ(info.http_status, status_for_sqlstate(info.sqlstate));
    }
  }
}

TEST(HttpErrors, RewordingAMessageChangesNoStatus) {
  for (std::size_t i = 0; i < reason_count(); ++i) {
    const auto& info = reason_info(reason_at(i));
    SCOPED_TRACE(info.id);
    HttpError as_is = ours(reason_at(i), info.message);
    HttpError reworded = ours(reason_at(i), "something else entirely");
    EXPECT_EQ(reworded.status, as_is.status);
    EXPECT_EQ(reworded.code, as_is.code);
    EXPECT_EQ(reworded.bearer_challenge, as_is.bearer_challenge);
    // Untagged, the status is the SQLSTATE's whatever the text says.
    EXPECT_EQ(db(info.sqlstate, "something else entirely").status, db(info.sqlstate, info.message).status);
  }
  // The id decides, not the text: a message of one row under the tag of another.
  EXPECT_EQ(ours(Reason::UnknownTenant, "token revoked").status, 404);
  EXPECT_EQ(ours(Reason::TokenRevoked, "unknown tenant").status, 401);
}

TEST(HttpErrors, ATagCountsOnlyWithItsRowsSqlstate) {
  // a tenant's unique constraint that happens to be named like a tag
  HttpError e = db("23505", "duplicate key value violates unique constraint \"tenantgate:token_revoked\"",
                   "tenantgate:token_revoked");
  EXPECT_EQ(e.status, 409);
  EXPECT_FALSE(e.bearer_challenge);
  DbErrorFields f = fields("28000", "duplicate key value violates unique constraint \"tenantgate:token_revoked\"",
                           "tenantgate:no_such_reason");
  EXPECT_EQ(map_db_error(f).status, 401);
  EXPECT_EQ(map_db_error(f).reason, "invalid token");
  EXPECT_FALSE(tg::server::tagged_reason(f).has_value());
  f.constraint = "token_revoked";  // no prefix
  EXPECT_FALSE(tg::server::tagged_reason(f).has_value());
}

TEST(HttpErrors, ApiLanguageRefusalsCarryPostgrestsCode) {
  HttpError e = db("PT406", "JSON object requested, multiple (or no) rows returned", "tenantgate:PGRST116");
  EXPECT_EQ(e.status, 406);
  EXPECT_EQ(e.code, "PGRST116");
  EXPECT_EQ(e.message, "JSON object requested, multiple (or no) rows returned");
  e = db("22023", "unknown operator", "tenantgate:PGRST100");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "PGRST100");
  EXPECT_FALSE(e.hint.has_value());
  // PGRST201: the hint lists the candidate relationships (catalog names), as PostgREST's does
  DbErrorFields f = fields("22023", "ambiguous relationship", "tenantgate:PGRST201");
  f.hint = "Try changing 'customers' to one of the following: 'customers!a_fk', 'customers!b_fk'";
  e = map_db_error(f);
  EXPECT_EQ(e.code, "PGRST201");
  EXPECT_EQ(e.hint, std::optional<std::string>(std::string(*f.hint)));
  f.hint = std::nullopt;
  // a tenant's unique constraint named like the tag keeps its SQLSTATE as the code
  const char* named_like_the_tag = "duplicate key value violates unique constraint \"tenantgate:PGRST116\"";
  e = db("23505", named_like_the_tag, "tenantgate:PGRST116");
  EXPECT_EQ(e.status, 409);
  EXPECT_EQ(e.code, "23505");
  // not a PostgREST code's shape
  EXPECT_FALSE(tg::server::pgrst_tag(fields("22023", named_like_the_tag, "tenantgate:PGRST11")).has_value());
}

TEST(HttpErrors, ContractStatusesAndChallenges) {
  auto e = ours(Reason::TokenExpired, "token expired");
  EXPECT_EQ(e.status, 401);
  EXPECT_EQ(e.reason, "token expired");
  EXPECT_TRUE(e.bearer_challenge);
  EXPECT_FALSE(ours(Reason::InvalidCredentials, "invalid credentials").bearer_challenge);
  EXPECT_EQ(ours(Reason::TenantMismatch, "tenant mismatch").status, 403);
  EXPECT_EQ(ours(Reason::UnknownTenant, "unknown tenant").status, 404);
  EXPECT_EQ(ours(Reason::TenantInactive, "tenant inactive").status, 403);
  // A detail after ": " stays in the message; the short reason is the row's.
  auto m = ours(Reason::MalformedToken, "malformed token: jti required");
  EXPECT_EQ(m.message, "malformed token: jti required");
  EXPECT_EQ(m.reason, "malformed token");
  EXPECT_EQ(ours(Reason::FunctionPermissionDenied, "permission denied for function login").reason,
            "permission denied for function login");
  // Untagged class 28 (a tenant function's RAISE) is still a 401 with the challenge.
  EXPECT_EQ(db("28000", "something with SELECT secret").reason, "invalid token");
  EXPECT_TRUE(db("28000", "x").bearer_challenge);
}

TEST(HttpErrors, PostgrestStatusesForDatabaseErrors) {
  struct Case {
    const char* sqlstate;
    const char* message;
    int status;
  };
  const Case cases[] = {
      {"23505", "duplicate key value", 409},
      {"23503", "violates foreign key", 409},
      {"23502", "null value", 400},
      {"42P01", "relation \"x\" does not exist", 404},
      {"42883", "function f() does not exist", 404},
      {"42501", "permission denied for table salaries", 403},
      {"22P02", "invalid input syntax for type integer: \"abc\"", 400},
      {"42703", "column \"x\" does not exist", 400},
      {"25006", "cannot execute UPDATE in a read-only transaction", 405},
      {"P0001", "my app says no", 400},
      {"PT418", "teapot", 418},
      {"PT200", "ok?", 500},
      {"40001", "could not serialize access", 500},
      {"53300", "too many connections", 503},
      {"57P01", "terminating connection", 503},
      {"08006", "", 503},
      {"", "", 503},
      {"0LP01", "invalid grant operation", 403},
      {"42P17", "infinite recursion", 500},
      {"XX000", "internal: stack", 500},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.sqlstate) + " " + c.message);
    EXPECT_EQ(db(c.sqlstate, c.message).status, c.status);
  }
  EXPECT_EQ(db("42501", "permission denied for table salaries").reason, "permission denied");
  EXPECT_EQ(db("22012", "division by zero").reason, "invalid input");
  EXPECT_EQ(db("P0001", "my app says no").reason, "my app says no");
}

TEST(HttpErrors, NoSqlTextStackOrInternalMessageReachesTheClient) {
  auto syntax = db("42601", "syntax error at or near \"SELECT secret\"");
  EXPECT_EQ(syntax.message, "invalid request");
  EXPECT_FALSE(syntax.details.has_value());
  auto internal = db("XX000", "cache lookup failed for relation 1234");
  EXPECT_EQ(internal.message, "internal error");
  EXPECT_EQ(db("42883", "operator does not exist: json pg_catalog.= json").message, "not found");
  EXPECT_EQ(db("42501", "permission denied for table salaries").message, "permission denied");
  // A data exception names the value: PostgreSQL's message.
  EXPECT_EQ(db("22P02", "invalid input syntax for type integer: \"abc\"").message,
            "invalid input syntax for type integer: \"abc\"");
  // A constraint of tenantgate's own tables: neither its name nor its DETAIL.
  DbErrorFields f;
  f.sqlstate = "23505";
  f.message = "duplicate key value violates unique constraint \"users_tenant_email_key\"";
  f.detail = std::string_view("Key (tenant_id, lower(email))=(3, a@b.c) already exists.");
  f.schema = "auth";
  auto own = map_db_error(f);
  EXPECT_EQ(own.message, "already exists");
  EXPECT_FALSE(own.details.has_value());
  // The same in a tenant's table: PostgreSQL's DETAIL, as PostgREST passes it; the message
  // (which names the constraint) stays the short reason.
  f.schema = "company1";
  auto tenant = map_db_error(f);
  EXPECT_EQ(tenant.message, "already exists");
  ASSERT_TRUE(tenant.details.has_value());
  EXPECT_EQ(*tenant.details, *f.detail);
  // Long texts are cut, at a character boundary.
  std::string long_message(600, 'a');
  long_message[499] = '\xC3';
  long_message[500] = '\xA9';
  auto cut = db("P0001", long_message);
  EXPECT_EQ(cut.message.size(), 499u);
}

TEST(HttpErrors, UntaggedRepeatsOfARowAreLabelledButKeepTheirSqlstatesStatus) {
  // What a tenant function raises when it copies one of our rows with a literal RAISE.
  auto e = db("22023", "filter required");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.reason, "filter required");
  EXPECT_EQ(e.code, "22023");
  // Another SQLSTATE with the same text is not that row.
  EXPECT_EQ(db("22012", "filter required").reason, "invalid input");
}

TEST(HttpErrors, BodyHasPostgrestsShapeAndTheReason) {
  auto j = nlohmann::json::parse(error_body(ours(Reason::TokenRevoked, "token revoked")));
  EXPECT_EQ(j.size(), 5u);
  EXPECT_EQ(j["code"], "28000");
  EXPECT_EQ(j["message"], "token revoked");
  EXPECT_TRUE(j["details"].is_null());
  EXPECT_TRUE(j["hint"].is_null());
  EXPECT_EQ(j["error"], "token revoked");
  auto s = nlohmann::json::parse(error_body(405, "method not allowed"));
  EXPECT_EQ(s["code"], "PGRST117");
  EXPECT_EQ(s["error"], "method not allowed");
  EXPECT_EQ(nlohmann::json::parse(error_body(401, "missing token"))["code"], "PGRST302");
  EXPECT_EQ(nlohmann::json::parse(error_body(400, "invalid body"))["code"], "PGRST102");
  EXPECT_EQ(nlohmann::json::parse(error_body(415, "content type must be application/json"))["code"], "PGRST107");
  EXPECT_EQ(nlohmann::json::parse(error_body(404, "not found"))["code"], "PGRST125");
  EXPECT_EQ(nlohmann::json::parse(error_body(503, "server busy"))["code"], "PGRST003");
  auto r = tg::server::reason_error(Reason::UnknownTenant);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.code, "42704");
  EXPECT_EQ(r.reason, "unknown tenant");
  EXPECT_TRUE(tg::server::reason_error(Reason::MalformedToken).bearer_challenge);
  // Invalid UTF-8 from the database never breaks the JSON.
  EXPECT_NO_THROW(nlohmann::json::parse(error_body(db("P0001", "bad \xFF byte"))));
}

}  // namespace
