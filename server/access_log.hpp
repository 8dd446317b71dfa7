// Structured access log: one JSON object per line. Fields are chosen, never copied wholesale
// from the request: no query string, no headers, so no token or password can appear.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

namespace tg::server {

struct AccessRecord {
  std::string method;
  std::string route;   // template, e.g. "/api/:table"
  std::string target;  // the path's name part (table/function) or ""
  std::string tenant;  // label from Host, or ""
  std::string remote;
  int status = 0;
  double ms = 0;
  std::size_t bytes = 0;
};

class AccessLog {
 public:
  explicit AccessLog(const std::string& where);  // "-" stdout, "" off, else append to a file
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;
  void write(const AccessRecord& r);
  // SIGHUP (logrotate): opens `where` anew — the same path after a rotation, or a changed one —
  // and switches to it between two records. On failure keeps writing where it did and says why.
  bool reopen(const std::string& where, std::string& error);

 private:
  std::mutex mu_;
  std::FILE* out_ = nullptr;
  bool owned_ = false;
};

}  // namespace tg::server
