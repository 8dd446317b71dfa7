#include "db_pool.hpp"

#include <poll.h>

#include <libpq-fe.h>

namespace tg::server {
namespace {

using Clock = std::chrono::steady_clock;

// Session state a tenant's function could leave behind. Inside an authenticated transaction
// the extension refuses LISTEN, WITH HOLD cursors, session advisory locks, temporary objects,
// PREPARE/DEALLOCATE and forgets sequence state (docs/isolation.md), and a session-level setting
// made after auth.authenticate() aborts the COMMIT (tenant_context.cpp), so a request that
// succeeded leaves nothing behind and the next one needs no reset round trip. After a failed
// request (or anything unexpected) the full reset below runs before the connection's next
// request, in that request's round trip.
constexpr std::size_t kMaxPrepared = 64;  // named statements per connection
const char* const kFullReset[] = {
    "CLOSE ALL",    "RESET ALL",         "UNLISTEN *",     "SELECT pg_catalog.pg_advisory_unlock_all()",
    "DISCARD TEMP", "DISCARD SEQUENCES", "DEALLOCATE ALL",
};

void ignore_notice(void*, const PGresult*) {}

// Reads input until a result is available without blocking; false on timeout or a dead socket.
bool wait_result(PGconn* c, Clock::time_point deadline) {
  while (PQisBusy(c)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{PQsocket(c), POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left > 1000 ? 1000 : left));
    if (r < 0 && errno != EINTR) return false;
    if (r > 0 && !PQconsumeInput(c)) return false;
  }
  return true;
}

}  // namespace

DbPool::DbPool(const Config& config) : config_(config), slots_(config.pool_size) {}

DbPool::~DbPool() { close(); }

void DbPool::drop(Slot& slot) {
  if (slot.conn != nullptr) PQfinish(slot.conn);
  slot.conn = nullptr;
  slot.prepared.clear();
  slot.needs_full_reset = false;
}

bool DbPool::ensure_connected(Slot& slot) {
  std::string conninfo;
  unsigned generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    conninfo = config_.db;
    generation = generation_;
  }
  if (slot.conn != nullptr && slot.generation != generation) drop(slot);  // opened before reconnect()
  if (slot.conn != nullptr && PQstatus(slot.conn) == CONNECTION_OK) {
    // Died while idle (server restart, terminated backend)? The socket is then readable.
    pollfd p{PQsocket(slot.conn), POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) return true;
    if (PQconsumeInput(slot.conn) && PQstatus(slot.conn) == CONNECTION_OK) {
      PGnotify* n;
      while ((n = PQnotifies(slot.conn)) != nullptr) PQfreemem(n);
      return true;
    }
  }
  drop(slot);
  auto now = Clock::now();
  if (now < slot.next_attempt) return false;
  std::string options = "-c statement_timeout=" + std::to_string(config_.statement_timeout_ms);
  std::string timeout = std::to_string(config_.connect_timeout_s);
  const char* keys[] = {"dbname", "options", "connect_timeout", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), options.c_str(), timeout.c_str(), "tenantgate-server", nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
    if (c != nullptr) PQfinish(c);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++failed_connects_;
    }
    slot.backoff = slot.backoff.count() == 0 ? std::chrono::milliseconds(100)
                                             : std::min(slot.backoff * 2, std::chrono::milliseconds(2000));
    slot.next_attempt = Clock::now() + slot.backoff;
    return false;
  }
  PQsetNoticeReceiver(c, ignore_notice, nullptr);
  slot.conn = c;
  slot.generation = generation;
  slot.backoff = std::chrono::milliseconds(0);
  PGresult* r = PQexec(c, "SELECT pg_catalog.current_setting('tenantgate.base_domain', true)");
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
    std::lock_guard<std::mutex> lock(mu_);
    base_domain_ = PQgetvalue(r, 0, 0);
  }
  PQclear(r);
  return PQstatus(c) == CONNECTION_OK;
}

