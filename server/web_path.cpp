#include "web_path.hpp"

#include "core/ascii.hpp"
#include "core/utf8.hpp"

namespace tg::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `path` starts with `prefix` as whole segments ("/auth" matches "/auth" and "/auth/x", not "/authors").
bool under(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

bool is_web_path(std::string_view path) noexcept {
  for (std::string_view p : {"/api", "/rpc", "/auth", "/.well-known", "/healthz", "/metrics"})
    if (under(path, p)) return false;
  return true;
}

WebPath web_path(std::string_view target) {
  WebPath out;
  std::string_view raw = target.substr(0, target.find_first_of("?#"));
  if (raw.empty() || raw.front() != '/') {
    out.status = 400;
    return out;
  }
  std::string decoded;
  decoded.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      int hi = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(raw[i + 2]) : -1;
      if (lo < 0) {
        out.status = 400;
        return out;
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
      // An encoded '/' would hide a separator; an encoded '%' is a second layer of encoding.
      if (c == '/' || c == '%') {
        out.status = 400;
        return out;
      }
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '\\') {
      out.status = 400;
      return out;
    }
    decoded.push_back(c);
  }
  if (!tg::core::valid_utf8(decoded)) {
    out.status = 400;
    return out;
  }
  // Segments after the leading '/': none empty but a trailing one, none "." or "..".
  std::string_view rest = std::string_view(decoded).substr(1);
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
    if (rest.empty()) {  // "//"
      out.status = 400;
      return out;
    }
  }
  std::string_view last;
  std::size_t i = 0;
  while (!rest.empty() && i <= rest.size()) {
    std::size_t end = rest.find('/', i);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view seg = rest.substr(i, end - i);
    if (seg.empty() || seg == "." || seg == "..") {
      out.status = 400;
      return out;
    }
    if (seg.front() == '.' && out.status == 0) out.status = 404;  // hidden: never served
    last = seg;
    i = end + 1;
  }
  if (out.status != 0) return out;
  out.rel = std::string(rest);
  out.has_extension = !decoded.empty() && decoded.back() != '/' && last.find('.') != std::string_view::npos;
  return out;
}

const char* content_type_for(std::string_view name) noexcept {
  struct Type {
    std::string_view ext;
    const char* type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml; charset=utf-8"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json; charset=utf-8"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
  };
  std::size_t dot = name.rfind('.');
  std::size_t slash = name.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return "application/octet-stream";
  std::string ext = tg::core::ascii_lower(name.substr(dot));
  for (const auto& t : kTypes)
    if (ext == t.ext) return t.type;
  return "application/octet-stream";
}

}  // namespace tg::server
