// The reason table (error.hpp, TG_ERROR_REASONS): one row per Reason, generated from the same
// list as the enum, so the order cannot drift. Compiled into the extension and into the shim.
#include "core/error.hpp"

#include <cstring>
#include <iterator>
#include <utility>

namespace tg::core {
namespace {

// Plain aggregates of string literals: trivially destructible, safe in a backend.
constexpr ReasonInfo kReasons[] = {
#define TG_REASON_ROW(name, id, sqlstate, http, message, hint) {id, sqlstate, http, message, hint},
    TG_ERROR_REASONS(TG_REASON_ROW)
#undef TG_REASON_ROW
};
static_assert(std::size(kReasons) == static_cast<std::size_t>(Reason::Internal) + 1, "one row per Reason");

// Appends [s, s+n) to out at *pos (keeping room for the NUL) while nothing was cut yet, and
// counts every byte in *total: once a piece was cut, nothing after it is written.
void put(const char* s, std::size_t n, char* out, std::size_t size, std::size_t* pos, std::size_t* total) noexcept {
  const bool intact = *pos == *total;
  *total += n;
  if (size == 0 || !intact) return;
  const std::size_t room = size - 1 - *pos;
  std::size_t take = n <= room ? n : room;
  if (take < n) {
    // Never end in the middle of a UTF-8 sequence: cut before the character s[take] is part of.
    while (take > 0 && (static_cast<unsigned char>(s[take]) & 0xC0) == 0x80) --take;
  }
  std::memcpy(out + *pos, s, take);
  *pos += take;
}

}  // namespace

const ReasonInfo& reason_info(Reason reason) noexcept {
  const auto index = static_cast<std::size_t>(reason);
  // An out-of-range value can only come from a cast bug; report it as internal, never crash.
  return index < std::size(kReasons) ? kReasons[index] : kReasons[std::size(kReasons) - 1];
}

std::size_t reason_count() noexcept { return std::size(kReasons); }

Reason reason_at(std::size_t index) noexcept {
  return index < std::size(kReasons) ? static_cast<Reason>(index) : Reason::Internal;
}

std::optional<Reason> reason_by_id(std::string_view id) noexcept {
  for (std::size_t i = 0; i < std::size(kReasons); ++i)
    if (id == kReasons[i].id) return static_cast<Reason>(i);
  return std::nullopt;
}

bool reason_takes_detail_inline(Reason reason) noexcept {
  return std::strstr(reason_info(reason).message, "%s") != nullptr;
}

std::size_t compose_message(Reason reason, const char* detail, char* out, std::size_t size) noexcept {
  const char* message = reason_info(reason).message;
  const char* slot = std::strstr(message, "%s");
  const std::size_t detail_len = detail == nullptr ? 0 : std::strlen(detail);
  std::size_t pos = 0;
  std::size_t total = 0;
  auto piece = [&](const char* s, std::size_t n) { put(s, n, out, size, &pos, &total); };
  if (slot != nullptr) {
    piece(message, static_cast<std::size_t>(slot - message));
    piece(detail == nullptr ? "" : detail, detail_len);
    piece(slot + 2, std::strlen(slot + 2));
  } else {
    piece(message, std::strlen(message));
    if (detail_len > 0) {
      piece(": ", 2);
      piece(detail, detail_len);
    }
  }
  if (size > 0) out[pos] = '\0';
  return total;
}

Error::Error(Reason reason, std::string detail) : reason_(reason), detail_(std::move(detail)) {
  std::size_t n = compose_message(reason_, detail_.c_str(), nullptr, 0);
  text_.resize(n);
  compose_message(reason_, detail_.c_str(), text_.data(), n + 1);
}

}  // namespace tg::core
