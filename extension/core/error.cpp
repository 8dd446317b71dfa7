// The reason table: one row per Reason, in the enum's order, so the PostgreSQL layer and the
// tests read SQLSTATE and message from a single place.
#include "core/error.hpp"

#include <cstddef>
#include <iterator>

namespace tg::core {
namespace {

// Plain aggregates of string literals: trivially destructible, safe in a backend.
constexpr ReasonInfo kReasons[] = {
    {"28000", "malformed token"},          // MalformedToken
    {"28000", "invalid signature"},        // InvalidSignature
    {"28000", "algorithm not allowed"},    // AlgorithmNotAllowed
    {"28000", "unknown key"},              // UnknownKey
    {"28000", "token expired"},            // TokenExpired
    {"28000", "token not yet valid"},      // TokenNotYetValid
    {"28000", "invalid issuer"},           // InvalidIssuer
    {"28000", "invalid audience"},         // InvalidAudience
    {"28000", "token revoked"},            // TokenRevoked
    {"28000", "wrong token type"},         // WrongTokenType
    {"28P01", "invalid credentials"},      // InvalidCredentials
    {"42501", "tenant mismatch"},          // TenantMismatch
    {"42704", "unknown tenant"},           // UnknownTenant
    {"42501", "tenant inactive"},          // TenantInactive
    {"22023", "invalid key"},              // InvalidKey
    {"22023", "invalid parameter value"},  // InvalidParameter
    {"XX000", "internal error"},           // Internal
};
static_assert(std::size(kReasons) == static_cast<std::size_t>(Reason::Internal) + 1, "one row per Reason");

}  // namespace

const ReasonInfo& reason_info(Reason reason) noexcept {
  const auto index = static_cast<std::size_t>(reason);
  // An out-of-range value can only come from a cast bug; report it as internal, never crash.
  return index < std::size(kReasons) ? kReasons[index] : kReasons[std::size(kReasons) - 1];
}

Error::Error(Reason reason, std::string detail) : reason_(reason), detail_(std::move(detail)) {
  text_ = reason_info(reason_).message;
  if (!detail_.empty()) {
    text_ += ": ";
    text_ += detail_;
  }
}

}  // namespace tg::core
