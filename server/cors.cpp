#include "cors.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace tg::server {

namespace {

// Request headers a browser may send cross-origin: what postgrest-js / supabase-js send
// (apikey, x-client-info, Accept-Profile, Content-Profile, Prefer, Range and Range-Unit for
// item ranges) besides Authorization and Content-Type.
const char* const kAllowHeaders =
    "Accept, Accept-Profile, Apikey, Authorization, Content-Profile, Content-Type, Prefer, Range, Range-Unit, "
    "X-Client-Info";
// Response headers a browser script may read.
const char* const kExposeHeaders =
    "Content-Range, Content-Location, Location, Preference-Applied, Retry-After, WWW-Authenticate";
const char* const kMethods = "GET, HEAD, POST, PATCH, DELETE, OPTIONS";

// Adds `token` to a comma-separated header (Vary) unless it is already listed, keeping the
// header a single line.
void add_token(httplib::Response& res, const char* name, const std::string& token) {
  std::string current;
  for (auto it = res.headers.find(name); it != res.headers.end() && it->first == name; ++it)
    current += (current.empty() ? "" : ", ") + it->second;
  std::string lower = core::ascii_lower(current);
  std::string want = core::ascii_lower(token);
  std::size_t start = 0;
  while (start <= lower.size()) {
    std::size_t comma = lower.find(',', start);
    std::string item = lower.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item == want) return;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  put_header(res, name, current.empty() ? token : current + ", " + token);
}

}  // namespace

void put_header(httplib::Response& res, const std::string& name, const std::string& value) {
  // httplib's headers are a case-insensitive multimap and set_header appends: erase first.
  res.headers.erase(name);
  res.headers.emplace(name, value);
}

Cors::Cors(std::vector<std::string> origins, bool credentials)
    : origins_(std::move(origins)), any_(origins_.size() == 1 && origins_[0] == "*"), credentials_(credentials) {}

bool Cors::allowed(const std::string& origin) const {
  if (origin.empty() || origin == "null") return false;
  if (any_) return true;
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void Cors::apply(const httplib::Request& req, httplib::Response& res) const {
  if (origins_.empty()) return;
  if (!any_) add_token(res, "Vary", "Origin");
  if (req.get_header_value_count("Origin") != 1) return;
  std::string origin = req.get_header_value("Origin");
  if (!allowed(origin)) return;
  put_header(res, "Access-Control-Allow-Origin", any_ ? "*" : origin);
  if (credentials_) put_header(res, "Access-Control-Allow-Credentials", "true");
  put_header(res, "Access-Control-Expose-Headers", kExposeHeaders);
}

void Cors::preflight(const httplib::Request& req, httplib::Response& res) const {
  res.status = 204;
  put_header(res, "Allow", kMethods);
  apply(req, res);
  if (res.has_header("Access-Control-Allow-Origin")) {
    put_header(res, "Access-Control-Allow-Methods", kMethods);
    put_header(res, "Access-Control-Allow-Headers", kAllowHeaders);
    put_header(res, "Access-Control-Max-Age", "600");
    // The allowed headers and methods are the same for every request; the answer still
    // depends on these request headers in the caches' eyes.
    if (!any_) add_token(res, "Vary", "Access-Control-Request-Method");
    if (!any_) add_token(res, "Vary", "Access-Control-Request-Headers");
  }
}

}  // namespace tg::server
