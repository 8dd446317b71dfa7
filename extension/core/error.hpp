// The error table: every rejection the core can report, with the contract's SQLSTATE and
// message prefix. The PostgreSQL layer turns an Error into ereport(ERROR) unchanged.
// Messages are lower case, no trailing period, and never contain a token, key or password.
#pragma once

#include <exception>
#include <string>

namespace tg::core {

enum class Reason {
  MalformedToken,       // 28000 "malformed token"
  InvalidSignature,     // 28000 "invalid signature"
  AlgorithmNotAllowed,  // 28000 "algorithm not allowed"
  UnknownKey,           // 28000 "unknown key"
  TokenExpired,         // 28000 "token expired"
  TokenNotYetValid,     // 28000 "token not yet valid"
  InvalidIssuer,        // 28000 "invalid issuer"
  InvalidAudience,      // 28000 "invalid audience"
  TokenRevoked,         // 28000 "token revoked"
  WrongTokenType,       // 28000 "wrong token type"
  InvalidCredentials,   // 28P01 "invalid credentials"
  TenantMismatch,       // 42501 "tenant mismatch"
  UnknownTenant,        // 42704 "unknown tenant"
  TenantInactive,       // 42501 "tenant inactive"
  InvalidKey,           // 22023 "invalid key"            (bad/weak key material at import)
  InvalidParameter,     // 22023 "invalid parameter value"
  Internal,             // XX000 "internal error"         (OpenSSL failure and the like)
};

struct ReasonInfo {
  const char* sqlstate;  // five characters, e.g. "28000"
  const char* message;   // the stable message prefix
};

const ReasonInfo& reason_info(Reason reason) noexcept;

// Thrown by the core. what() is "<message>" or "<message>: <detail>"; the detail is a short
// fixed phrase chosen by us (e.g. "token too large"), never input echoed back.
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
