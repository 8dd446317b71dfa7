// PostgREST query syntax → the structured JSON auth.http_api expects. Only the syntax is
// checked here (names, operators, numbers); whether a column exists is the catalog's answer.
//
//   select=a,b | *          order=a.asc,b.desc.nullslast        limit=N  offset=N
//   col=[not.]op.value   op ∈ eq neq lt lte gt gte like ilike   col=[not.]in.(v1,"v,2")
//   col=[not.]is.null|not_null|true|false|unknown
// Result: {"select":[...]|null,"filters":[{"col","op","not","val"|"vals"}],"order":[{"col",
// "dir","nulls"}],"limit":N,"offset":N}
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace tg::server {

class QueryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;  // what() is a stable reason ("invalid filter")
};

struct QueryLimits {
  long max_rows = 1000;
  std::size_t max_filters = 64;
  std::size_t max_values = 1000;  // filter values in total (in-lists count each item)
};

// params: the decoded query parameters (httplib's multimap). Throws QueryError.
nlohmann::json parse_query(const std::multimap<std::string, std::string>& params, const QueryLimits& limits);

// The query string of a raw request target ("/api/t?a=eq.1&b=in.(1,2)"), split on '&' and the
// FIRST '=' and percent-decoded ('+' is a space). httplib's own split keeps the LAST '='
// segment, which turns "eq.a=b" into "b". Throws QueryError on a bad %-escape.
std::multimap<std::string, std::string> parse_query_string(const std::string& target);

// A table, column or function name: 1..63 bytes of valid UTF-8 without control characters.
bool is_valid_name(const std::string& name) noexcept;

// Valid UTF-8 with no NUL and no C0/DEL control characters.
bool is_clean_text(const std::string& s) noexcept;

}  // namespace tg::server
