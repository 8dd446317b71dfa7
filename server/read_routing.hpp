// Reads on a hot standby (--db-read): which pool runs a request's statement.
//
// GET and HEAD of /api, /rpc, /auth/me and /.well-known/jwks.json run on the replica pool,
// everything else on the primary — unless one of these sends the read to the primary:
//   - read-your-writes: a request that wrote with a bearer token (every non-GET request that
//     succeeded) pins that token — and the access token a login/refresh/registration answer
//     carries — to the primary's WAL insert LSN read right after the write (a write that names
//     no token, e.g. a session ended by its refresh token, pins every read); the token's reads go
//     to the primary until the replica has replayed that LSN (its pg_last_wal_replay_lsn(), read
//     at most every 100 ms by one request at a time). Pins are dropped once replayed; at most
//     kMaxPins are held, beyond that every read waits for the newest pin's LSN (still correct,
//     just fewer reads on the replica); a write whose LSN cannot be read (the primary went away
//     right after it) keeps its token's reads on the primary while the pin is held;
//   - the replica is down, not in recovery (promoted), or further behind than --read-max-lag
//     seconds (replay not caught up with what it received, and its last replayed commit older);
//   - the replica's call failed for a reason the primary would not have (connection lost, pool
//     busy, timeout, a recovery conflict 40001): the same statement runs again on the primary.
// Tokens are held only as a hash (std::hash), never as text: a collision sends a read to the
// primary, never a read to a replica that has not replayed.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <httplib.h>

#include "config.hpp"
#include "db_pool.hpp"

namespace tg::server {

class ReadRouting {
 public:
  ReadRouting(const Config& config, DbPool& primary, DbPool& replica);

  // Runs `sql` for `req` on the pool chosen as above.
  DbResult call(const httplib::Request& req, const std::string& sql,
                const std::vector<std::optional<std::string>>& params);

  // Prometheus lines: calls per pool, fallbacks, the replica pool's connections.
  std::string render_metrics() const;

  static constexpr std::size_t kMaxPins = 100000;

 private:
  using Clock = std::chrono::steady_clock;
  struct Status {
    bool usable = false;           // in recovery, reachable, within --read-max-lag
    std::uint64_t replay_lsn = 0;  // pg_last_wal_replay_lsn()
    Clock::time_point checked{};
    bool known = false;
  };
  enum class Choice { Replica, Pinned, Unusable };
  Status current_status();
  Choice choose(const std::optional<std::size_t>& token_key);
  void remember_write(const std::optional<std::size_t>& token_key, const DbResult& result);
  void pin(std::size_t key, std::uint64_t lsn);

  int max_lag_s_;
  DbPool& primary_;
  DbPool& replica_;
  mutable std::mutex mu_;
  Status status_;
  bool refreshing_ = false;
  std::unordered_map<std::size_t, std::uint64_t> pins_;  // token hash → LSN its reads wait for
  std::uint64_t pin_all_ = 0;                            // kMaxPins reached: every read waits for this
  unsigned long long primary_calls_ = 0, replica_calls_ = 0, fallbacks_ = 0, pinned_reads_ = 0;
};

// "16/B374D848" → 0x16B374D848; nullopt when it is not an LSN.
std::optional<std::uint64_t> parse_lsn(const std::string& text);

}  // namespace tg::server
