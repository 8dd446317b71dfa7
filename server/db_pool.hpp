// A fixed-size pool of libpq connections to the authenticator login. Each call is one round
// trip: the request's statement and a session-reset batch are pipelined together, each
// followed by a Sync, so the statement runs as its own implicit transaction and whatever a
// tenant's function left at session level (GUCs, LISTEN, advisory locks, temp tables, held
// cursors, prepared statements) is gone before the connection serves anyone else.
// The statement is sent with the extended protocol (Parse/Bind/Execute of the UNNAMED
// statement, every value a bind parameter) on purpose, not as a named prepared statement: a
// tenant function can DEALLOCATE and re-PREPARE any name in the session, and the next request
// on the connection (another tenant's token as its parameter) would run that statement.
// Broken connections are noticed on checkout (the socket is polled) or during the call, closed,
// and reopened by the next caller after a capped exponential backoff; while PostgreSQL is away
// callers get a connection error at once instead of waiting.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
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

 private:
  struct Slot {
    PGconn* conn = nullptr;
    bool in_use = false;
    std::chrono::steady_clock::time_point next_attempt{};
    std::chrono::milliseconds backoff{0};
  };
  bool ensure_connected(Slot& slot);
  void drop(Slot& slot);
  DbResult run(Slot& slot, const std::string& sql, const std::vector<std::optional<std::string>>& params);

  Config config_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;
  bool closed_ = false;
  std::string base_domain_;
};

}  // namespace tg::server
