// The PostgREST request language, parsed (no PostgreSQL headers). One HTTP request to /api/...
// becomes a Request: the query string (select, filters, or/and trees, order, limit, offset,
// columns, on_conflict) and the headers that change the answer (Prefer, Range, Accept).
// Only the syntax is checked here; whether a name exists is the catalog's answer (render.hpp).
//
//   select=a,alias:b,c::text,*,rel(x,y),alias:rel!hint(*),rel!inner(*),...rel(a,b),j->a->>b
//   col=[not.]op.value          op: eq neq gt gte lt lte like ilike match imatch isdistinct
//                                   cs cd ov sl sr nxr nxl adj
//   col=[not.]op(any|all).{v1,v2}   op: eq neq gt gte lt lte like ilike match imatch
//   col->key->>key=...   (a JSON path wherever a column is named: select, filters, order)
//   rel.col=op.value  rel.order=...  rel.limit=N  rel.offset=N  rel.or=(...)  rel.and=(...)
//                     (on the embedded resource named or aliased rel; rel.sub.col for deeper)
//   col=[not.]in.(v1,"v,2")     col=[not.]is.null|not_null|true|false|unknown
//   col=[not.]fts|plfts|phfts|wfts[(config)].query
//   or=(a.eq.1,and(b.gt.2,not.c.is.null))   and=(...)   not.or=(...)   not.and=(...)
//   order=a.desc.nullslast,b,rel(c).desc   limit=N   offset=N   columns=a,b   on_conflict=a,b
//
// Errors are QueryError: a SQLSTATE and a short fixed message that never echoes input
// ("invalid filter", "invalid query", "unknown operator" ...).
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tg::core::postgrest {

class QueryError : public std::exception {
 public:
  // sqlstate: five characters; message: a fixed phrase; code: PostgREST's PGRSTnnn (or "").
  QueryError(const char* sqlstate, const char* message, const char* code = "") noexcept
      : sqlstate_(sqlstate), message_(message), code_(code) {}
  const char* sqlstate() const noexcept { return sqlstate_; }
  const char* what() const noexcept override { return message_; }
  const char* code() const noexcept { return code_; }
  // A hint built from the catalog (never from the request): PGRST201 lists the candidate
  // relationships. "" when none.
  QueryError& with_hint(std::string hint) {
    hint_ = std::make_shared<const std::string>(std::move(hint));
    return *this;
  }
  const char* hint() const noexcept { return hint_ ? hint_->c_str() : ""; }

 private:
  const char* sqlstate_;
  const char* message_;
  const char* code_;
  std::shared_ptr<const std::string> hint_;  // shared: copying the exception does not throw
};

// The errors the parser raises (22023 = invalid_parameter_value: the server answers 400).
[[noreturn]] void invalid_query();     // 22023 "invalid query"    PGRST100
[[noreturn]] void invalid_filter();    // 22023 "invalid filter"   PGRST100
[[noreturn]] void unknown_operator();  // 22023 "unknown operator" PGRST100

enum class Op {
  Eq,
  Neq,
  Gt,
  Gte,
  Lt,
  Lte,
  Like,
  Ilike,
  Match,
  Imatch,
  In,
  Is,
  IsDistinct,
  Cs,
  Cd,
  Ov,
  Sl,
  Sr,
  Nxr,
  Nxl,
  Adj,
  Fts,
  Plfts,
  Phfts,
  Wfts,
};

// The name of an operator as written in a request ("eq"), and the reverse.
std::string_view op_name(Op op) noexcept;
std::optional<Op> op_from_name(std::string_view name) noexcept;

enum class IsValue { Null, NotNull, True, False, Unknown };

// One step of a JSON path: ->key (json) or ->>key (text). A key of digits (with an optional
// leading '-') is an array index, as in PostgREST.
struct JsonStep {
  std::string key;
  bool as_text = false;
};

// any/all modifier of a comparison or pattern operator: eq(any).{a,b}.
enum class Quantifier { None, Any, All };

struct Filter {
  std::string column;
  std::vector<JsonStep> json;  // col->a->>b: the path after the column
  bool negate = false;
  Op op = Op::Eq;
  Quantifier quantifier = Quantifier::None;  // value: a PostgreSQL array literal
  std::string value;                         // every operator but in and is
  std::vector<std::string> values;           // in
  IsValue is = IsValue::Null;                // is
  std::optional<std::string> fts_config;
};

// A condition: a filter, or an and/or of conditions.
struct Condition {
  enum class Kind { Filter, And, Or } kind = Kind::Filter;
  bool negate = false;  // for And/Or (a Filter carries its own)
  Filter filter;
  std::vector<Condition> children;
};

struct SelectItem {
  // Spread: ...rel(cols) — a many-to-one embed whose columns are lifted into the row.
  enum class Kind { Star, Column, Embed, Spread } kind = Kind::Column;
  std::string alias;                 // "" = none
  std::string name;                  // column or embedded relation
  std::vector<JsonStep> json;        // Column: a JSON path after the column
  std::string cast;                  // Column: "" or a type name as written (checked against a fixed list)
  std::string hint;                  // Embed/Spread: "" or the constraint/column after '!'
  bool inner = false;                // Embed/Spread: !inner (parent rows without a match are left out)
  std::vector<SelectItem> children;  // Embed/Spread
};

struct OrderItem {
  std::string relation;  // order=rel(col) / rel!hint(col): a many-to-one relation's column, else ""
  std::string hint;
  std::string column;
  std::vector<JsonStep> json;
  bool desc = false;
  enum class Nulls { Default, First, Last } nulls = Nulls::Default;
};

enum class Method { Get, Head, Post, Patch, Delete };

enum class Return { Default, Minimal, HeadersOnly, Representation };
enum class Count { None, Exact, Planned, Estimated };
enum class Resolution { None, MergeDuplicates, IgnoreDuplicates };
enum class Accept { Json, Object, Csv };

struct Preferences {
  Return ret = Return::Default;
  bool single_object = false;  // params=single-object: the rpc body is the one json argument
  Count count = Count::None;
  Resolution resolution = Resolution::None;
  bool missing_default = false;
  // What Preference-Applied lists, in PostgREST's words ("return=representation", ...).
  std::vector<std::string> applied;
};

struct Limits {
  std::int64_t max_rows = 1000;   // the page cap (--max-rows)
  std::size_t max_filters = 64;   // filters and order items, each
  std::size_t max_values = 1000;  // values in total (in-lists count each item)
  std::size_t max_depth = 8;      // nesting of or/and trees and of embedded resources
};

// Filters, order and paging of one embedded resource: rel.col=eq.1, rel.order=..., rel.limit=N.
struct EmbedOptions {
  std::string path;  // the embed's alias or name; "a.b" for b embedded in a
  std::vector<Condition> where;
  std::vector<OrderItem> order;
  std::optional<std::int64_t> limit;
  std::int64_t offset = 0;
};

struct Query {
  std::vector<SelectItem> select;  // empty = "*"
  bool select_given = false;
  std::vector<Condition> where;  // and-ed
  std::vector<OrderItem> order;
  std::optional<std::int64_t> limit;
  std::int64_t offset = 0;
  std::optional<std::vector<std::string>> columns;
  std::optional<std::vector<std::string>> on_conflict;
  std::vector<EmbedOptions> embedded;  // by path, in order of first appearance
  // Query parameters that are not part of the language: rpc GET arguments (name, value).
  std::vector<std::pair<std::string, std::string>> arguments;
};

// The query string of a raw request target or the string after '?' (no leading '?'): split on
// '&' and the FIRST '=' and percent-decoded ('+' is a space). Throws QueryError on a bad escape.
std::vector<std::pair<std::string, std::string>> split_query_string(std::string_view query);

// Parses the query parameters. rpc: keys that are not part of the language (select, order,
// limit, offset, columns, on_conflict, or, and) are collected unparsed in Query::arguments
// (GET /rpc/fn?arg=value; the renderer reads those that are not arguments with add_filter);
// for tables every other key is a filter.
Query parse_query(const std::vector<std::pair<std::string, std::string>>& params, const Limits& limits,
                  bool rpc = false);

// A filter parameter (key=[not.]op.value) added to q.where (rpc: a query parameter that is not
// an argument of the function).
void add_filter(Query& q, const std::string& key, const std::string& value, const Limits& limits);

// The Prefer header(s) (comma-separated tokens; unknown ones ignored, as PostgREST's lenient
// handling does).
Preferences parse_prefer(std::string_view prefer);

// Range: "0-9" or "5-" (items). nullopt when absent or not an items range (ignored, as
// PostgREST does for other units). Throws 416-like QueryError ("invalid range") for an empty
// range (last < first).
struct Range {
  std::int64_t first = 0;
  std::optional<std::int64_t> last;
};
std::optional<Range> parse_range(std::string_view range, std::string_view range_unit);

// Accept: "" or */* or application/json → Json; application/vnd.pgrst.object(+json) → Object;
// text/csv → Csv; a list picks its first supported entry; nothing supported → QueryError 406
// ("not acceptable", PGRST107).
Accept parse_accept(std::string_view accept);

// Valid UTF-8 without NUL and C0/DEL control characters.
bool is_clean_text(std::string_view s) noexcept;

}  // namespace tg::core::postgrest
