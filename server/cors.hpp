// CORS: exact-match allow-list of origins (or "*" without credentials). Never reflects an
// unlisted Origin; adds Vary: Origin whenever the answer depends on it.
#pragma once

#include <string>
#include <vector>

#include <httplib.h>

namespace tg::server {

// Sets a response header to exactly one line (httplib's set_header appends another line).
void put_header(httplib::Response& res, const std::string& name, const std::string& value);

class Cors {
 public:
  Cors(std::vector<std::string> origins, bool credentials);
  // Sets the response headers for an actual request (call for every response; idempotent:
  // every header ends up on one line, Vary keeps the tokens it already had).
  void apply(const httplib::Request& req, httplib::Response& res) const;
  // Answers an OPTIONS request (preflight or not) completely.
  void preflight(const httplib::Request& req, httplib::Response& res) const;
  bool allowed(const std::string& origin) const;

 private:
  std::vector<std::string> origins_;
  bool any_;
  bool credentials_;
};

}  // namespace tg::server
