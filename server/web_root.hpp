// Static files of the browser app (--web-root): GET/HEAD of every path outside the API's
// prefixes, on every host. The request target is judged from its raw bytes (web_path), then
// the file is looked up under the root and its real path must stay under the root's.
#pragma once

#include <string>

#include <httplib.h>

#include "web_path.hpp"

namespace tg::server {

class WebRoot {
 public:
  // `dir` must be a directory; its real path is resolved once (throws std::runtime_error).
  explicit WebRoot(const std::string& dir);

  // Answers a GET/HEAD of a static path completely (status, body, headers): the file, the
  // SPA's index.html for an extension-less path that names no file, or a JSON error.
  void serve(const httplib::Request& req, httplib::Response& res) const;

 private:
  enum class Lookup { Found, Missing, Refused };
  // Found: `rel` names a regular file whose real path is under the root (its bytes in `body`).
  // Missing: nothing by that name, or a directory under the root (the SPA may own the path).
  // Refused: it resolves outside the root, to a hidden name, or to something not a regular file.
  Lookup read_file(const std::string& rel, std::string& body) const;
  std::string root_;  // real path, no trailing '/'
};

}  // namespace tg::server
