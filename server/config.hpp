// Server configuration: one struct, filled from flags with environment fallbacks (flag wins).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace tg::server {

struct Config {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;
  int listen_backlog = 1024;        // pending connections the kernel queues (capped by somaxconn)
  std::string db;                   // libpq conninfo or URL (--db / DATABASE_URL)
  std::size_t pool_size = 8;        // libpq connections
  std::string db_read;              // read replica (hot standby) conninfo (--db-read / DATABASE_READ_URL), "" = none
  std::size_t read_pool_size = 8;   // libpq connections to the replica
  int read_max_lag_s = 5;           // a replica further behind than this: reads go to the primary
  int pool_timeout_ms = 2000;       // wait for a free connection, then 503
  int statement_timeout_ms = 5000;  // server-side statement_timeout of every call
  int connect_timeout_s = 2;        // libpq connect_timeout when (re)connecting
  std::size_t threads = 32;         // HTTP worker threads
  int read_timeout_s = 5;           // one recv() may wait this long
  int write_timeout_s = 5;          // one send() may wait this long
  int request_timeout_s = 10;       // whole request (head + body) must arrive within this
  int keep_alive_timeout_s = 5;
  std::size_t keep_alive_max = 100;       // requests per connection
  std::size_t max_body = 1u << 20;        // bytes → 413 above
  std::size_t max_header_bytes = 16384;   // request line + headers → 431 above
  std::size_t max_headers = 64;           // header lines → 431 above
  std::size_t max_uri = 8192;             // request target → 414 above
  long max_rows = 1000;                   // cap on limit= (and the default limit)
  std::vector<std::string> cors_origins;  // exact origins, or the single entry "*"
  bool cors_credentials = false;
  std::string tls_cert, tls_key;  // both or neither
  std::string access_log = "-";   // "-" = stdout, "" = off, else a file (appended)
  std::string web_root;           // static files of the browser app ("" = none)
  std::string config_file;        // KEY=VALUE file (--config / TENANTGATE_CONFIG), re-read on SIGHUP; "" = none
};

// Parses argv (and the environment). On --help / --version prints and exits 0; on a bad flag
// prints the reason and the usage to stderr and exits 2.
Config parse_config(int argc, char** argv);

// The --help text.
std::string usage_text();

// Lines of a KEY=VALUE file in systemd's EnvironmentFile syntax: blank lines and lines starting
// with # or ; are skipped, `export ` before a key is allowed, a value may be wrapped in single or
// double quotes (removed; inside double quotes \" and \\ are escapes). Throws
// std::invalid_argument naming the line for anything else (no `=`, a bad key, an open quote).
std::vector<std::pair<std::string, std::string>> parse_env_file(const std::string& text);

// SIGHUP: the configuration again from the same argv, the environment and the --config file as
// it is now. True and `out` filled, or false and `error` set (a bad file keeps the running
// configuration; nothing exits).
bool reload_config(int argc, char** argv, Config& out, std::string& error);

// The flags whose value differs between `a` and `b` among those a reload cannot apply (they take
// effect at the next start): everything but --db, --db-read and --access-log.
std::vector<std::string> restart_only_changes(const Config& a, const Config& b);

}  // namespace tg::server
