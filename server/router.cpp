#include "router.hpp"

#include <chrono>

#include "core/ascii.hpp"
#include "cors.hpp"
#include "host.hpp"
#include "http_errors.hpp"
#include "json_body.hpp"
#include "names.hpp"
#include "web_session.hpp"

namespace tg::server {

using nlohmann::json;

struct Router::Ctx {
  const httplib::Request& req;
  httplib::Response& res;
  std::string route = "-";  // template for metrics and the log
  std::string name;         // table or function
  std::string host;         // normalised Host name ("" when absent)
  bool has_host = false;
};

namespace {

const char* kJson = "application/json; charset=utf-8";

// RFC 6750's challenge for a refused token: why, in the error table's short words ("token
// expired" is what a browser app refreshes on); never the token. Only the quoted-string
// characters RFC 6750 §3 allows in error_description pass.
std::string bearer_challenge(const std::string& why) {
  std::string d;
  for (char c : why)
    if (c >= 0x20 && c <= 0x7E && c != '"' && c != '\\') d += c;
  return "Bearer error=\"invalid_token\", error_description=\"" + d + "\"";
}

void send(httplib::Response& res, const HttpError& e) {
  res.status = e.status;
  res.set_content(error_body(e), kJson);
  if (e.bearer_challenge) put_header(res, "WWW-Authenticate", bearer_challenge(e.reason));
}

// The shim's own refusals (PGRST codes).
void send_error(httplib::Response& res, int status, const std::string& reason) {
  send(res, shim_error(status, reason));
}

// A row of the error table, answered without asking the database.
void send_error(httplib::Response& res, tg::core::Reason reason) { send(res, reason_error(reason)); }

void missing_token(httplib::Response& res) {
  send_error(res, 401, "missing token");
  res.set_header("WWW-Authenticate", "Bearer");
}

// RFC 6750 b64token after "Bearer " (scheme case-insensitive, exactly one space).
bool is_b64token(const std::string& t) {
  if (t.empty() || t.size() > 16384) return false;
  std::size_t i = 0;
  for (; i < t.size(); ++i) {
    char c = t[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return false;
  for (; i < t.size(); ++i)
    if (t[i] != '=') return false;
  return true;
}

bool is_json_type(const std::string& ct) {
  std::string base = ct.substr(0, ct.find(';'));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  return tg::core::ascii_lower(base) == "application/json";
}

}  // namespace

Router::Router(const Config& config, DbPool& db, Metrics& metrics, AccessLog& log, const Cors& cors, const WebRoot* web)
    : config_(config), db_(db), metrics_(metrics), log_(log), cors_(cors), web_(web) {}

void Router::handle(const httplib::Request& req, httplib::Response& res) {
  auto t0 = std::chrono::steady_clock::now();
  Ctx ctx{req, res};
  try {
    dispatch(ctx);
  } catch (const std::exception&) {
    res.headers.clear();
    send_error(res, 500, "internal error");
  }
  if (res.status == -1) res.status = 200;
  // Every header once: a browser refuses a CORS answer with a repeated Allow-Origin.
  cors_.apply(req, res);
  if (!res.has_header("Cache-Control")) put_header(res, "Cache-Control", "no-store");
  if (res.get_header_value("Cache-Control") == "no-store") put_header(res, "Pragma", "no-cache");
  put_header(res, "X-Content-Type-Options", "nosniff");
  // Byte ranges are never applied (GuardedServer keeps Range away from httplib's parser).
  put_header(res, "Accept-Ranges", "none");
  if (!config_.tls_cert.empty()) put_header(res, "Strict-Transport-Security", "max-age=31536000");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  metrics_.observe(ctx.route, req.method, res.status, secs);
  AccessRecord r;
  r.method = req.method;
  r.route = ctx.route;
  r.target = ctx.name;
  r.tenant = tenant_label(ctx.host, db_.base_domain());
  r.remote = req.remote_addr;
  r.status = res.status;
  r.ms = secs * 1000.0;
  r.bytes = res.body.size();
  log_.write(r);
}

void Router::fill_error(const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty()) return;
  const char* reason = res.status == 404   ? "not found"
                       : res.status == 413 ? "payload too large"
                       : res.status == 414 ? "uri too long"
                       : res.status == 416 ? "range not satisfiable"
                       : res.status >= 500 ? "internal error"
                                           : "bad request";
  res.set_content(error_body(res.status, reason), kJson);
  put_header(res, "Cache-Control", "no-store");
  (void)req;
}

void Router::dispatch(Ctx& ctx) {
  const auto& req = ctx.req;
  auto& res = ctx.res;
  const std::string& path = req.path;
  if (req.has_header("Host")) {
    auto h = parse_host(req.get_header_value("Host"));
    if (!h) return send_error(res, 400, "invalid host");
    ctx.host = h->name;
    ctx.has_host = true;
  }
  if (req.method == "OPTIONS") {
    ctx.route = "OPTIONS";
    return cors_.preflight(req, res);
  }
  if (web_ != nullptr && (req.method == "GET" || req.method == "HEAD") && is_web_path(path)) {
    ctx.route = "static";
    return web_->serve(req, res);
  }
  auto allow = [&](std::initializer_list<const char*> methods) {
    for (const char* m : methods)
      if (req.method == m) return true;
    std::string list;
    for (const char* m : methods) list += std::string(list.empty() ? "" : ", ") + m;
    res.set_header("Allow", list);
    send_error(res, 405, "method not allowed");
    return false;
  };
  if (path == "/healthz") {
    ctx.route = "/healthz";
    if (!allow({"GET", "HEAD"})) return;
    res.set_content("{\"status\":\"ok\"}", kJson);
    return;
  }
  if (path == "/metrics") {
    ctx.route = "/metrics";
    if (!allow({"GET", "HEAD"})) return;
    res.set_content(metrics_.render([this] { return db_.stats(); }) + metrics_.render_recovery(db_.reconnect_stats()) +
                        (reads_ ? reads_->render_metrics() : ""),
                    "text/plain; version=0.0.4");
    return;
  }
  static const char* const kAuth[] = {"/auth/login",
                                      "/auth/refresh",
                                      "/auth/logout",
                                      "/auth/register",
                                      "/auth/me",
                                      "/auth/password",
                                      "/auth/password/reset-request",
                                      "/auth/password/reset",
                                      "/auth/tenant",
                                      "/auth/users",
                                      "/.well-known/jwks.json"};
  for (const char* a : kAuth) {
    if (path == a) {
      ctx.route = a;
      return route_auth(ctx, a);
    }
  }
  static const std::string kUsers = "/auth/users/";
  if (path.rfind(kUsers, 0) == 0) {
    // /auth/users/<uuid> and /auth/users/<uuid>/password-reset
    std::string rest = path.substr(kUsers.size());
    static const std::string kReset = "/password-reset";
    bool reset = rest.size() > kReset.size() && rest.compare(rest.size() - kReset.size(), kReset.size(), kReset) == 0;
    if (reset) rest.resize(rest.size() - kReset.size());
    ctx.route = reset ? "/auth/users/:id/password-reset" : "/auth/users/:id";
    if (rest.find('/') != std::string::npos) {
      ctx.route = "-";
      return send_error(res, 404, "not found");
    }
    return route_users(ctx, rest, reset);
  }
  if (path == "/api/" || path == "/api") {
    // The OpenAPI description of what the token can use (auth.http_request).
    ctx.route = "/api/";
    if (!allow({"GET", "HEAD"})) return;
    return api_request(ctx, "/api/");
  }
  for (const char* prefix : {"/api/rpc/", "/api/", "/rpc/"}) {
    if (path.rfind(prefix, 0) != 0) continue;
    const std::string p(prefix);
    std::string name = path.substr(p.size());
    bool api = p == "/api/";
    ctx.route = api ? "/api/:table" : "/rpc/:function";
    if (name.find('/') != std::string::npos) return send_error(res, 404, "not found");
    if (!is_clean_text(name) || name.empty()) return send_error(res, 400, "invalid name");
    if (name.size() > 63)
      return send_error(res, api ? tg::core::Reason::UnknownTable : tg::core::Reason::UnknownFunction);
    ctx.name = name;
    return api ? route_api(ctx, name) : route_rpc(ctx, name);
  }
  ctx.route = "-";
  send_error(res, 404, "not found");
}

bool Router::call(Ctx& ctx, const std::string& sql, const std::vector<std::optional<std::string>>& params,
                  int ok_status, bool empty_body) {
  auto& res = ctx.res;
  for (const auto& p : params)
    if (p && p->find('\0') != std::string::npos) {
      send_error(res, 400, "invalid input");
      return false;
    }
  DbResult r = db_call(ctx, sql, params);
  if (r.kind == DbResult::Kind::Ok) {
    res.status = ok_status;
    if (!empty_body && ok_status != 204) res.set_content(r.value ? *r.value : "null", kJson);
    return true;
  }
  return db_error(ctx, r);
}

DbResult Router::db_call(const Ctx& ctx, const std::string& sql,
                         const std::vector<std::optional<std::string>>& params) {
  return reads_ != nullptr ? reads_->call(ctx.req, sql, params) : db_.call(sql, params);
}

bool Router::db_error(Ctx& ctx, const DbResult& r) {
  auto& res = ctx.res;
  switch (r.kind) {
    case DbResult::Kind::Ok: return true;
    case DbResult::Kind::Busy:
      res.set_header("Retry-After", "1");
      send_error(res, 503, "server busy");
      return false;
    case DbResult::Kind::Timeout:
      metrics_.db_error("timeout");
      send_error(res, 503, "query timeout");
      return false;
    case DbResult::Kind::ConnectionError:
      metrics_.db_error("connection");
      res.set_header("Retry-After", "1");
      send_error(res, 503, "database unavailable");
      return false;
    case DbResult::Kind::SqlError: {
      DbErrorFields fields;
      fields.sqlstate = r.sqlstate;
      fields.message = r.message;
      if (r.detail) fields.detail = *r.detail;
      if (r.hint) fields.hint = *r.hint;
      fields.constraint = r.constraint;
      fields.schema = r.schema;
      HttpError e = map_db_error(fields);
      if (e.status >= 500) metrics_.db_error(e.status == 503 ? "timeout" : "sql");
      send(res, e);
      return false;
    }
  }
  return false;
}

namespace {

// The bearer token, or an error already in `res` (nullopt).
std::optional<std::string> bearer(const httplib::Request& req, httplib::Response& res) {
  if (!req.has_header("Authorization")) {
    missing_token(res);
    return std::nullopt;
  }
  std::string v = req.get_header_value("Authorization");
  if (v.size() < 8 ||
      (v.compare(0, 7, "Bearer ") != 0 && v.compare(0, 7, "bearer ") != 0 && v.compare(0, 7, "BEARER ") != 0)) {
    send_error(res, tg::core::Reason::MalformedToken);
    return std::nullopt;
  }
  std::string t = v.substr(7);
  if (!is_b64token(t)) {
    send_error(res, tg::core::Reason::MalformedToken);
    return std::nullopt;
  }
  return t;
}

// A JSON object body with the `required` string members, any of the `optional` ones (each a
// string when present) and nothing else: the values in that order (an absent optional one is
// nullopt). nullopt + error set.
std::optional<std::vector<std::optional<std::string>>> body_fields(const httplib::Request& req, httplib::Response& res,
                                                                   std::initializer_list<const char*> required,
                                                                   std::initializer_list<const char*> optional) {
  if (!is_json_type(req.get_header_value("Content-Type"))) {
    send_error(res, 415, "content type must be application/json");
    return std::nullopt;
  }
  auto j = parse_json_body(req.body);
  if (!j || !j->is_object()) {
    send_error(res, 400, "invalid body");
    return std::nullopt;
  }
  std::vector<std::optional<std::string>> out;
  std::size_t seen = 0;
  bool ok = true;
  auto take = [&](const char* n, bool needed) {
    auto it = j->find(n);
    if (it == j->end()) {
      ok = ok && !needed;
      out.emplace_back(std::nullopt);
      return;
    }
    ok = ok && it->is_string();
    out.emplace_back(it->is_string() ? std::optional<std::string>(it->get<std::string>()) : std::nullopt);
    ++seen;
  };
  for (const char* n : required) take(n, true);
  for (const char* n : optional) take(n, false);
  if (!ok || seen != j->size()) {
    send_error(res, 400, "invalid body");
    return std::nullopt;
  }
  return out;
}

// A JSON object body with exactly the given string fields (all required). nullopt + error set.
std::optional<std::vector<std::string>> string_fields(const httplib::Request& req, httplib::Response& res,
                                                      std::initializer_list<const char*> names) {
  auto f = body_fields(req, res, names, {});
  if (!f) return std::nullopt;
  std::vector<std::string> out;
  for (auto& v : *f) out.push_back(std::move(*v));
  return out;
}

// No body, or the empty JSON object: the cookie forms of /auth/refresh and /auth/logout.
bool no_body(const httplib::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  auto j = parse_json_body(req.body);
  return j && j->is_object() && j->empty();
}

bool has_nul(const std::vector<std::optional<std::string>>& params) {
  for (const auto& p : params)
    if (p && p->find('\0') != std::string::npos) return true;
  return false;
}

void clear_session_cookies(httplib::Response& res) {
  res.headers.emplace("Set-Cookie", cleared_refresh_cookie());
  res.headers.emplace("Set-Cookie", cleared_csrf_cookie());
}

// A browser request that may use the session cookie: no Origin but the request's own, and not
// marked cross-site by the browser (Sec-Fetch-Site). The CSRF header is checked after this.
bool same_origin_request(const httplib::Request& req, httplib::Response& res) {
  if ((req.has_header("Origin") && !is_same_origin(req.get_header_value("Origin"), req.get_header_value("Host"))) ||
      tg::core::ascii_lower(req.get_header_value("Sec-Fetch-Site")) == "cross-site") {
    send_error(res, 403, "cross-origin request refused");
    return false;
  }
  return true;
}

// Every tg_refresh value of the request's Cookie header(s).
std::vector<std::string> session_cookies(const httplib::Request& req) {
  std::string cookies;
  auto range = req.headers.equal_range("Cookie");
  for (auto it = range.first; it != range.second; ++it) cookies += (cookies.empty() ? "" : "; ") + it->second;
  return cookie_values(cookies, kRefreshCookie);
}

// The statement of a cookie session's login or refresh: the function's token pair plus
// "refresh_expires_in", tenantgate.refresh_ttl in seconds (the cookie's Max-Age), read in the
// same round trip. cookie_session_answer takes both out of the body.
std::string with_refresh_lifetime(const char* call) {
  return std::string("SELECT (") + call +
         " OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('refresh_expires_in', (SELECT "
         "s.setting::pg_catalog.int4 "
         "FROM pg_catalog.pg_settings s WHERE s.name OPERATOR(pg_catalog.=) 'tenantgate.refresh_ttl')))::text";
}

// 8-4-4-4-12 hex digits.
bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::route_auth(Ctx& ctx, const std::string& what) {
  const auto& req = ctx.req;
  auto& res = ctx.res;
  auto method_is = [&](const char* m) {
    if (req.method == m || (std::string(m) == "GET" && req.method == "HEAD")) return true;
    res.set_header("Allow", m);
    send_error(res, 405, "method not allowed");
    return false;
  };
  if (!ctx.has_host) return send_error(res, tg::core::Reason::UnknownTenant);
  const std::optional<std::string> host = ctx.host;
  if (what == "/.well-known/jwks.json") {
    if (!method_is("GET")) return;
    if (call(ctx, "SELECT auth.http_jwks($1)::text", {host}, 200))
      res.set_header("Cache-Control", "public, max-age=300");
    return;
  }
  if (what == "/auth/me") {
    if (!method_is("GET")) return;
    auto t = bearer(req, res);
    if (!t) return;
    call(ctx, "SELECT auth.http_me($1, $2)::text", {host, *t}, 200);
    return;
  }
  if (what == "/auth/tenant") {
    if (!method_is("GET")) return;
    call(ctx, "SELECT auth.http_tenant($1)::text", {host}, 200);
    return;
  }
  if (what == "/auth/users") {
    if (req.method != "GET" && req.method != "HEAD" && req.method != "POST") {
      res.set_header("Allow", "GET, POST");
      return send_error(res, 405, "method not allowed");
    }
    auto t = bearer(req, res);
    if (!t) return;
    if (req.method != "POST") {
      call(ctx, "SELECT auth.http_users($1, $2, 'list')::text", {host, *t}, 200);
      return;
    }
    // The body's own text once its members are checked (the function reads them by name).
    if (body_fields(req, res, {"email"}, {"password", "role"}))
      call(ctx, "SELECT auth.http_users($1, $2, 'create', NULL, $3::pg_catalog.jsonb)::text", {host, *t, req.body},
           201);
    return;
  }
  if (!method_is("POST")) return;
  if (what == "/auth/login") {
    auto f = body_fields(req, res, {"email", "password"}, {"session"});
    if (!f) return;
    const auto& session = (*f)[2];
    if (session && *session != "cookie") return send_error(res, 400, "invalid body");
    // The peer address is the login throttle's client: an attacker failing on purpose locks
    // out itself, not the user it names (auth.login's client argument).
    std::vector<std::optional<std::string>> params{host, (*f)[0], (*f)[1], req.remote_addr};
    if (!session) {
      call(ctx, "SELECT auth.http_login($1, $2, $3, $4)::text", params, 200);
      return;
    }
    if (!same_origin_request(req, res)) return;
    if (has_nul(params)) return send_error(res, 400, "invalid input");
    cookie_session_answer(ctx, db_.call(with_refresh_lifetime("auth.http_login($1, $2, $3, $4)"), params));
  } else if (what == "/auth/refresh") {
    if (!req.has_header("Authorization") && no_body(req)) return refresh_from_cookie(ctx);
    auto f = string_fields(req, res, {"refresh_token"});
    if (f) call(ctx, "SELECT auth.http_refresh($1, $2)::text", {host, (*f)[0]}, 200);
  } else if (what == "/auth/register") {
    auto f = string_fields(req, res, {"email", "password"});
    if (f) call(ctx, "SELECT auth.http_register($1, $2, $3)::text", {host, (*f)[0], (*f)[1]}, 201);
  } else if (what == "/auth/logout") {
    // Without a bearer, a {"refresh_token"} body ends that session (its access token expired).
    if (!req.has_header("Authorization") && !no_body(req)) {
      auto f = string_fields(req, res, {"refresh_token"});
      if (f) call(ctx, "SELECT auth.http_revoke_refresh_token($1, $2)", {host, (*f)[0]}, 204);
      return;
    }
    // Neither a bearer nor a body but the session cookie: the browser's cookie session.
    if (!req.has_header("Authorization") && !session_cookies(req).empty()) return logout_from_cookie(ctx);
    auto t = bearer(req, res);
    if (t && call(ctx, "SELECT auth.http_logout($1, $2)", {host, *t}, 204)) clear_session_cookies(res);
  } else if (what == "/auth/password") {
    auto t = bearer(req, res);
    if (!t) return;
    auto f = string_fields(req, res, {"current_password", "new_password"});
    if (f) call(ctx, "SELECT auth.http_change_password($1, $2, $3, $4)", {host, *t, (*f)[0], (*f)[1]}, 204);
  } else if (what == "/auth/password/reset-request") {
    auto t = bearer(req, res);
    if (!t) return;
    auto f = string_fields(req, res, {"email"});
    if (f) call(ctx, "SELECT auth.http_start_password_reset($1, $2, $3)::text", {host, *t, (*f)[0]}, 200);
  } else if (what == "/auth/password/reset") {
    auto f = string_fields(req, res, {"reset_token", "new_password"});
    if (f) call(ctx, "SELECT auth.http_reset_password($1, $2, $3)", {host, (*f)[0], (*f)[1]}, 204);
  }
}

// /auth/users/<uuid> (PATCH {"active"}) and /auth/users/<uuid>/password-reset (POST): the tenant
// admin's user management (sql/1.0/74_http_web.sql).
void Router::route_users(Ctx& ctx, const std::string& id, bool password_reset) {
  const auto& req = ctx.req;
  auto& res = ctx.res;
  const char* method = password_reset ? "POST" : "PATCH";
  if (req.method != method) {
    res.set_header("Allow", method);
    return send_error(res, 405, "method not allowed");
  }
  if (!ctx.has_host) return send_error(res, tg::core::Reason::UnknownTenant);
  if (!is_uuid(id)) return send_error(res, tg::core::Reason::UnknownUser);
  auto t = bearer(req, res);
  if (!t) return;
  if (password_reset) {
    if (!no_body(req)) return send_error(res, 400, "invalid body");
    call(ctx, "SELECT auth.http_users($1, $2, 'password_reset', $3::pg_catalog.uuid)::text", {ctx.host, *t, id}, 200);
    return;
  }
  if (!is_json_type(req.get_header_value("Content-Type")))
    return send_error(res, 415, "content type must be application/json");
  auto j = parse_json_body(req.body);
  if (!j || !j->is_object() || j->size() != 1 || !j->contains("active") || !(*j)["active"].is_boolean())
    return send_error(res, 400, "invalid body");
  call(ctx, "SELECT auth.http_users($1, $2, 'set_active', $3::pg_catalog.uuid, $4::pg_catalog.jsonb)::text",
       {ctx.host, *t, id, req.body}, 200);
}

void Router::cookie_session_answer(Ctx& ctx, const DbResult& r) {
  auto& res = ctx.res;
  if (r.kind != DbResult::Kind::Ok) {
    db_error(ctx, r);
    return;
  }
  auto j = json::parse(r.value ? *r.value : std::string(), nullptr, false);
  if (!j.is_object() || !j["refresh_token"].is_string() || !j["refresh_expires_in"].is_number_integer())
    return send_error(res, 500, "internal error");
  const std::string refresh = j["refresh_token"].get<std::string>();
  const long max_age = j["refresh_expires_in"].get<long>();
  const std::string csrf = csrf_token_for(refresh);
  if (csrf.empty()) return send_error(res, 500, "internal error");
  j.erase("refresh_token");
  j.erase("refresh_expires_in");
  j["csrf_token"] = csrf;
  res.status = 200;
  res.set_content(j.dump(), kJson);
  res.headers.emplace("Set-Cookie", refresh_cookie(refresh, max_age));
  res.headers.emplace("Set-Cookie", csrf_cookie(csrf, max_age));
}

std::optional<std::string> Router::cookie_refresh_token(Ctx& ctx) {
  const auto& req = ctx.req;
  auto& res = ctx.res;
  if (!same_origin_request(req, res)) return std::nullopt;
  auto values = session_cookies(req);
  if (values.empty()) {
    send_error(res, 401, "missing refresh cookie");
    clear_session_cookies(res);
    return std::nullopt;
  }
  const std::string header(kCsrfHeader);
  if (!req.has_header(header)) {
    send_error(res, 403, "missing csrf token");
    return std::nullopt;
  }
  const std::string given = req.get_header_value(header);
  // A sibling subdomain may have tossed a cookie of the same name: the one the page's CSRF
  // token was derived from is the session's.
  for (const auto& v : values)
    if (csrf_matches(v, given)) return v;
  send_error(res, 403, "csrf token mismatch");
  return std::nullopt;
}

void Router::refresh_from_cookie(Ctx& ctx) {
  auto token = cookie_refresh_token(ctx);
  if (!token) return;
  std::vector<std::optional<std::string>> params{ctx.host, *token};
  if (has_nul(params)) return send_error(ctx.res, 400, "invalid input");
  cookie_session_answer(ctx, db_.call(with_refresh_lifetime("auth.http_refresh($1, $2)"), params));
  // Reused, revoked or expired: the cookie is worth nothing any more, and the page should know.
  if (ctx.res.status >= 400 && ctx.res.status < 500) clear_session_cookies(ctx.res);
}

void Router::logout_from_cookie(Ctx& ctx) {
  auto token = cookie_refresh_token(ctx);
  if (!token) return;
  call(ctx, "SELECT auth.http_revoke_refresh_token($1, $2)", {ctx.host, *token}, 204);
  if (ctx.res.status < 500) clear_session_cookies(ctx.res);
}

// /api/<table>, /api/rpc/<function>, /rpc/<function>: ONE call of auth.http_request, which
// authenticates, parses the PostgREST request (query string, Prefer, Range, Range-Unit,
// Accept), runs it through a plan cached per query shape and answers with the status, the
// response headers and the body. The router checks the method, the token's syntax and the
// body's JSON syntax, and copies the answer through.
void Router::route_api(Ctx& ctx, const std::string& name) {
  const std::string& m = ctx.req.method;
  if (m != "GET" && m != "HEAD" && m != "POST" && m != "PATCH" && m != "DELETE") {
    ctx.res.set_header("Allow", "GET, HEAD, POST, PATCH, DELETE, OPTIONS");
    return send_error(ctx.res, 405, "method not allowed");
  }
  api_request(ctx, "/api/" + name);
}

void Router::route_rpc(Ctx& ctx, const std::string& name) {
  const std::string& m = ctx.req.method;
  if (m != "GET" && m != "HEAD" && m != "POST") {
    ctx.res.set_header("Allow", "GET, HEAD, POST, OPTIONS");
    return send_error(ctx.res, 405, "method not allowed");
  }
  api_request(ctx, "/rpc/" + name);
}

void Router::api_request(Ctx& ctx, const std::string& path) {
  const auto& req = ctx.req;
  auto& res = ctx.res;
  const std::string& m = req.method;
  if (!ctx.has_host) return send_error(res, tg::core::Reason::UnknownTenant);
  auto token = bearer(req, res);
  if (!token) return;
  std::optional<std::string> body;
  const bool rpc = path.rfind("/rpc/", 0) == 0;
  if ((m == "POST" || m == "PATCH") && !(rpc && req.body.empty())) {
    if (!is_json_type(req.get_header_value("Content-Type")))
      return send_error(res, 415, "content type must be application/json");
    auto j = parse_json_body(req.body);
    // An array is a bulk insert, or the whole argument of an rpc function taking one json/jsonb.
    if (!j || !(j->is_object() || (m == "POST" && j->is_array()))) return send_error(res, 400, "invalid body");
    body = req.body;  // the client's own text: numbers keep their precision in jsonb
  }
  // The request headers that change the answer (lower-case keys), and the page cap.
  json headers = json::object();
  for (const char* h : {"Prefer", "Range", "Range-Unit", "Accept"}) {
    if (!req.has_header(h)) continue;
    std::string v = req.get_header_value(h);
    if (!is_clean_text(v)) return send_error(res, 400, "invalid header");
    headers[tg::core::ascii_lower(h)] = v;
  }
  headers["x-tenantgate-max-rows"] = std::to_string(config_.max_rows);
  std::string query;
  auto q = req.target.find('?');
  if (q != std::string::npos) query = req.target.substr(q + 1);
  auto hash = query.find('#');
  if (hash != std::string::npos) query.resize(hash);
  for (const auto& p : {std::optional<std::string>(query), body})
    if (p && p->find('\0') != std::string::npos) return send_error(res, 400, "invalid input");
  // One text value: "<status> <headers json>\n" then "b<body>" or "-" (no body). jsonb's text
  // form has no raw newline, so the first one ends the headers.
  DbResult r = db_call(
      ctx,
      "SELECT r.status::pg_catalog.text OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) r.headers::pg_catalog.text "
      "OPERATOR(pg_catalog.||) E'\\n' OPERATOR(pg_catalog.||) COALESCE('b' OPERATOR(pg_catalog.||) r.body, '-') "
      "FROM auth.http_request($1, $2, $3, $4, $5, $6::pg_catalog.jsonb, $7) AS r",
      {m, ctx.host, *token, path, query, headers.dump(), body});
  if (r.kind != DbResult::Kind::Ok) {
    db_error(ctx, r);
    return;
  }
  const std::string& v = r.value ? *r.value : std::string();
  auto space = v.find(' ');
  auto nl = v.find('\n');
  if (space == std::string::npos || nl == std::string::npos || nl < space || nl + 1 >= v.size())
    return send_error(res, 500, "internal error");
  int status = 0;
  for (std::size_t i = 0; i < space; ++i) status = status * 10 + (v[i] - '0');
  auto h = json::parse(v.substr(space + 1, nl - space - 1), nullptr, false);
  if (status < 200 || status > 599 || !h.is_object()) return send_error(res, 500, "internal error");
  std::string content_type = kJson;
  for (const auto& [key, value] : h.items()) {
    if (!value.is_string()) continue;
    if (key == "Content-Type") content_type = value.get<std::string>();
    else put_header(res, key, value.get<std::string>());
  }
  res.status = status;
  if (v[nl + 1] == 'b' && status != 204) res.set_content(v.substr(nl + 2), content_type);
}

}  // namespace tg::server