DbResult DbPool::run(Slot& slot, const std::string& sql, const std::vector<std::optional<std::string>>& params,
                     bool& synced) {
  synced = false;
  DbResult out;
  PGconn* c = slot.conn;
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  auto fail = [&](DbResult::Kind kind) {
    drop(slot);
    DbResult r;
    r.kind = kind;
    return r;
  };
  if (!PQenterPipelineMode(c)) return fail(DbResult::Kind::ConnectionError);
  bool sent = true;
  int syncs_expected = 1;
  const bool full_reset = slot.needs_full_reset;
  if (full_reset) {
    // DEALLOCATE ALL is among them: this connection's statements are prepared again below.
    for (const char* stmt : kFullReset)
      sent = sent && PQsendQueryParams(c, stmt, 0, nullptr, nullptr, nullptr, nullptr, 0);
    sent = sent && PQpipelineSync(c);
    slot.prepared.clear();
    ++syncs_expected;
  }
  // Each statement is planned once per connection: prepared (Parse) on its first use here,
  // then only Bind/Execute. Names are ours alone: tenant code cannot PREPARE or DEALLOCATE
  // inside an authenticated transaction (utility hook), and every failure triggers the full
  // reset (DEALLOCATE ALL) above before the next request.
  auto found = slot.prepared.find(sql);
  std::string name;
  // At most kMaxPrepared per connection: statement texts that vary with the request (query
  // shapes) beyond that run as the unnamed statement, planned each time and never kept, so no
  // client can make the server or the backend hold an unbounded number of statements.
  const bool unnamed = found == slot.prepared.end() && slot.prepared.size() >= kMaxPrepared;
  bool preparing = found == slot.prepared.end() && !unnamed;
  if (preparing) {
    name = "tenantgate_" + std::to_string(slot.prepared.size() + 1);
    sent = sent && PQsendPrepare(c, name.c_str(), sql.c_str(), static_cast<int>(values.size()), nullptr);
  } else if (!unnamed) {
    name = found->second;
  }
  if (unnamed)
    sent = sent && PQsendQueryParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                     nullptr, 0);
  else
    sent = sent &&
           PQsendQueryPrepared(c, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0);
  // Up to here a failure left no Sync with the server: the statement, if it ran at all, ran in a
  // transaction that the lost connection aborts. From the Sync on it may have committed.
  if (!sent) return fail(DbResult::Kind::ConnectionError);
  synced = true;
  if (!PQpipelineSync(c)) return fail(DbResult::Kind::ConnectionError);

  auto deadline = Clock::now() + std::chrono::milliseconds(config_.statement_timeout_ms + 3000);
  int syncs = 0;
  const int request_sync = full_reset ? 1 : 0;  // results before this many syncs belong to the reset
  bool prepare_result = preparing;
  bool first = true;
  bool reset_failed = false;
  bool prepared_ok = !preparing;
  while (syncs < syncs_expected) {
    if (!wait_result(c, deadline))
      return fail(PQstatus(c) == CONNECTION_BAD ? DbResult::Kind::ConnectionError : DbResult::Kind::Timeout);
    PGresult* r = PQgetResult(c);
    if (r == nullptr) {
      if (PQstatus(c) == CONNECTION_BAD) return fail(DbResult::Kind::ConnectionError);
      continue;  // end of one statement's results
    }
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_SYNC) {
      ++syncs;
    } else if (syncs < request_sync || syncs > request_sync) {
      if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) reset_failed = true;
    } else if (prepare_result) {
      prepare_result = false;
      prepared_ok = st == PGRES_COMMAND_OK;
      if (!prepared_ok) {  // the statement itself is refused: report it like its execution
        first = false;
        const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char* msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        out.kind = DbResult::Kind::SqlError;
        out.sqlstate = code ? code : "";
        out.message = msg ? msg : "";
      }
    } else if (st == PGRES_PIPELINE_ABORTED) {
      // skipped after a failed Parse: already reported
    } else if (first || st == PGRES_FATAL_ERROR) {
      // After the statement's own result, an error can still come before the Sync: the implicit
      // transaction's COMMIT failed (a deferred constraint, a serialization failure, or the
      // extension refusing what the transaction left behind). Then nothing was committed and the
      // request failed, whatever the statement answered.
      first = false;
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
          out.value = std::string(PQgetvalue(r, 0, 0), static_cast<std::size_t>(PQgetlength(r, 0, 0)));
      } else {
        out.value.reset();
        out.detail.reset();
        out.hint.reset();
        const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char* msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
        const char* hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
        const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        const char* schema = PQresultErrorField(r, PG_DIAG_SCHEMA_NAME);
        out.kind = DbResult::Kind::SqlError;
        out.sqlstate = code ? code : "";
        out.message = msg ? msg : "";
        if (detail) out.detail = detail;
        if (hint) out.hint = hint;
        out.constraint = constraint ? constraint : "";
        out.schema = schema ? schema : "";
      }
    }
    PQclear(r);
  }
  if (PQstatus(c) == CONNECTION_BAD) return fail(DbResult::Kind::ConnectionError);
  if (prepared_ok && preparing) slot.prepared.emplace(sql, name);
  // A failed request may have left what only the full reset clears; so may anything odd.
  slot.needs_full_reset = out.kind != DbResult::Kind::Ok;
  // never reuse a session we could not reset, or one left inside a transaction
  if (!PQexitPipelineMode(c) || reset_failed || PQtransactionStatus(c) != PQTRANS_IDLE) drop(slot);
  if (out.kind == DbResult::Kind::SqlError && out.sqlstate.empty()) out.kind = DbResult::Kind::ConnectionError;
  return out;
}

