#include "names.hpp"

#include "core/utf8.hpp"

namespace tg::server {
using core::valid_utf8;

bool is_clean_text(const std::string& s) noexcept {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return valid_utf8(s);
}

bool is_valid_name(const std::string& name) noexcept {
  return !name.empty() && name.size() <= 63 && is_clean_text(name);
}

}  // namespace tg::server
