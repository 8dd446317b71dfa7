#include "read_routing.hpp"

#include <functional>

#include <nlohmann/json.hpp>

namespace tg::server {
namespace {

constexpr auto kStatusInterval = std::chrono::milliseconds(100);
constexpr std::uint64_t kUnknownLsn = ~std::uint64_t{0};  // never replayed
// Replay position and lag in one round trip; NULL when the server is not in recovery. The lag is
// 0 while replay has caught up with what was received (an idle primary sends no commits, so the
// age of the last replayed commit alone would call an idle, current replica late).
const char* const kStatusSql =
    "SELECT pg_catalog.pg_last_wal_replay_lsn()::pg_catalog.text OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||)"
    " CASE WHEN pg_catalog.pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_catalog.pg_last_wal_replay_lsn()"
    " THEN '0' ELSE COALESCE(pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-)"
    " pg_catalog.pg_last_xact_replay_timestamp())::pg_catalog.text, '0') END";
const char* const kPrimaryLsnSql = "SELECT pg_catalog.pg_current_wal_insert_lsn()::pg_catalog.text";

bool is_read(const std::string& method) { return method == "GET" || method == "HEAD"; }

// A failure of the replica that the primary would not have: the read runs there again.
bool replica_failed(const DbResult& r) {
  return r.kind == DbResult::Kind::ConnectionError || r.kind == DbResult::Kind::Busy ||
         r.kind == DbResult::Kind::Timeout || (r.kind == DbResult::Kind::SqlError && r.sqlstate == "40001");
}

std::optional<std::size_t> token_key(const httplib::Request& req) {
  if (!req.has_header("Authorization")) return std::nullopt;
  const std::string v = req.get_header_value("Authorization");
  if (v.size() <= 7) return std::nullopt;
  return std::hash<std::string>{}(v.substr(7));
}

// The access token a login, refresh or registration answer carries (its own reads must see the
// session the answer just created).
std::optional<std::size_t> issued_token_key(const DbResult& r) {
  if (!r.value || r.value->empty() || r.value->front() != '{') return std::nullopt;
  auto j = nlohmann::json::parse(*r.value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto it = j.find("access_token");
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return std::hash<std::string>{}(it->get<std::string>());
}

}  // namespace

std::optional<std::uint64_t> parse_lsn(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= text.size() || slash > 8 || text.size() - slash > 9)
    return std::nullopt;
  std::uint64_t hi = 0, lo = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == slash) continue;
    char c = text[i];
    unsigned d = 0;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else return std::nullopt;
    std::uint64_t& part = i < slash ? hi : lo;
    part = part * 16 + d;
  }
  return (hi << 32) | lo;
}

ReadRouting::ReadRouting(const Config& config, DbPool& primary, DbPool& replica)
    : max_lag_s_(config.read_max_lag_s), primary_(primary), replica_(replica) {}

ReadRouting::Status ReadRouting::current_status() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if ((status_.known && Clock::now() - status_.checked < kStatusInterval) || refreshing_) return status_;
    refreshing_ = true;
  }
  Status fresh;
  fresh.known = true;
  DbResult r = replica_.call(kStatusSql, {});
  if (r.kind == DbResult::Kind::Ok && r.value) {
    auto space = r.value->find(' ');
    std::optional<std::uint64_t> lsn = parse_lsn(r.value->substr(0, space));
    double lag = 0;
    try {
      lag = space == std::string::npos ? 1e18 : std::stod(r.value->substr(space + 1));
    } catch (const std::exception&) {
      lag = 1e18;
    }
    if (lsn) {
      fresh.replay_lsn = *lsn;
      fresh.usable = lag <= static_cast<double>(max_lag_s_);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  fresh.checked = Clock::now();
  status_ = fresh;
  refreshing_ = false;
  // Pins the replica has replayed are no longer needed.
  for (auto it = pins_.begin(); it != pins_.end();) {
    if (it->second <= fresh.replay_lsn) it = pins_.erase(it);
    else ++it;
  }
  return status_;
}

ReadRouting::Choice ReadRouting::choose(const std::optional<std::size_t>& key) {
  Status s = current_status();
  if (!s.usable) return Choice::Unusable;
  std::lock_guard<std::mutex> lock(mu_);
  if (pin_all_ > s.replay_lsn) return Choice::Pinned;
  if (!key) return Choice::Replica;
  auto it = pins_.find(*key);
  return it == pins_.end() || it->second <= s.replay_lsn ? Choice::Replica : Choice::Pinned;
}

void ReadRouting::pin(std::size_t key, std::uint64_t lsn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pins_.size() >= kMaxPins && pins_.find(key) == pins_.end()) {
    // Full: the replica answers again only once it has replayed every pinned write.
    // (A write whose position is unknown is left out: it would keep every read on the primary.)
    for (const auto& [k, v] : pins_)
      if (v != kUnknownLsn) pin_all_ = std::max(pin_all_, v);
    if (lsn != kUnknownLsn) pin_all_ = std::max(pin_all_, lsn);
    pins_.clear();
    return;
  }
  auto& slot = pins_[key];
  slot = std::max(slot, lsn);
}