DbPool::Slot* DbPool::acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return nullptr;
  if (waiters_.empty()) {
    // Prefer an open connection; else any free slot (connected on use).
    Slot* free_slot = nullptr;
    for (auto& s : slots_) {
      if (s.in_use) continue;
      if (s.conn != nullptr) {
        free_slot = &s;
        break;
      }
      if (free_slot == nullptr) free_slot = &s;
    }
    if (free_slot != nullptr) {
      free_slot->in_use = true;
      return free_slot;
    }
  }
  Waiter me;
  waiters_.push_back(&me);
  auto deadline = Clock::now() + std::chrono::milliseconds(config_.pool_timeout_ms);
  while (me.slot == nullptr && !closed_)
    if (me.cv.wait_until(lock, deadline) == std::cv_status::timeout) break;
  if (me.slot == nullptr) {
    // Timed out or closing: leave the queue (a hand-over sets me.slot and removes me first).
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it)
      if (*it == &me) {
        waiters_.erase(it);
        break;
      }
  }
  return me.slot;
}

void DbPool::release(Slot* slot) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!waiters_.empty()) {
    // Hand over without marking the slot free: nobody can barge in between.
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->slot = slot;
    next->cv.notify_one();
    return;
  }
  slot->in_use = false;
  if (closed_) cv_.notify_all();
}

DbResult DbPool::call(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  Slot* slot = acquire();
  if (slot == nullptr) {
    DbResult r;
    std::lock_guard<std::mutex> lock(mu_);
    r.kind = closed_ ? DbResult::Kind::ConnectionError : DbResult::Kind::Busy;
    return r;
  }
  DbResult result;
  for (int attempt = 0;; ++attempt) {
    if (!ensure_connected(*slot)) {
      result = DbResult{};
      result.kind = DbResult::Kind::ConnectionError;
      break;
    }
    bool synced = false;
    result = run(*slot, sql, params, synced);
    // The retry rule (db_pool.hpp): once, and only when no Sync of this request left.
    if (result.kind != DbResult::Kind::ConnectionError || synced || attempt > 0) break;
    std::lock_guard<std::mutex> lock(mu_);
    ++retries_;
  }
  release(slot);
  return result;
}

std::tuple<std::size_t, std::size_t, std::size_t> DbPool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t in_use = 0, idle = 0;
  for (const auto& s : slots_) {
    if (s.in_use) ++in_use;
    else if (s.conn != nullptr) ++idle;
  }
  return {in_use, idle, slots_.size()};
}

std::string DbPool::base_domain() const {
  std::lock_guard<std::mutex> lock(mu_);
  return base_domain_;
}

void DbPool::reconnect(const std::string& conninfo) {
  std::lock_guard<std::mutex> lock(mu_);
  config_.db = conninfo;
  ++generation_;
  for (auto& s : slots_) {
    if (s.in_use) continue;  // its caller owns it: replaced at its next checkout (ensure_connected)
    drop(s);
    s.next_attempt = {};
    s.backoff = std::chrono::milliseconds(0);
  }
}

std::pair<unsigned long long, unsigned long long> DbPool::reconnect_stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {failed_connects_, retries_};
}

void DbPool::close() {
  std::unique_lock<std::mutex> lock(mu_);
  closed_ = true;
  for (Waiter* w : waiters_) w->cv.notify_one();  // they leave the queue themselves
  cv_.wait_for(lock, std::chrono::seconds(30), [&] {
    for (const auto& s : slots_)
      if (s.in_use) return false;
    return true;
  });
  for (auto& s : slots_) drop(s);
}

}  // namespace tg::server
