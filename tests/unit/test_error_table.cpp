// The error table (core/error.hpp): one row per reason, every row well formed, ids unique and
// stable in shape, messages composed the one way the extension, SQL and the shim share.
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <set>
#include <string>

#include "core/error.hpp"

namespace {

using tg::core::compose_message;
using tg::core::Error;
using tg::core::Reason;
using tg::core::reason_at;
using tg::core::reason_by_id;
using tg::core::reason_count;
using tg::core::reason_info;

std::string compose(Reason r, const char* detail) {
  std::string out(compose_message(r, detail, nullptr, 0), '\0');
  compose_message(r, detail, out.data(), out.size() + 1);
  return out;
}

TEST(ErrorTable, EveryRowIsWellFormedAndItsIdIsUnique) {
  std::set<std::string> ids;
  std::set<std::string> messages;
  ASSERT_EQ(reason_count(), static_cast<std::size_t>(Reason::Internal) + 1);
  for (std::size_t i = 0; i < reason_count(); ++i) {
    const auto& info = reason_info(reason_at(i));
    std::string id = info.id;
    SCOPED_TRACE(id);
    // snake_case: the shim, clients and auth._raise key on it.
    ASSERT_FALSE(id.empty());
    for (char c : id) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << c;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id";
    EXPECT_EQ(reason_by_id(id), reason_at(i));
    // SQLSTATE: five of [0-9A-Z].
    ASSERT_EQ(std::strlen(info.sqlstate), 5u);
    for (const char* p = info.sqlstate; *p; ++p) EXPECT_TRUE(std::isdigit(*p) || std::isupper(*p)) << info.sqlstate;
    // An HTTP error status.
    EXPECT_GE(info.http_status, 400);
    EXPECT_LE(info.http_status, 599);
    // The message style of CONTRACT.md §1: lower-case start, no trailing period, at most one %s.
    std::string m = info.message;
    ASSERT_FALSE(m.empty());
    EXPECT_FALSE(std::isupper(static_cast<unsigned char>(m[0]))) << m;
    EXPECT_NE(m.back(), '.') << m;
    auto slot = m.find('%');
    if (slot != std::string::npos) {
      EXPECT_EQ(m.compare(slot, 2, "%s"), 0) << m;
      EXPECT_EQ(m.find('%', slot + 1), std::string::npos) << m;
    }
    EXPECT_TRUE(messages.insert(m).second) << "two reasons share a message";
    // Class 28 answers 401, 42501 403: the contract's statuses.
    if (std::strncmp(info.sqlstate, "28", 2) == 0) {
      EXPECT_EQ(info.http_status, 401);
    }
    if (std::strcmp(info.sqlstate, "42501") == 0) {
      EXPECT_EQ(info.http_status, 403);
    }
  }
}

TEST(ErrorTable, ContractRowsKeepTheirSqlstateAndMessage) {
  // CONTRACT.md §1 "Errors": these never change.
  struct Row {
    const char* id;
    const char* sqlstate;
    const char* message;
  } rows[] = {
      {"malformed_token", "28000", "malformed token"},
      {"invalid_signature", "28000", "invalid signature"},
      {"algorithm_not_allowed", "28000", "algorithm not allowed"},
      {"unknown_key", "28000", "unknown key"},
      {"token_expired", "28000", "token expired"},
      {"token_not_yet_valid", "28000", "token not yet valid"},
      {"invalid_issuer", "28000", "invalid issuer"},
      {"invalid_audience", "28000", "invalid audience"},
      {"token_revoked", "28000", "token revoked"},
      {"wrong_token_type", "28000", "wrong token type"},
      {"invalid_credentials", "28P01", "invalid credentials"},
      {"tenant_mismatch", "42501", "tenant mismatch"},
      {"unknown_tenant", "42704", "unknown tenant"},
      {"tenant_inactive", "42501", "tenant inactive"},
  };
  for (const auto& row : rows) {
    auto reason = reason_by_id(row.id);
    ASSERT_TRUE(reason.has_value()) << row.id;
    EXPECT_STREQ(reason_info(*reason).sqlstate, row.sqlstate) << row.id;
    EXPECT_STREQ(reason_info(*reason).message, row.message) << row.id;
  }
}

TEST(ErrorTable, UnknownIdsAreNotFound) {
  EXPECT_FALSE(reason_by_id("").has_value());
  EXPECT_FALSE(reason_by_id("token revoked").has_value());  // a message is not an id
  EXPECT_FALSE(reason_by_id("TOKEN_REVOKED").has_value());
  EXPECT_FALSE(reason_by_id(std::string("token_revoked\0x", 15)).has_value());
}

TEST(ErrorTable, DetailsComposeAfterAColonOrInTheSlot) {
  EXPECT_EQ(compose(Reason::TokenRevoked, nullptr), "token revoked");
  EXPECT_EQ(compose(Reason::TokenRevoked, ""), "token revoked");
  EXPECT_EQ(compose(Reason::MalformedToken, "jti required"), "malformed token: jti required");
  EXPECT_EQ(compose(Reason::InvalidParameter, "kid already exists"), "invalid parameter value: kid already exists");
  EXPECT_EQ(compose(Reason::FunctionPermissionDenied, "login"), "permission denied for function login");
  EXPECT_EQ(compose(Reason::NotAllowedInTenant, "SET ROLE"), "SET ROLE is not allowed in an authenticated transaction");
  EXPECT_EQ(compose(Reason::ManagedRole, "tg_a_staff"), "role \"tg_a_staff\" is managed by tenantgate");
  EXPECT_TRUE(tg::core::reason_takes_detail_inline(Reason::FunctionPermissionDenied));
  EXPECT_FALSE(tg::core::reason_takes_detail_inline(Reason::InvalidParameter));
  // core::Error composes the same way.
  EXPECT_STREQ(Error(Reason::InvalidParameter, "claims required").what(), "invalid parameter value: claims required");
  EXPECT_STREQ(Error(Reason::UnknownKey).what(), "unknown key");
  EXPECT_STREQ(Error(Reason::FunctionPermissionDenied, "add_key").what(), "permission denied for function add_key");
}

TEST(ErrorTable, ComposeTruncatesAtACharacterBoundaryAndReportsTheFullLength) {
  const std::string full = "invalid parameter value: caf\xC3\xA9";  // é is two bytes
  EXPECT_EQ(compose_message(Reason::InvalidParameter, "caf\xC3\xA9", nullptr, 0), full.size());
  char out[64];
  // Room for everything but the last byte of é: the é goes as a whole.
  std::size_t n = compose_message(Reason::InvalidParameter, "caf\xC3\xA9", out, full.size());
  EXPECT_EQ(n, full.size());
  EXPECT_STREQ(out, "invalid parameter value: caf");
  // A cut inside the message itself: nothing of what follows is written.
  n = compose_message(Reason::FunctionPermissionDenied, "login", out, 8);
  EXPECT_EQ(n, std::strlen("permission denied for function login"));
  EXPECT_STREQ(out, "permiss");
  n = compose_message(Reason::TokenRevoked, nullptr, out, 1);
  EXPECT_STREQ(out, "");
  EXPECT_EQ(n, std::strlen("token revoked"));
}

TEST(ErrorTable, ErrorsCarryTheirRowsSqlstate) {
  for (std::size_t i = 0; i < reason_count(); ++i) {
    Error e(reason_at(i), "x");
    EXPECT_EQ(e.reason(), reason_at(i));
    EXPECT_STREQ(e.sqlstate(), reason_info(reason_at(i)).sqlstate);
  }
  // An out-of-range value (a cast bug) reads as the internal row, never out of bounds.
  EXPECT_STREQ(reason_info(static_cast<Reason>(100000)).id, "internal");
}

}  // namespace
