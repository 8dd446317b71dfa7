#include "config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
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
};

[[noreturn]] void fail(const std::string& why) {
  std::cerr << "tenantgate-server: " << why << "\n\n" << usage_text();
  std::exit(2);
}

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
       "Bearer tokens travel in clear text without --tls-cert: put TLS in front otherwise.\n";
  return s;
}

Config parse_config(int argc, char** argv) {
  Config c;
  for (const auto& o : kOptions) {
    const char* e = std::getenv(o.env);
    if (e != nullptr && *e != '\0') apply(c, o.flag, e);
  }
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage_text();
      std::exit(0);
    }
    if (a == "--version") {
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
    apply(c, a, value);
  }
  if (c.db.empty()) fail("--db (or DATABASE_URL) is required");
  if (c.tls_cert.empty() != c.tls_key.empty()) fail("--tls-cert and --tls-key go together");
  for (const auto& o : c.cors_origins) {
    if (o == "*" && c.cors_origins.size() > 1) fail("--cors-origins: * stands alone");
    if (o == "*" && c.cors_credentials) fail("--cors-credentials cannot be used with --cors-origins *");
  }
  return c;
}

}  // namespace tg::server
