#include "json_body.hpp"

#include <set>
#include <vector>

namespace tg::server {

std::optional<nlohmann::json> parse_json_body(const std::string& text, int max_depth) {
  using nlohmann::json;
  std::vector<std::set<std::string>> keys;  // one set per open object
  bool bad = false;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) -> bool {
    if (bad) return false;
    if (depth > max_depth) {
      bad = true;
      return false;
    }
    switch (ev) {
      case json::parse_event_t::object_start: keys.emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case json::parse_event_t::key: {
        const auto& k = parsed.get_ref<const std::string&>();
        if (keys.empty() || !keys.back().insert(k).second || k.find('\0') != std::string::npos) bad = true;
        break;
      }
      case json::parse_event_t::value:
        if (parsed.is_string() && parsed.get_ref<const std::string&>().find('\0') != std::string::npos) bad = true;
        break;
      default: break;
    }
    return !bad;
  };
  try {
    json j = json::parse(text, cb, /*allow_exceptions=*/true, /*ignore_comments=*/false);
    if (bad || j.is_discarded()) return std::nullopt;
    return j;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace tg::server