void ReadRouting::remember_write(const std::optional<std::size_t>& key, const DbResult& result) {
  std::optional<std::size_t> issued = issued_token_key(result);
  // After the write's COMMIT: its commit record ends at or before the insert position.
  DbResult lsn_result = primary_.call(kPrimaryLsnSql, {});
  std::optional<std::uint64_t> lsn;
  if (lsn_result.kind == DbResult::Kind::Ok && lsn_result.value) lsn = parse_lsn(*lsn_result.value);
  if (!key && !issued) {
    // A write that names no token (a session ended by its refresh token, a password reset by
    // its reset token) may revoke tokens we cannot name: every read waits for it.
    std::lock_guard<std::mutex> lock(mu_);
    if (lsn) {
      pin_all_ = std::max(pin_all_, *lsn);
    } else {  // position unknown: no reads on the replica until its next status read
      status_.usable = false;
      status_.checked = Clock::now();
    }
    return;
  }
  // Position unknown (the primary went away right after the write): the token's reads stay on
  // the primary while its pin is held.
  if (!lsn) lsn = kUnknownLsn;
  if (key) pin(*key, *lsn);
  if (issued) pin(*issued, *lsn);
}

DbResult ReadRouting::call(const httplib::Request& req, const std::string& sql,
                           const std::vector<std::optional<std::string>>& params) {
  std::optional<std::size_t> key = token_key(req);
  if (is_read(req.method)) {
    const Choice choice = choose(key);
    if (choice == Choice::Replica) {
      DbResult r = replica_.call(sql, params);
      if (!replica_failed(r)) {
        std::lock_guard<std::mutex> lock(mu_);
        ++replica_calls_;
        return r;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (choice == Choice::Pinned) {
      ++pinned_reads_;
    } else {
      ++fallbacks_;
      if (choice == Choice::Replica) {  // it failed: unusable until the next status read
        status_.usable = false;
        status_.checked = Clock::now();
      }
    }
  }
  DbResult r = primary_.call(sql, params);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++primary_calls_;
  }
  if (!is_read(req.method) && r.kind == DbResult::Kind::Ok) remember_write(key, r);
  return r;
}

std::string ReadRouting::render_metrics() const {
  auto [in_use, idle, size] = replica_.stats();
  std::lock_guard<std::mutex> lock(mu_);
  std::string s;
  s += "# HELP tenantgate_db_pool_calls_total Request statements by pool (primary, replica).\n"
       "# TYPE tenantgate_db_pool_calls_total counter\n";
  s += "tenantgate_db_pool_calls_total{pool=\"primary\"} " + std::to_string(primary_calls_) + "\n";
  s += "tenantgate_db_pool_calls_total{pool=\"replica\"} " + std::to_string(replica_calls_) + "\n";
  s +=
      "# HELP tenantgate_db_read_fallbacks_total Reads the primary answered: the replica was down, lagging or failed.\n"
      "# TYPE tenantgate_db_read_fallbacks_total counter\n";
  s += "tenantgate_db_read_fallbacks_total " + std::to_string(fallbacks_) + "\n";
  s += "# HELP tenantgate_db_read_pinned_total Reads sent to the primary until the replica replays their token's "
       "write.\n"
       "# TYPE tenantgate_db_read_pinned_total counter\n";
  s += "tenantgate_db_read_pinned_total " + std::to_string(pinned_reads_) + "\n";
  s += "# HELP tenantgate_db_replica_pool_connections Replica connections by state.\n"
       "# TYPE tenantgate_db_replica_pool_connections gauge\n";
  s += "tenantgate_db_replica_pool_connections{state=\"in_use\"} " + std::to_string(in_use) + "\n";
  s += "tenantgate_db_replica_pool_connections{state=\"idle\"} " + std::to_string(idle) + "\n";
  s += "tenantgate_db_replica_pool_size " + std::to_string(size) + "\n";
  s += "# HELP tenantgate_db_replica_usable 1 while the replica answers reads (in recovery, within --read-max-lag).\n"
       "# TYPE tenantgate_db_replica_usable gauge\n";
  s += std::string("tenantgate_db_replica_usable ") + (status_.usable ? "1" : "0") + "\n";
  s += "# HELP tenantgate_db_read_pins Tokens whose reads wait for the replica to replay their write.\n"
       "# TYPE tenantgate_db_read_pins gauge\n";
  s += "tenantgate_db_read_pins " + std::to_string(pins_.size()) + "\n";
  return s;
}

}  // namespace tg::server
