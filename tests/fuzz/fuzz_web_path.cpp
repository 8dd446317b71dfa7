// libFuzzer target: the static files' path judge (server/web_path.cpp), which sees the raw
// request target of every GET/HEAD of --web-root before the file system does. Beyond "no crash,
// no sanitizer report": a verdict is 0, 400 or 404; an accepted path is relative, names no
// "." / ".." / hidden segment, holds no empty segment, backslash, '%', NUL or other control byte,
// is valid UTF-8, and judging it again (as "/" + rel) gives the same path; refusals carry no
// path; judging is a pure function of the bytes; is_web_path and content_type_for are total.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "web_path.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string target(reinterpret_cast<const char*>(data), size);
  const tg::server::WebPath v = tg::server::web_path(target);
  const tg::server::WebPath again = tg::server::web_path(target);
  if (again.status != v.status || again.rel != v.rel || again.has_extension != v.has_extension) __builtin_trap();
  if (v.status != 0 && v.status != 400 && v.status != 404) __builtin_trap();
  if (v.status != 0) {
    if (!v.rel.empty() || v.has_extension) __builtin_trap();
  } else {
    const std::string& r = v.rel;
    if (!tg::core::valid_utf8(r)) __builtin_trap();
    for (char c : r) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7F || c == '\\' || c == '%') __builtin_trap();
    }
    if (!r.empty() && (r.front() == '/' || r.back() == '/')) __builtin_trap();
    std::string_view last;
    std::size_t i = 0;
    while (!r.empty() && i <= r.size()) {
      std::size_t end = r.find('/', i);
      if (end == std::string::npos) end = r.size();
      std::string_view seg(r.data() + i, end - i);
      if (seg.empty() || seg.front() == '.') __builtin_trap();  // covers "." and ".." too
      last = seg;
      i = end + 1;
    }
    if (v.has_extension && last.find('.') == std::string_view::npos) __builtin_trap();
    if (r.find_first_of("?#") == std::string::npos) {
      const tg::server::WebPath re = tg::server::web_path("/" + r);
      if (re.status != 0 || re.rel != r) __builtin_trap();
    }
    if (tg::server::content_type_for(r) == nullptr) __builtin_trap();
  }
  (void)tg::server::is_web_path(target);
  return 0;
}
