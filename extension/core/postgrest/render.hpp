// A parsed PostgREST request (request.hpp) rendered into ONE SQL statement. Every name in the
// SQL comes from the Catalog (resolved in the tenant's schema and quoted by it), every value is
// a $n parameter of type text cast to the column's type: the same request shape always gives
// the same SQL text, so its plan can be prepared once per connection.
//
// The statement returns one row of four columns:
//   body text        the JSON (array, object or CSV text) — NULL when no body is wanted
//   page bigint      the rows in the answer (read) or the rows changed (write)
//   total bigint     count=exact: the rows matching the filters, else NULL
//   location text    POST of one row into a table with a primary key: a JSON array of the key
//                    values as text (the caller builds Location: /table?pk=eq.value), else NULL
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/postgrest/request.hpp"

namespace tg::core::postgrest {

struct Column {
  std::string name;                        // as stored
  std::string type;                        // the SQL type name, schema-qualified, without typmod ("pg_catalog.int4")
  std::optional<std::string> default_sql;  // the column default as SQL (missing=default), or none
};

struct Relation {
  std::uint32_t id = 0;  // the catalog's identity (an OID), for relationships
  std::string name;      // as stored
  std::string sql;       // the quoted, schema-qualified name
  std::vector<Column> columns;
  std::vector<std::string> primary_key;  // column names
  const Column* column(std::string_view name) const noexcept {
    for (const auto& c : columns)
      if (c.name == name) return &c;
    return nullptr;
  }
};

// A foreign key between `from` and `target`: to_one when `from` holds the key (many-to-one),
// otherwise target rows reference `from` (one-to-many).
struct Relationship {
  Relation target;
  bool to_one = false;
  std::string constraint;                                    // the constraint's name (a hint)
  std::vector<std::pair<std::string, std::string>> columns;  // (from column, target column)
};

struct Function {
  std::string sql;                     // the quoted, schema-qualified name
  std::vector<std::string> arg_names;  // input arguments, in order (all named, or the function is not callable)
  std::vector<std::string> arg_types;  // SQL type names, as Column::type
  std::size_t defaults = 0;            // how many trailing inputs have defaults
  bool variadic = false;
  bool returns_set = false;
  enum class Returns { Scalar, Composite, Void } returns = Returns::Scalar;
  std::vector<Column> result_columns;  // Composite
};

// What the database side supplies. Every lookup stays inside the tenant's own schema; a name
// that is not found there is std::nullopt / empty, never a name elsewhere.
class Catalog {
 public:
  virtual ~Catalog() = default;
  virtual std::optional<Relation> relation(const std::string& name) = 0;
  // Relationships between `from` and relations called `target` (both directions).
  virtual std::vector<Relationship> relationships(const Relation& from, const std::string& target) = 0;
  // The functions called `name` (all overloads).
  virtual std::vector<Function> functions(const std::string& name) = 0;
  // An identifier quoted for SQL. By default always in double quotes (inner ones doubled),
  // which is valid for every name; the PostgreSQL catalog uses quote_identifier, which leaves
  // out the quotes where they are not needed.
  virtual std::string quote_identifier(std::string_view name) const {
    std::string out = "\"";
    for (char c : name) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }
};

struct Rendered {
  std::string sql;
  std::vector<std::optional<std::string>> params;  // $1.. as text; nullopt = NULL
  // count=planned/estimated: "SELECT 1 FROM ... WHERE ..." with the same parameters, for the
  // caller to EXPLAIN; "" when not wanted.
  std::string count_sql;
  std::int64_t offset = 0;      // the first row of the page (Content-Range)
  std::int64_t limit = 0;       // the page size asked for after the cap
  bool single = false;          // Accept: object — the caller checks page == 1
  bool capped = false;          // the page was cut by Limits::max_rows
  std::vector<std::string> pk;  // POST: the primary key columns (Location)
  std::string relation_name;    // the table (Location)
};

struct Request {
  Method method = Method::Get;
  Query query;
  Preferences prefer;
  Accept accept = Accept::Json;
  std::optional<Range> range;
  std::optional<std::string> body;  // POST/PATCH: the JSON text; rpc POST: the arguments object
};

// /api/<table>. Throws QueryError: 42P01 "unknown table", 42703 "unknown column",
// 22023 "invalid filter" / "invalid query" / "invalid body" / "no columns" / "filter required"
// / "unknown relationship" / "ambiguous relationship".
Rendered render_table(const std::string& table, const Request& request, Catalog& catalog, const Limits& limits);

// /api/rpc/<function>. GET: the query's arguments are the function's named inputs (the others
// are filters); POST: the body object. Throws QueryError: 42883 "unknown function",
// 22023 "arguments do not match" / "ambiguous function" and the errors above.
Rendered render_rpc(const std::string& function, const Request& request, Catalog& catalog, const Limits& limits);

}  // namespace tg::core::postgrest
