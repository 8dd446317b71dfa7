// The routes of CONTRACT.md §2 (and the account routes beside them). Every route that touches
// tenant data is one call of one auth.http_* function (sql/1.0/70_api.sql; /api and /rpc:
// auth.http_request, sql/1.0/72_http_request.sql) with the Host, the bearer token and the
// request as parameters; the database authenticates, authorizes, runs
// the query and produces the JSON. The router only checks syntax and maps errors.
#pragma once

#include <string>

#include <httplib.h>

#include "access_log.hpp"
#include "config.hpp"
#include "cors.hpp"
#include "db_pool.hpp"
#include "metrics.hpp"
#include "web_root.hpp"

namespace tg::server {

class Router {
 public:
  // web: the static files of --web-root, or nullptr (no static files).
  Router(const Config& config, DbPool& db, Metrics& metrics, AccessLog& log, const Cors& cors,
         const WebRoot* web = nullptr);
  // The one handler httplib calls for every method and path.
  void handle(const httplib::Request& req, httplib::Response& res);
  // Fills an empty error response httplib produced itself (e.g. 400 from its own parser).
  void fill_error(const httplib::Request& req, httplib::Response& res);

 private:
  struct Ctx;
  void dispatch(Ctx& ctx);
  void route_auth(Ctx& ctx, const std::string& what);
  void route_users(Ctx& ctx, const std::string& id, bool password_reset);
  // The cookie session (server/web_session.hpp): login's and refresh's answer moves the refresh
  // token into the HttpOnly cookie and adds the CSRF token; a refresh or logout from the cookie.
  void cookie_session_answer(Ctx& ctx, const DbResult& r);
  void refresh_from_cookie(Ctx& ctx);
  void logout_from_cookie(Ctx& ctx);
  // The refresh cookie whose CSRF token the request carries, or nullopt with the refusal set.
  std::optional<std::string> cookie_refresh_token(Ctx& ctx);
  void route_api(Ctx& ctx, const std::string& name);
  void route_rpc(Ctx& ctx, const std::string& name);
  void api_request(Ctx& ctx, const std::string& path);
  bool db_error(Ctx& ctx, const DbResult& r);  // maps a failed call into the response
  bool call(Ctx& ctx, const std::string& sql, const std::vector<std::optional<std::string>>& params, int ok_status,
            bool empty_body = false);

  const Config& config_;
  DbPool& db_;
  Metrics& metrics_;
  AccessLog& log_;
  const Cors& cors_;
  const WebRoot* web_;
};

}  // namespace tg::server
