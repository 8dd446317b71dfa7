#include "core/version.hpp"

namespace tg::core {

std::optional<long> version_number(std::string_view version) noexcept {
  long parts[2] = {0, 0};
  int part = 0;
  int digits = 0;
  for (char c : version) {
    if (c >= '0' && c <= '9' && digits < 3) {
      parts[part] = parts[part] * 10 + (c - '0');
      ++digits;
    } else if (c == '.' && part == 0 && digits > 0) {
      part = 1;
      digits = 0;
    } else {
      return std::nullopt;
    }
  }
  if (part != 1 || digits == 0) return std::nullopt;
  return parts[0] * 1000 + parts[1];
}

}  // namespace tg::core
