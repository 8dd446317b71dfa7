#include "config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <limits>
#include <stdexcept>

namespace tg::server {
namespace {

struct Option {
  const char* flag;
  const char* env;
  const char* help;
};

// One table: the parser, --help and the environment fallbacks read the same entries.
const Option kOptions[] = {
    {"--listen", "TENANTGATE_LISTEN", "HOST:PORT to listen on (default 127.0.0.1:8080)"},
    {"--listen-backlog", "TENANTGATE_LISTEN_BACKLOG",
     "pending connections queued by the kernel (default 1024, capped by net.core.somaxconn)"},
    {"--db", "DATABASE_URL", "libpq connection string or URL of the authenticator login (required)"},
    {"--pool-size", "TENANTGATE_POOL_SIZE", "database connections in the pool (default 8)"},
    {"--db-read", "DATABASE_READ_URL",
     "conninfo or URL of a hot standby: GET/HEAD of /api, /rpc, /auth/me and the JWKS read there (default: none)"},
    {"--read-pool-size", "TENANTGATE_READ_POOL_SIZE", "database connections to --db-read (default 8)"},
    {"--read-max-lag", "TENANTGATE_READ_MAX_LAG",
     "seconds of replay lag beyond which reads go to the primary (default 5)"},
    {"--pool-timeout-ms", "TENANTGATE_POOL_TIMEOUT_MS", "wait for a free connection before 503 (default 2000)"},
    {"--statement-timeout-ms", "TENANTGATE_STATEMENT_TIMEOUT_MS", "statement_timeout of every call (default 5000)"},
    {"--connect-timeout", "TENANTGATE_CONNECT_TIMEOUT",
     "seconds to wait when (re)connecting to PostgreSQL (default 2)"},
    {"--threads", "TENANTGATE_THREADS", "HTTP worker threads (default 32)"},
    {"--read-timeout", "TENANTGATE_READ_TIMEOUT", "seconds one read from a client may wait (default 5)"},
    {"--write-timeout", "TENANTGATE_WRITE_TIMEOUT", "seconds one write to a client may wait (default 5)"},
    {"--request-timeout", "TENANTGATE_REQUEST_TIMEOUT",
     "seconds for a whole request (headers + body) to arrive (default 10)"},
    {"--keep-alive-timeout", "TENANTGATE_KEEP_ALIVE_TIMEOUT",
     "idle seconds before a keep-alive connection is closed (default 5)"},
    {"--keep-alive-max", "TENANTGATE_KEEP_ALIVE_MAX", "requests per connection (default 100)"},
    {"--max-body", "TENANTGATE_MAX_BODY", "request body limit in bytes, 413 above (default 1048576)"},
    {"--max-header-bytes", "TENANTGATE_MAX_HEADER_BYTES",
     "request line + headers limit in bytes, 431 above (default 16384)"},
    {"--max-headers", "TENANTGATE_MAX_HEADERS", "header line limit, 431 above (default 64)"},
    {"--max-rows", "TENANTGATE_MAX_ROWS", "largest limit= and the default page size of /api (default 1000)"},
    {"--cors-origins", "TENANTGATE_CORS_ORIGINS", "comma-separated allowed origins (exact), or * (default: none)"},
    {"--cors-credentials", "TENANTGATE_CORS_CREDENTIALS",
     "true/false: Access-Control-Allow-Credentials (default false; not with *)"},
    {"--tls-cert", "TENANTGATE_TLS_CERT", "PEM certificate chain: serve HTTPS (needs --tls-key)"},
    {"--tls-key", "TENANTGATE_TLS_KEY", "PEM private key for --tls-cert"},
    {"--access-log", "TENANTGATE_ACCESS_LOG", "JSON access log: - for stdout (default), a file path, or 'off'"},
    {"--web-root", "TG_WEB_ROOT",
     "directory of the browser app: GET/HEAD of every path outside the API's serve its files (default: none)"},
    {"--config", "TENANTGATE_CONFIG",
     "KEY=VALUE file of these environment names (systemd EnvironmentFile syntax), above the environment and "
     "below flags; SIGHUP re-reads it (default: none)"},
};

// A bad flag or file: parse_config prints it with the usage and exits 2, reload_config reports it.
struct ConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

[[noreturn]] void fail(const std::string& why) { throw ConfigError(why); }

long long to_number(const std::string& flag, const std::string& v, long long lo, long long hi) {
  if (v.empty() || v.size() > 18) fail(flag + ": not a number");
  for (char c : v)
    if (c < '0' || c > '9') fail(flag + ": not a number");
  long long n = std::stoll(v);
  if (n < lo || n > hi) fail(flag + ": out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  return n;
}

bool to_bool(const std::string& flag, const std::string& v) {
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  fail(flag + ": expected true or false");
}

void apply(Config& c, const std::string& flag, const std::string& v) {
  if (flag == "--listen") {
    auto colon = v.rfind(':');
    if (colon == std::string::npos || colon == 0) fail("--listen: expected HOST:PORT");
    c.listen_host = v.substr(0, colon);
    if (c.listen_host.size() > 2 && c.listen_host.front() == '[' && c.listen_host.back() == ']')
      c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
    c.listen_port = static_cast<int>(to_number(flag, v.substr(colon + 1), 0, 65535));
  } else if (flag == "--listen-backlog") {
    c.listen_backlog = static_cast<int>(to_number(flag, v, 1, 65535));
  } else if (flag == "--db") {
    c.db = v;
  } else if (flag == "--pool-size") {
    c.pool_size = static_cast<std::size_t>(to_number(flag, v, 1, 1000));
  } else if (flag == "--db-read") {
    c.db_read = v;
  } else if (flag == "--read-pool-size") {
    c.read_pool_size = static_cast<std::size_t>(to_number(flag, v, 1, 1000));
  } else if (flag == "--read-max-lag") {
    c.read_max_lag_s = static_cast<int>(to_number(flag, v, 0, 86400));
  } else if (flag == "--pool-timeout-ms") {
    c.pool_timeout_ms = static_cast<int>(to_number(flag, v, 1, 600000));
  } else if (flag == "--statement-timeout-ms") {
    c.statement_timeout_ms = static_cast<int>(to_number(flag, v, 1, 3600000));
  } else if (flag == "--connect-timeout") {
    c.connect_timeout_s = static_cast<int>(to_number(flag, v, 1, 600));
  } else if (flag == "--threads") {
    c.threads = static_cast<std::size_t>(to_number(flag, v, 1, 4096));
  } else if (flag == "--read-timeout") {
    c.read_timeout_s = static_cast<int>(to_number(flag, v, 1, 3600));
  } else if (flag == "--write-timeout") {
    c.write_timeout_s = static_cast<int>(to_number(flag, v, 1, 3600));
  } else if (flag == "--request-timeout") {
    c.request_timeout_s = static_cast<int>(to_number(flag, v, 1, 3600));
  } else if (flag == "--keep-alive-timeout") {
    c.keep_alive_timeout_s = static_cast<int>(to_number(flag, v, 1, 3600));
  } else if (flag == "--keep-alive-max") {
    c.keep_alive_max = static_cast<std::size_t>(to_number(flag, v, 1, 100000));
  } else if (flag == "--max-body") {
    c.max_body = static_cast<std::size_t>(to_number(flag, v, 0, 1LL << 32));
  } else if (flag == "--max-header-bytes") {
    c.max_header_bytes = static_cast<std::size_t>(to_number(flag, v, 256, 1 << 20));
  } else if (flag == "--max-headers") {
    c.max_headers = static_cast<std::size_t>(to_number(flag, v, 4, 10000));
  } else if (flag == "--max-rows") {
    c.max_rows = static_cast<long>(to_number(flag, v, 1, 1000000));
  } else if (flag == "--cors-origins") {
    c.cors_origins.clear();
    std::size_t start = 0;
    while (start <= v.size()) {
      auto comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      std::string o = v.substr(start, comma - start);
      while (!o.empty() && o.front() == ' ') o.erase(o.begin());
      while (!o.empty() && o.back() == ' ') o.pop_back();
      if (!o.empty()) c.cors_origins.push_back(o);
      start = comma + 1;
    }
  } else if (flag == "--cors-credentials") {
    c.cors_credentials = to_bool(flag, v);
  } else if (flag == "--tls-cert") {
    c.tls_cert = v;
  } else if (flag == "--tls-key") {
    c.tls_key = v;
  } else if (flag == "--access-log") {
    c.access_log = v == "off" ? "" : v;
  } else if (flag == "--web-root") {
    c.web_root = v;
  } else if (flag == "--config") {
    c.config_file = v;
  } else {
    fail("unknown option " + flag);
  }
}

}  // namespace

std::string usage_text() {
  std::string s =
      "Usage: tenantgate-server [OPTIONS]\n"
      "HTTP shim of tenantgate: resolves the tenant from Host, forwards the bearer token and the\n"
      "request to PostgreSQL (auth.http_* functions) and returns the database's JSON.\n"
      "Each option may also come from the environment variable shown; a flag wins.\n\n";
  for (const auto& o : kOptions) {
    std::string left = std::string("  ") + o.flag + " V";
    left.resize(std::max<std::size_t>(left.size() + 2, 28), ' ');
    s += left + o.help + "  [" + o.env + "]\n";
  }
  s += "  --help                    this text\n  --version                 the version\n\n"
       "Signals: SIGTERM/SIGINT stop accepting, finish in-flight requests, close the pool.\n"
       "SIGHUP re-reads --config, reopens the access log and replaces every pool connection\n"
       "(a changed --db/--db-read or password takes effect; no request is dropped).\n"
       "Bearer tokens travel in clear text without --tls-cert: put TLS in front otherwise.\n";
  return s;
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("--config: cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) fail("--config: cannot read " + path);
  return ss.str();
}

// defaults < environment < --config file < flags. `flags` are (flag, value) pairs from argv.
Config build(const std::vector<std::pair<std::string, std::string>>& flags) {
  Config c;
  for (const auto& o : kOptions) {
    const char* e = std::getenv(o.env);
    if (e != nullptr && *e != '\0') apply(c, o.flag, e);
  }
  for (const auto& [flag, value] : flags)
    if (flag == "--config") c.config_file = value;
  if (!c.config_file.empty()) {
    std::vector<std::pair<std::string, std::string>> lines;
    try {
      lines = parse_env_file(read_file(c.config_file));
    } catch (const ConfigError&) {
      throw;
    } catch (const std::invalid_argument& e) {
      fail("--config " + c.config_file + ": " + e.what());
    }
    // Names that are not the table's (PGPASSFILE, another program's) are left to whoever reads
    // the file into an environment; the file cannot name another file.
    for (const auto& [key, value] : lines)
      for (const auto& o : kOptions)
        if (key == o.env && std::strcmp(o.flag, "--config") != 0 && !value.empty()) apply(c, o.flag, value);
  }
  for (const auto& [flag, value] : flags) apply(c, flag, value);
  if (c.db.empty()) fail("--db (or DATABASE_URL) is required");
  if (c.tls_cert.empty() != c.tls_key.empty()) fail("--tls-cert and --tls-key go together");
  for (const auto& o : c.cors_origins) {
    if (o == "*" && c.cors_origins.size() > 1) fail("--cors-origins: * stands alone");
    if (o == "*" && c.cors_credentials) fail("--cors-credentials cannot be used with --cors-origins *");
  }
  return c;
}

// argv → (flag, value) pairs; --help and --version answered here when `answer` is set.
std::vector<std::pair<std::string, std::string>> split_args(int argc, char** argv, bool answer) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (answer && (a == "--help" || a == "-h")) {
      std::cout << usage_text();
      std::exit(0);
    }
    if (answer && a == "--version") {
      std::cout << "tenantgate-server 1.0\n";
      std::exit(0);
    }
    std::string value;
    auto eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else {
      if (i + 1 >= argc) fail(a + ": missing value");
      value = argv[++i];
    }
    out.emplace_back(a, value);
  }
  return out;
}

bool key_char(char ch, bool first) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' || (!first && ch >= '0' && ch <= '9');
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_env_file(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  int number = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    auto where = [&](const std::string& why) {
      throw std::invalid_argument("line " + std::to_string(number) + ": " + why);
    };
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size() || line[i] == '#' || line[i] == ';') continue;
    if (line.compare(i, 7, "export ") == 0) i += 7;
    std::size_t k = i;
    while (k < line.size() && key_char(line[k], k == i)) ++k;
    if (k == i) where("expected KEY=VALUE");
    std::string key = line.substr(i, k - i);
    while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
    if (k == line.size() || line[k] != '=') where("expected KEY=VALUE");
    ++k;
    while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
    std::string raw = line.substr(k);
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.pop_back();
    std::string value;
    if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
      const char q = raw.front();
      std::size_t j = 1;
      bool closed = false;
      for (; j < raw.size(); ++j) {
        if (raw[j] == q) {
          closed = true;
          break;
        }
        if (q == '"' && raw[j] == '\\' && j + 1 < raw.size() && (raw[j + 1] == '"' || raw[j + 1] == '\\')) ++j;
        value.push_back(raw[j]);
      }
      if (!closed) where("unterminated quote");
      if (j + 1 != raw.size()) where("text after the closing quote");
    } else {
      value = raw;
    }
    out.emplace_back(key, value);
  }
  return out;
}

