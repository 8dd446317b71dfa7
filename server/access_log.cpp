#include "access_log.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

namespace tg::server {

namespace {

// {stream, owned}; stream nullptr for "off" (owned false) or when a file cannot be opened (owned true).
std::pair<std::FILE*, bool> open_log(const std::string& where) {
  if (where.empty()) return {nullptr, false};
  if (where == "-") return {stdout, false};
  return {std::fopen(where.c_str(), "a"), true};
}

}  // namespace

AccessLog::AccessLog(const std::string& where) {
  auto [out, owned] = open_log(where);
  if (owned && out == nullptr) throw std::runtime_error("cannot open the access log");
  out_ = out;
  owned_ = owned;
}

AccessLog::~AccessLog() {
  if (owned_ && out_ != nullptr) std::fclose(out_);
}

bool AccessLog::reopen(const std::string& where, std::string& error) {
  auto [out, owned] = open_log(where);
  if (owned && out == nullptr) {
    error = "cannot open the access log " + where + ": " + std::strerror(errno);
    return false;
  }
  std::FILE* old = nullptr;
  bool old_owned = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = out_;
    old_owned = owned_;
    out_ = out;
    owned_ = owned;
  }
  if (old_owned && old != nullptr) std::fclose(old);
  return true;
}

void AccessLog::write(const AccessRecord& r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (out_ == nullptr) return;
  }
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[96];
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  nlohmann::json j = {{"ts", ts},
                      {"method", r.method},
                      {"route", r.route},
                      {"status", r.status},
                      {"ms", static_cast<double>(static_cast<long long>(r.ms * 1000)) / 1000.0},
                      {"bytes", r.bytes},
                      {"remote", r.remote}};
  if (!r.tenant.empty()) j["tenant"] = r.tenant;
  if (!r.target.empty()) j["name"] = r.target;
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  if (out_ == nullptr) return;  // switched off by a reload meanwhile
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace tg::server
