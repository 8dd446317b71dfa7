// tenantgate-server: flags → Config, then one GuardedServer whose every route is the Router.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "access_log.hpp"
#include "config.hpp"
#include "cors.hpp"
#include "db_pool.hpp"
#include "guarded_server.hpp"
#include "http_errors.hpp"
#include "metrics.hpp"
#include "read_routing.hpp"
#include "router.hpp"
#include "web_root.hpp"

using namespace tg::server;

int main(int argc, char** argv) {
  Config config = parse_config(argc, argv);

  // Signals go to one thread that stops (SIGTERM, SIGINT) or reloads (SIGHUP) the server;
  // workers never see them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  SSL_CTX* tls = nullptr;
  if (!config.tls_cert.empty()) {
    tls = make_tls_context(config.tls_cert, config.tls_key);
    if (tls == nullptr) {
      std::cerr << "tenantgate-server: cannot load --tls-cert/--tls-key\n";
      return 1;
    }
  }
  std::unique_ptr<AccessLog> log;
  try {
    log = std::make_unique<AccessLog>(config.access_log);
  } catch (const std::exception& e) {
    std::cerr << "tenantgate-server: " << e.what() << "\n";
    return 1;
  }
  DbPool db(config);
  Metrics metrics;
  Cors cors(config.cors_origins, config.cors_credentials);
  std::unique_ptr<WebRoot> web;
  if (!config.web_root.empty()) {
    try {
      web = std::make_unique<WebRoot>(config.web_root);
    } catch (const std::exception& e) {
      std::cerr << "tenantgate-server: " << e.what() << "\n";
      return 1;
    }
  }
  Router router(config, db, metrics, *log, cors, web.get());
  // --db-read: a pool on the hot standby and the routing between the two (read_routing.hpp).
  std::unique_ptr<DbPool> read_db;
  std::unique_ptr<ReadRouting> reads;
  if (!config.db_read.empty()) {
    Config read_config = config;
    read_config.db = config.db_read;
    read_config.pool_size = config.read_pool_size;
    read_db = std::make_unique<DbPool>(read_config);
    reads = std::make_unique<ReadRouting>(config, db, *read_db);
    router.set_read_routing(reads.get());
  }

  FramingLimits limits;
  limits.max_header_bytes = config.max_header_bytes;
  limits.max_headers = config.max_headers;
  limits.max_uri = config.max_uri;
  limits.max_body = config.max_body;
  limits.read_timeout_ms = config.read_timeout_s * 1000;
  limits.request_timeout_ms = config.request_timeout_s * 1000;
  GuardedServer server(limits, tls, [&](const std::string& remote, int status) {
    metrics.observe("-", "-", status, 0);
    AccessRecord r;
    r.method = "-";
    r.route = "-";
    r.remote = remote;
    r.status = status;
    log->write(r);
  });

  auto handler = [&](const httplib::Request& req, httplib::Response& res) { router.handle(req, res); };
  // [\s\S]: std::regex "." would not match a decoded %0A and httplib would answer itself.
  const std::string any = R"([\s\S]*)";
  server.Get(any, handler);
  server.Post(any, handler);
  server.Patch(any, handler);
  server.Delete(any, handler);
  server.Options(any, handler);
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([&](const httplib::Request& req, httplib::Response& res) {
        router.fill_error(req, res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
    res.headers.clear();
    res.status = 500;
    res.set_content(error_body(500, "internal error"), "application/json; charset=utf-8");
  });
  server.set_tcp_nodelay(true);  // also set per accepted socket in GuardedServer
  server.set_payload_max_length(config.max_body);
  server.set_read_timeout(config.read_timeout_s, 0);
  server.set_write_timeout(config.write_timeout_s, 0);
  server.set_keep_alive_timeout(config.keep_alive_timeout_s);
  server.set_keep_alive_max_count(config.keep_alive_max);
  std::size_t threads = config.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

  if (!server.bind_to_port(config.listen_host, config.listen_port)) {
    std::cerr << "tenantgate-server: cannot listen on " << config.listen_host << ":" << config.listen_port << "\n";
    return 1;
  }
  if (!server.set_listen_backlog(config.listen_backlog))
    std::cerr << "tenantgate-server: warning: could not raise the listen backlog\n";
  if (config.listen_host != "127.0.0.1" && config.listen_host != "::1" && config.listen_host != "localhost" &&
      tls == nullptr)
    std::cerr << "tenantgate-server: warning: listening beyond loopback without TLS; bearer tokens need TLS\n";
  std::cerr << "tenantgate-server: listening on " << config.listen_host << ":" << config.listen_port
            << (tls ? " (https)" : "") << "\n";

  // SIGHUP: the configuration again (flags, environment, --config file), the access log reopened
  // (logrotate), every pool connection replaced with the conninfo now configured (a changed
  // --db/--db-read or password). Requests in flight finish on the connections they hold.
  // `config` stays as it was (the router holds it); `log_path` is where the access log goes now.
  std::string log_path = config.access_log;
  auto reload = [&] {
    Config next;
    std::string error;
    if (!reload_config(argc, argv, next, error)) {
      std::cerr << "tenantgate-server: reload refused, the running configuration stays: " << error << "\n";
      return;
    }
    for (const auto& flag : restart_only_changes(config, next))
      std::cerr << "tenantgate-server: " << flag << " changed: takes effect at the next start\n";
    if (!log->reopen(next.access_log, error)) {
      std::cerr << "tenantgate-server: " << error << "; the access log stays where it was\n";
      next.access_log = log_path;
    }
    db.reconnect(next.db);
    if (read_db && !next.db_read.empty()) read_db->reconnect(next.db_read);
    log_path = next.access_log;
    metrics.reloaded();
    std::cerr << "tenantgate-server: reloaded (access log reopened, pool connections replaced)\n";
  };
  std::thread signal_thread([&] {
    int sig = 0;
    while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP) reload();
    std::cerr << "tenantgate-server: stopping (finishing in-flight requests)\n";
    server.stop();
  });
  bool ok = server.listen_after_bind();  // returns once stopped and every worker has finished
  db.close();
  if (read_db) read_db->close();
  if (signal_thread.joinable()) {
    // Wakes the thread's sigwait() (SIGTERM is blocked everywhere and only waited for there).
    pthread_kill(signal_thread.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
    signal_thread.join();
  }
  if (tls != nullptr) SSL_CTX_free(tls);
  std::cerr << "tenantgate-server: stopped\n";
  return ok ? 0 : 1;
}