Config parse_config(int argc, char** argv) {
  try {
    return build(split_args(argc, argv, /*answer=*/true));
  } catch (const ConfigError& e) {
    std::cerr << "tenantgate-server: " << e.what() << "\n\n" << usage_text();
    std::exit(2);
  }
}

bool reload_config(int argc, char** argv, Config& out, std::string& error) {
  try {
    out = build(split_args(argc, argv, /*answer=*/false));
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

std::vector<std::string> restart_only_changes(const Config& a, const Config& b) {
  std::vector<std::string> out;
  auto note = [&](bool differs, const char* flag) {
    if (differs) out.emplace_back(flag);
  };
  note(a.listen_host != b.listen_host || a.listen_port != b.listen_port, "--listen");
  note(a.listen_backlog != b.listen_backlog, "--listen-backlog");
  note(a.pool_size != b.pool_size, "--pool-size");
  note(a.db_read.empty() != b.db_read.empty(), "--db-read (adding or removing the standby)");
  note(a.read_pool_size != b.read_pool_size, "--read-pool-size");
  note(a.read_max_lag_s != b.read_max_lag_s, "--read-max-lag");
  note(a.pool_timeout_ms != b.pool_timeout_ms, "--pool-timeout-ms");
  note(a.statement_timeout_ms != b.statement_timeout_ms, "--statement-timeout-ms");
  note(a.connect_timeout_s != b.connect_timeout_s, "--connect-timeout");
  note(a.threads != b.threads, "--threads");
  note(a.read_timeout_s != b.read_timeout_s, "--read-timeout");
  note(a.write_timeout_s != b.write_timeout_s, "--write-timeout");
  note(a.request_timeout_s != b.request_timeout_s, "--request-timeout");
  note(a.keep_alive_timeout_s != b.keep_alive_timeout_s, "--keep-alive-timeout");
  note(a.keep_alive_max != b.keep_alive_max, "--keep-alive-max");
  note(a.max_body != b.max_body, "--max-body");
  note(a.max_header_bytes != b.max_header_bytes, "--max-header-bytes");
  note(a.max_headers != b.max_headers, "--max-headers");
  note(a.max_rows != b.max_rows, "--max-rows");
  note(a.cors_origins != b.cors_origins || a.cors_credentials != b.cors_credentials,
       "--cors-origins/--cors-credentials");
  note(a.tls_cert != b.tls_cert || a.tls_key != b.tls_key, "--tls-cert/--tls-key");
  note(a.web_root != b.web_root, "--web-root");
  return out;
}

}  // namespace tg::server
