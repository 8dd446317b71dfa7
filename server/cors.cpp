#include "cors.hpp"

#include <algorithm>

namespace tg::server {

Cors::Cors(std::vector<std::string> origins, bool credentials)
    : origins_(std::move(origins)), any_(origins_.size() == 1 && origins_[0] == "*"), credentials_(credentials) {}

bool Cors::allowed(const std::string& origin) const {
  if (origin.empty() || origin == "null") return false;
  if (any_) return true;
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void Cors::apply(const httplib::Request& req, httplib::Response& res) const {
  if (origins_.empty()) return;
  if (!any_) res.set_header("Vary", "Origin");
  if (req.get_header_value_count("Origin") != 1) return;
  std::string origin = req.get_header_value("Origin");
  if (!allowed(origin)) return;
  res.set_header("Access-Control-Allow-Origin", any_ ? "*" : origin);
  if (credentials_) res.set_header("Access-Control-Allow-Credentials", "true");
  res.set_header("Access-Control-Expose-Headers", "WWW-Authenticate");
}

void Cors::preflight(const httplib::Request& req, httplib::Response& res) const {
  res.status = 204;
  res.set_header("Allow", "GET, HEAD, POST, PATCH, DELETE, OPTIONS");
  apply(req, res);
  if (res.has_header("Access-Control-Allow-Origin")) {
    res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST, PATCH, DELETE, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Prefer");
    res.set_header("Access-Control-Max-Age", "600");
  }
}

}  // namespace tg::server
