// A fixed-size pool of libpq connections to the authenticator login. Each call is one round
// trip, pipelined: the request's statement as a named prepared statement (prepared on its first
// use on that connection, keyed by its SQL text, so every route — and any new statement text —
// is parsed and planned once per connection; at most 64 per connection, further texts run
// unnamed) and a Sync, so the statement runs as its own implicit transaction. No reset follows a
// successful request: what a tenant transaction could leave in the session (session-level
// settings, LISTEN, advisory locks, temporary objects, held cursors, PREPARE/DEALLOCATE) is
// refused by the extension inside an authenticated transaction (docs/isolation.md); after a
// FAILED request the full reset (CLOSE ALL, RESET ALL, UNLISTEN *, advisory unlock, DISCARD
// TEMP/SEQUENCES, DEALLOCATE ALL) is pipelined before the connection's next request. A
// connection not idle after a call is closed.
// Broken connections are noticed on checkout (the socket is polled) or during the call, closed,
// and reopened by the next caller after a capped exponential backoff (100 ms doubling to 2 s, per
// connection); while PostgreSQL is away callers get a connection error at once instead of waiting.
// Retry rule: a request runs a second time, on a freshly opened connection, only when its first
// connection failed before the request's Sync was handed to libpq — PostgreSQL commits the
// implicit transaction at the Sync, so nothing of it can have been committed. Once the Sync may
// have left, a lost connection is the caller's ConnectionError and never a second run, GETs
// included (a GET of /rpc can call a volatile function, and after a crash-restart a commit can be
// durable although its answer never came back).
// reconnect(): SIGHUP — every connection is replaced (idle ones at once, busy ones when their
// request is done) by one opened with the conninfo given, without failing any request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config.hpp"

typedef struct pg_conn PGconn;

namespace tg::server {

struct DbResult {
  enum class Kind { Ok, SqlError, ConnectionError, Timeout, Busy } kind = Kind::Ok;
  std::optional<std::string> value;   // first column of the first row (text), nullopt for NULL
  std::string sqlstate;               // SqlError only
  std::string message;                // SqlError only (primary message; http_errors.cpp decides what reaches a client)
  std::optional<std::string> detail;  // SqlError only: DETAIL, HINT (nullopt when absent)
  std::optional<std::string> hint;
  std::string constraint;  // SqlError only: CONSTRAINT NAME — tenantgate's reason tag on its own errors
  std::string schema;      // SqlError only: SCHEMA NAME (set on constraint violations)
};

class DbPool {
 public:
  explicit DbPool(const Config& config);
  ~DbPool();
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;

  // Runs `sql` (one statement returning at most one value) with text parameters.
  DbResult call(const std::string& sql, const std::vector<std::optional<std::string>>& params);

  // {in_use, idle, size}; idle counts open connections not in use.
  std::tuple<std::size_t, std::size_t, std::size_t> stats() const;

  // tenantgate.base_domain as the database reports it (for the access log), "" until known.
  std::string base_domain() const;

  // Waits for in-use connections to come back, then closes all (shutdown).
  void close();

  // New connections use `conninfo` from now on; open ones are replaced (see above).
  void reconnect(const std::string& conninfo);

  // Connection attempts that failed and requests run a second time by the retry rule.
  std::pair<unsigned long long, unsigned long long> reconnect_stats() const;

 private:
  struct Slot {
    PGconn* conn = nullptr;
    bool in_use = false;
    std::chrono::steady_clock::time_point next_attempt{};
    std::chrono::milliseconds backoff{0};
    std::unordered_map<std::string, std::string> prepared;  // SQL text → statement name
    bool needs_full_reset = false;                          // the last request failed
    unsigned generation = 0;                                // reconnect() count when it was opened
  };
  // A request waiting for a connection. Waiters are served strictly in arrival order and the
  // releasing thread hands its slot to the first one: with notify_all and a free-for-all, newly
  // arriving requests barged ahead of waiting ones and every release woke every waiter (the
  // p99 of GET /api was 26x its p50 at 32 connections on an 8-connection pool).
  struct Waiter {
    Slot* slot = nullptr;  // set (under mu_) by the thread that hands its slot over
    std::condition_variable cv;
  };
  Slot* acquire();
  void release(Slot* slot);
  bool ensure_connected(Slot& slot);
  void drop(Slot& slot);
  // `synced` tells whether the request's Sync was handed to libpq (see the retry rule).
  DbResult run(Slot& slot, const std::string& sql, const std::vector<std::optional<std::string>>& params, bool& synced);

  Config config_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // close() waits on it for in-use slots to come back
  std::vector<Slot> slots_;
  std::deque<Waiter*> waiters_;  // oldest first
  bool closed_ = false;
  std::string base_domain_;
  unsigned generation_ = 0;
  unsigned long long failed_connects_ = 0, retries_ = 0;
};

}  // namespace tg::server
