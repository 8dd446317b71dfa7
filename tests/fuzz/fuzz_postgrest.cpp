// libFuzzer target: the PostgREST request language (extension/core/postgrest) from a raw query
// string through the renderer, against a fake catalog. Input: one method byte (G, H, P, U =
// PATCH, D, R = rpc GET, S = rpc POST, E = GET of the table "users"), the query string, then
// optionally '\n' and a body.
// It may refuse only with QueryError; what it renders uses exactly its parameters $1..$n (every
// value is one of them, none is spliced), keeps every quote closed, and has no ';' outside quotes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/postgrest/render.hpp"
#include "core/postgrest/request.hpp"

namespace pr = tg::core::postgrest;

namespace {

class FakeCatalog : public pr::Catalog {
 public:
  FakeCatalog() {
    t.id = 1;
    t.name = "t";
    t.sql = "\"s\".\"t\"";
    t.columns = {{"id", "pg_catalog.int8", std::string("0")}, {"title", "pg_catalog.text", std::nullopt},
                 {"done", "pg_catalog.bool", std::nullopt},   {"doc", "pg_catalog.tsvector", std::nullopt},
                 {"u", "pg_catalog.int8", std::nullopt},      {"j", "pg_catalog.jsonb", std::nullopt}};
    t.primary_key = {"id"};
    u.id = 2;
    u.name = "users";
    u.sql = "\"s\".\"users\"";
    u.columns = {{"id", "pg_catalog.int8", std::nullopt}, {"name", "pg_catalog.text", std::nullopt}};
    u.primary_key = {"id"};
  }
  std::optional<pr::Relation> relation(const std::string& name) override {
    if (name == "t") return t;
    if (name == "users") return u;
    return std::nullopt;
  }
  std::vector<pr::Relationship> relationships(const pr::Relation& from, const std::string& target) override {
    if (from.id == 1 && target == "users") return {{u, true, "fk", {{"u", "id"}}}};
    if (from.id == 2 && target == "t") return {{t, false, "fk", {{"id", "u"}}}};
    return {};
  }
  std::vector<pr::Function> functions(const std::string& name) override {
    if (name != "t") return {};
    pr::Function f;
    f.sql = "\"s\".\"f\"";
    f.arg_names = {"min_id"};
    f.arg_types = {"pg_catalog.int8"};
    f.defaults = 1;
    f.returns_set = true;
    f.returns = pr::Function::Returns::Composite;
    f.result_columns = t.columns;
    pr::Function whole;  // one unnamed jsonb input: the whole body
    whole.sql = "\"s\".\"f\"";
    whole.arg_names = {""};
    whole.arg_types = {"pg_catalog.jsonb"};
    pr::Function variadic;  // VARIADIC nums int8[]
    variadic.sql = "\"s\".\"f\"";
    variadic.arg_names = {"nums"};
    variadic.arg_types = {"pg_catalog.int8[]"};
    variadic.variadic = true;
    return {f, whole, variadic};
  }
  pr::Relation t, u;
};

// Outside quoted identifiers ("..."; an alias is the client's text, quoted) and the renderer's
// own string literals ('...'): no ';', and every $n names a parameter, each one used.
void check_params(const pr::Rendered& r) {
  std::vector<bool> used(r.params.size(), false);
  const std::string& s = r.sql;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"' || s[i] == '\'') {
      const char q = s[i];
      for (++i; i < s.size(); ++i) {
        if (s[i] != q) continue;
        if (i + 1 < s.size() && s[i + 1] == q) {
          ++i;
          continue;
        }
        break;
      }
      if (i >= s.size()) __builtin_trap();  // an unterminated quote
      continue;
    }
    if (s[i] == ';') __builtin_trap();
    if (s[i] != '$') continue;
    std::size_t n = 0, j = i + 1;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 8) n = n * 10 + static_cast<std::size_t>(s[j++] - '0');
    if (n == 0 || n > r.params.size()) __builtin_trap();
    used[n - 1] = true;
  }
  for (bool u : used)
    if (!u) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char method = static_cast<char>(data[0]);
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::optional<std::string> body;
  auto nl = rest.find('\n');
  if (nl != std::string::npos) {
    body = rest.substr(nl + 1);
    rest.resize(nl);
  }
  pr::Limits limits;
  limits.max_rows = 50;
  limits.max_filters = 16;
  limits.max_values = 64;
  limits.max_depth = 4;
  FakeCatalog cat;
  const bool rpc = method == 'R' || method == 'S';
  try {
    pr::Request r;
    r.method = method == 'H'                    ? pr::Method::Head
               : method == 'P' || method == 'S' ? pr::Method::Post
               : method == 'U'                  ? pr::Method::Patch
               : method == 'D'                  ? pr::Method::Delete
                                                : pr::Method::Get;
    r.query = pr::parse_query(pr::split_query_string(rest), limits, rpc);
    if (r.query.where.size() > limits.max_filters || r.query.order.size() > limits.max_filters) __builtin_trap();
    r.body = body;
    // The first filter value also exercises the header parsers.
    if (!r.query.where.empty() && r.query.where[0].kind == pr::Condition::Kind::Filter) {
      const std::string& v = r.query.where[0].filter.value;
      r.prefer = pr::parse_prefer(v);
      r.range = pr::parse_range(v, "items");
      r.accept = pr::parse_accept(v);
    }
    pr::Rendered out =
        rpc ? pr::render_rpc("t", r, cat, limits) : pr::render_table(method == 'E' ? "users" : "t", r, cat, limits);
    if (out.limit > limits.max_rows || out.limit < 0) __builtin_trap();
    check_params(out);
  } catch (const pr::QueryError& e) {
    if (std::string(e.sqlstate()).size() != 5 || std::string(e.what()).empty()) __builtin_trap();
  }
  return 0;
}
