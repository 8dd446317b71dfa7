#include "host.hpp"

#include "core/ascii.hpp"

namespace tg::server {

std::optional<HostName> parse_host(std::string_view raw) noexcept {
  try {
    if (raw.empty() || raw.size() > 300) return std::nullopt;
    HostName h;
    std::string_view name = raw;
    std::string_view port;
    if (raw.front() == '[') {
      auto close = raw.find(']');
      if (close == std::string_view::npos || close < 3) return std::nullopt;
      for (char c : raw.substr(1, close - 1)) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
        if (!ok) return std::nullopt;
      }
      name = raw.substr(0, close + 1);
      std::string_view rest = raw.substr(close + 1);
      if (!rest.empty()) {
        if (rest.front() != ':') return std::nullopt;
        port = rest.substr(1);
        if (port.empty()) return std::nullopt;
      }
      for (char c : name) h.name.push_back(core::ascii_lower(c));
    } else {
      auto colon = raw.find(':');
      if (colon != std::string_view::npos) {
        name = raw.substr(0, colon);
        port = raw.substr(colon + 1);
        if (port.empty()) return std::nullopt;
      }
      if (!name.empty() && name.back() == '.') name.remove_suffix(1);
      if (name.empty() || name.size() > 253) return std::nullopt;
      std::size_t label_len = 0;
      for (char c : name) {
        if (c == '.') {
          if (label_len == 0) return std::nullopt;
          label_len = 0;
          h.name.push_back('.');
          continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok || ++label_len > 63) return std::nullopt;
        h.name.push_back(core::ascii_lower(c));
      }
      if (label_len == 0) return std::nullopt;
    }
    if (!port.empty()) {
      if (port.size() > 5) return std::nullopt;
      int p = 0;
      for (char c : port) {
        if (c < '0' || c > '9') return std::nullopt;
        p = p * 10 + (c - '0');
      }
      if (p < 1 || p > 65535) return std::nullopt;
      h.port = p;
    }
    return h;
  } catch (...) {
    return std::nullopt;
  }
}

std::string tenant_label(std::string_view name, std::string_view base_domain) {
  if (base_domain.empty() || name.size() <= base_domain.size() + 1) return {};
  std::string_view tail = name.substr(name.size() - base_domain.size());
  if (tail != base_domain || name[name.size() - base_domain.size() - 1] != '.') return {};
  std::string_view label = name.substr(0, name.size() - base_domain.size() - 1);
  if (label.find('.') != std::string_view::npos) return {};
  return std::string(label);
}

}  // namespace tg::server
