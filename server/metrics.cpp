#include "metrics.hpp"

#include <cstdio>

namespace tg::server {

void Metrics::observe(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, method, status}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++buckets_[i];
  ++count_;
  sum_ += seconds;
}

void Metrics::db_error(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++db_errors_[kind];
}

std::string Metrics::render(
    const std::function<std::tuple<std::size_t, std::size_t, std::size_t>()>& pool_stats) const {
  auto [in_use, idle, size] = pool_stats();
  std::string s;
  char num[64];
  std::lock_guard<std::mutex> lock(mu_);
  s += "# HELP tenantgate_http_requests_total HTTP requests by route template, method and status.\n"
       "# TYPE tenantgate_http_requests_total counter\n";
  for (const auto& [k, v] : requests_) {
    s += "tenantgate_http_requests_total{route=\"" + std::get<0>(k) + "\",method=\"" + std::get<1>(k) + "\",status=\"" +
         std::to_string(std::get<2>(k)) + "\"} " + std::to_string(v) + "\n";
  }
  s += "# HELP tenantgate_http_request_duration_seconds Time from the parsed request to the response.\n"
       "# TYPE tenantgate_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(num, sizeof num, "%g", kBuckets[i]);
    s += std::string("tenantgate_http_request_duration_seconds_bucket{le=\"") + num + "\"} " +
         std::to_string(buckets_[i]) + "\n";
  }
  s += "tenantgate_http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  std::snprintf(num, sizeof num, "%.6f", sum_);
  s += std::string("tenantgate_http_request_duration_seconds_sum ") + num + "\n";
  s += "tenantgate_http_request_duration_seconds_count " + std::to_string(count_) + "\n";
  s += "# HELP tenantgate_db_pool_connections Database connections by state.\n"
       "# TYPE tenantgate_db_pool_connections gauge\n";
  s += "tenantgate_db_pool_connections{state=\"in_use\"} " + std::to_string(in_use) + "\n";
  s += "tenantgate_db_pool_connections{state=\"idle\"} " + std::to_string(idle) + "\n";
  s += "# HELP tenantgate_db_pool_size Configured pool size.\n# TYPE tenantgate_db_pool_size gauge\n";
  s += "tenantgate_db_pool_size " + std::to_string(size) + "\n";
  s += "# HELP tenantgate_db_errors_total Database errors by kind (connection, timeout, sql).\n"
       "# TYPE tenantgate_db_errors_total counter\n";
  for (const char* kind : {"connection", "timeout", "sql"}) {
    auto it = db_errors_.find(kind);
    s += std::string("tenantgate_db_errors_total{kind=\"") + kind + "\"} " +
         std::to_string(it == db_errors_.end() ? 0 : it->second) + "\n";
  }
  return s;
}

void Metrics::reloaded() {
  std::lock_guard<std::mutex> lock(mu_);
  ++reloads_;
}

std::string Metrics::render_recovery(std::pair<unsigned long long, unsigned long long> pool_recovery) const {
  auto [failed_connects, retries] = pool_recovery;
  unsigned long long reloads = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reloads = reloads_;
  }
  return "# HELP tenantgate_db_connect_failures_total Failed (re)connection attempts of the pool.\n"
         "# TYPE tenantgate_db_connect_failures_total counter\n"
         "tenantgate_db_connect_failures_total " +
         std::to_string(failed_connects) +
         "\n# HELP tenantgate_db_retries_total Requests run again on a fresh connection (nothing had been sent).\n"
         "# TYPE tenantgate_db_retries_total counter\n"
         "tenantgate_db_retries_total " +
         std::to_string(retries) +
         "\n# HELP tenantgate_reloads_total SIGHUP reloads (configuration, access log, pool connections).\n"
         "# TYPE tenantgate_reloads_total counter\n"
         "tenantgate_reloads_total " +
         std::to_string(reloads) + "\n";
}

}  // namespace tg::server
