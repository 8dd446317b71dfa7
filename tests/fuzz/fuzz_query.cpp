// libFuzzer target: the server's PostgREST query parser (server/query_parser.cpp) from a raw
// request target to the JSON auth.http_api receives. It may refuse only with QueryError (any
// other exception would be a 500); what it accepts respects the limits, names only clean
// names, and serialises to JSON that parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "query_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tg::server::QueryError;
  tg::server::QueryLimits limits;
  limits.max_rows = 50;
  limits.max_filters = 8;
  limits.max_values = 32;
  const std::string target = "/api/t?" + std::string(reinterpret_cast<const char*>(data), size);
  try {
    const auto params = tg::server::parse_query_string(target);
    const nlohmann::json q = tg::server::parse_query(params, limits);
    if (q.at("limit").get<long long>() > limits.max_rows || q.at("limit").get<long long>() < 0) __builtin_trap();
    if (q.at("offset").get<long long>() < 0) __builtin_trap();
    if (q.at("filters").size() > limits.max_filters || q.at("order").size() > limits.max_filters) __builtin_trap();
    std::size_t values = 0;
    for (const auto& f : q.at("filters")) {
      if (!tg::server::is_valid_name(f.at("col").get<std::string>())) __builtin_trap();
      if (f.contains("vals")) values += f.at("vals").size();
    }
    if (values > limits.max_values) __builtin_trap();
    for (const auto& o : q.at("order"))
      if (!tg::server::is_valid_name(o.at("col").get<std::string>())) __builtin_trap();
    if (q.at("select").is_array())
      for (const auto& c : q.at("select"))
        if (!tg::server::is_valid_name(c.get<std::string>())) __builtin_trap();
    // Every string in it is clean UTF-8, so dump() cannot throw and round-trips.
    if (nlohmann::json::parse(q.dump()) != q) __builtin_trap();
  } catch (const QueryError& e) {
    const std::string reason = e.what();
    if (reason != "invalid query" && reason != "invalid filter" && reason != "unknown operator") __builtin_trap();
  }
  return 0;
}
