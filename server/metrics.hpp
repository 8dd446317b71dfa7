// Prometheus text exposition: requests by route/method/status, a latency histogram, pool
// gauges (read from the pool at scrape time) and database error counters. No tenant labels:
// tenants are unbounded, and one tenant should not see another's traffic.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

namespace tg::server {

class Metrics {
 public:
  void observe(const std::string& route, const std::string& method, int status, double seconds);
  void db_error(const std::string& kind);  // "connection", "timeout", "sql"
  // pool_stats returns {in_use, idle, size}.
  std::string render(const std::function<std::tuple<std::size_t, std::size_t, std::size_t>()>& pool_stats) const;
  // The primary pool's recovery counters (DbPool::reconnect_stats) and the SIGHUP reloads.
  std::string render_recovery(std::pair<unsigned long long, unsigned long long> pool_recovery) const;
  void reloaded();  // one SIGHUP handled

 private:
  static constexpr std::array<double, 11> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, unsigned long long> requests_;
  std::array<unsigned long long, kBuckets.size()> buckets_{};
  unsigned long long count_ = 0;
  double sum_ = 0;
  std::map<std::string, unsigned long long> db_errors_;
  unsigned long long reloads_ = 0;
};

}  // namespace tg::server
