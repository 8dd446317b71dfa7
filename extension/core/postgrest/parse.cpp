#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ascii.hpp"
#include "core/postgrest/request.hpp"
#include "core/utf8.hpp"

namespace tg::core::postgrest {

void invalid_query() { throw QueryError("22023", "invalid query", "PGRST100"); }
void invalid_filter() { throw QueryError("22023", "invalid filter", "PGRST100"); }
void unknown_operator() { throw QueryError("22023", "unknown operator", "PGRST100"); }

namespace {

struct OpName {
  Op op;
  const char* name;
};
constexpr OpName kOps[] = {
    {Op::Eq, "eq"},
    {Op::Neq, "neq"},
    {Op::Gt, "gt"},
    {Op::Gte, "gte"},
    {Op::Lt, "lt"},
    {Op::Lte, "lte"},
    {Op::Like, "like"},
    {Op::Ilike, "ilike"},
    {Op::Match, "match"},
    {Op::Imatch, "imatch"},
    {Op::In, "in"},
    {Op::Is, "is"},
    {Op::IsDistinct, "isdistinct"},
    {Op::Cs, "cs"},
    {Op::Cd, "cd"},
    {Op::Ov, "ov"},
    {Op::Sl, "sl"},
    {Op::Sr, "sr"},
    {Op::Nxr, "nxr"},
    {Op::Nxl, "nxl"},
    {Op::Adj, "adj"},
    {Op::Fts, "fts"},
    {Op::Plfts, "plfts"},
    {Op::Phfts, "phfts"},
    {Op::Wfts, "wfts"},
};

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) invalid_query();
      int hi = hex_digit_value(s[i + 1]), lo = hex_digit_value(s[i + 2]);
      if (hi < 0 || lo < 0) invalid_query();
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::int64_t parse_count(std::string_view v, std::int64_t max) {
  if (v.empty() || v.size() > 18) invalid_query();
  std::int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') invalid_query();
    n = n * 10 + (c - '0');
  }
  if (n > max) invalid_query();
  return n;
}

// A name in a select, order, filter key, columns or on_conflict list: 1..63 bytes, clean, and
// none of the characters the grammar uses.
bool is_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 63 || !is_clean_text(s)) return false;
  for (char c : s)
    if (c == ',' || c == '.' || c == ':' || c == '(' || c == ')' || c == '"' || c == '!' || c == '\\') return false;
  return true;
}

// "col", "col->a->>b", "col->0": the column and its JSON path (keys: names, never SQL).
void split_field(std::string_view s, std::string& column, std::vector<JsonStep>& json, void (*fail)()) {
  auto arrow = s.find("->");
  column = std::string(s.substr(0, arrow));
  if (!is_name(column)) fail();
  json.clear();
  while (arrow != std::string_view::npos) {
    s.remove_prefix(arrow + 2);
    JsonStep step;
    if (!s.empty() && s.front() == '>') {
      step.as_text = true;
      s.remove_prefix(1);
    }
    arrow = s.find("->");
    step.key = std::string(s.substr(0, arrow));
    if (!is_name(step.key)) fail();
    json.push_back(std::move(step));
    if (json.size() > 16) fail();
  }
}

// Splits at top-level commas (outside parentheses and double quotes). Unbalanced → error.
std::vector<std::string_view> split_top(std::string_view s, void (*fail)()) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '(') ++depth;
    else if (c == ')') {
      if (--depth < 0) fail();
    } else if (c == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quoted || depth != 0) fail();
  out.push_back(s.substr(start));
  return out;
}

// a,b or "a","b" (postgrest-js quotes the names of columns=).
std::vector<std::string> name_list(std::string_view v) {
  std::vector<std::string> out;
  for (auto part : split_top(v, invalid_query)) {
    if (part.size() >= 2 && part.front() == '"' && part.back() == '"') part = part.substr(1, part.size() - 2);
    if (!is_name(part)) invalid_query();
    out.emplace_back(part);
  }
  return out;
}

// in.(a,"b,c","d\"e"): items; double quotes allow commas and parentheses, backslash escapes.
std::vector<std::string> parse_in_list(std::string_view v) {
  if (v.size() < 2 || v.front() != '(' || v.back() != ')') invalid_filter();
  std::string_view body = v.substr(1, v.size() - 2);
  std::vector<std::string> items;
  if (body.empty()) return items;
  std::size_t i = 0;
  for (;;) {
    std::string item;
    while (i < body.size() && body[i] == ' ') ++i;
    if (i < body.size() && body[i] == '"') {
      ++i;
      bool closed = false;
      while (i < body.size()) {
        char c = body[i++];
        if (c == '\\' && i < body.size()) {
          item.push_back(body[i++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          item.push_back(c);
        }
      }
      while (i < body.size() && body[i] == ' ') ++i;
      if (!closed || (i < body.size() && body[i] != ',')) invalid_filter();
    } else {
      while (i < body.size() && body[i] != ',') {
        if (body[i] == '"' || body[i] == '(' || body[i] == ')') invalid_filter();
        item.push_back(body[i++]);
      }
    }
    items.push_back(std::move(item));
    if (i >= body.size()) break;
    ++i;  // the comma
    if (i >= body.size()) invalid_filter();
  }
  return items;
}

// A value inside an or/and tree: "quoted" (backslash escapes) or as written.
std::string tree_value(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size()) ++i;
      else if (v[i] == '"') invalid_filter();
      out.push_back(v[i]);
    }
    return out;
  }
  return std::string(v);
}

struct Counter {
  const Limits& limits;
  std::size_t filters = 0;
  std::size_t values = 0;
  void add(std::size_t f, std::size_t v) {
    filters += f;
    values += v;
    if (filters > limits.max_filters || values > limits.max_values) invalid_query();
  }
};

// "[not.]op.value" (or "[not.]fts(config).value") for `column`. in_tree: values may be quoted.
Filter parse_filter(std::string_view field, std::string_view rest, bool in_tree, Counter& counter) {
  Filter f;
  split_field(field, f.column, f.json, invalid_filter);
  if (rest.substr(0, 4) == "not.") {
    f.negate = true;
    rest.remove_prefix(4);
  }
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) invalid_filter();
  std::string_view opname = rest.substr(0, dot);
  std::string_view arg = rest.substr(dot + 1);
  // fts(config), or the any/all modifier: eq(any)
  auto paren = opname.find('(');
  std::string_view modifier;
  if (paren != std::string_view::npos) {
    if (opname.back() != ')') invalid_filter();
    modifier = opname.substr(paren + 1, opname.size() - paren - 2);
    opname = opname.substr(0, paren);
    if (!is_name(modifier)) invalid_filter();
  }
  auto op = op_from_name(opname);
  if (!op) unknown_operator();
  f.op = *op;
  const bool fts = f.op == Op::Fts || f.op == Op::Plfts || f.op == Op::Phfts || f.op == Op::Wfts;
  if (fts && !modifier.empty()) {
    f.fts_config = std::string(modifier);
  } else if (modifier == "any" || modifier == "all") {
    switch (f.op) {
      case Op::Eq:
      case Op::Neq:
      case Op::Gt:
      case Op::Gte:
      case Op::Lt:
      case Op::Lte:
      case Op::Like:
      case Op::Ilike:
      case Op::Match:
      case Op::Imatch: break;
      default: invalid_filter();
    }
    f.quantifier = modifier == "any" ? Quantifier::Any : Quantifier::All;
    // {a,b}: a PostgreSQL array literal, passed as one parameter (its input function parses it).
    if (arg.size() < 2 || arg.front() != '{' || arg.back() != '}') invalid_filter();
  } else if (!modifier.empty()) {
    invalid_filter();
  }
  if (f.op == Op::In) {
    f.values = parse_in_list(arg);
    counter.add(1, f.values.size());
  } else if (f.op == Op::Is) {
    std::string v = ascii_lower(arg);
    if (v == "null") f.is = IsValue::Null;
    else if (v == "not_null") f.is = IsValue::NotNull;
    else if (v == "true") f.is = IsValue::True;
    else if (v == "false") f.is = IsValue::False;
    else if (v == "unknown") f.is = IsValue::Unknown;
    else invalid_filter();
    counter.add(1, 0);
  } else {
    f.value = in_tree ? tree_value(arg) : std::string(arg);
    counter.add(1, 1);
  }
  return f;
}

Condition parse_tree(bool is_or, bool negate, std::string_view inside, std::size_t depth, const Limits& limits,
                     Counter& counter);

// One element of an or/and list: "col.[not.]op.value", "[not.]or(...)", "[not.]and(...)".
Condition parse_tree_item(std::string_view item, std::size_t depth, const Limits& limits, Counter& counter) {
  bool negate = false;
  std::string_view rest = item;
  if (rest.substr(0, 4) == "not.") {
    negate = true;
    rest.remove_prefix(4);
  }
  for (const char* kw : {"or(", "and("}) {
    std::string_view k(kw);
    if (rest.substr(0, k.size()) == k) {
      if (rest.back() != ')') invalid_filter();
      return parse_tree(k.size() == 3, negate, rest.substr(k.size(), rest.size() - k.size() - 1), depth + 1, limits,
                        counter);
    }
  }
  // col.rest (the "not." read above belongs to the filter then: "not.col.eq.1" is not valid)
  if (negate) invalid_filter();
  auto dot = item.find('.');
  if (dot == std::string_view::npos) invalid_filter();
  Condition c;
  c.kind = Condition::Kind::Filter;
  c.filter = parse_filter(item.substr(0, dot), item.substr(dot + 1), true, counter);
  return c;
}

Condition parse_tree(bool is_or, bool negate, std::string_view inside, std::size_t depth, const Limits& limits,
                     Counter& counter) {
  if (depth > limits.max_depth) invalid_query();
  Condition c;
  c.kind = is_or ? Condition::Kind::Or : Condition::Kind::And;
  c.negate = negate;
  if (inside.empty()) invalid_filter();
  for (auto part : split_top(inside, invalid_filter)) {
    if (part.empty()) invalid_filter();
    c.children.push_back(parse_tree_item(part, depth, limits, counter));
  }
  return c;
}

const char* const kCasts[] = {"text",        "varchar",  "char",   "int",     "int2",   "int4",   "int8",
                              "integer",     "smallint", "bigint", "numeric", "float4", "float8", "real",
                              "bool",        "boolean",  "json",   "jsonb",   "date",   "time",   "timestamp",
                              "timestamptz", "interval", "uuid",   "money"};

SelectItem parse_select_item(std::string_view s, std::size_t depth, const Limits& limits, std::size_t& count);

std::vector<SelectItem> parse_select_list(std::string_view s, std::size_t depth, const Limits& limits,
                                          std::size_t& count) {
  if (depth > limits.max_depth) invalid_query();
  std::vector<SelectItem> out;
  for (auto part : split_top(s, invalid_query)) {
    out.push_back(parse_select_item(part, depth, limits, count));
    if (++count > limits.max_filters) invalid_query();
  }
  return out;
}

SelectItem parse_select_item(std::string_view s, std::size_t depth, const Limits& limits, std::size_t& count) {
  SelectItem item;
  if (s == "*") {
    item.kind = SelectItem::Kind::Star;
    return item;
  }
  // alias: (a single ':' not followed by ':')
  auto colon = s.find(':');
  auto paren = s.find('(');
  if (colon != std::string_view::npos && (paren == std::string_view::npos || colon < paren) &&
      !(colon + 1 < s.size() && s[colon + 1] == ':')) {
    item.alias = std::string(s.substr(0, colon));
    if (!is_name(item.alias)) invalid_query();
    s.remove_prefix(colon + 1);
    paren = s.find('(');
  }
  const bool spread = s.substr(0, 3) == "...";
  if (spread) {
    if (!item.alias.empty() || paren == std::string_view::npos) invalid_query();
    s.remove_prefix(3);
    paren -= 3;
  }
  if (paren != std::string_view::npos) {
    if (s.back() != ')') invalid_query();
    std::string_view head = s.substr(0, paren);
    std::string_view inner = s.substr(paren + 1, s.size() - paren - 2);
    item.kind = spread ? SelectItem::Kind::Spread : SelectItem::Kind::Embed;
    // rel!hint, rel!inner, rel!left, rel!hint!inner
    auto bang = head.find('!');
    std::string_view marks = bang == std::string_view::npos ? std::string_view() : head.substr(bang + 1);
    if (bang != std::string_view::npos) head = head.substr(0, bang);
    while (bang != std::string_view::npos) {
      bang = marks.find('!');
      std::string_view mark = marks.substr(0, bang);
      if (bang != std::string_view::npos) marks.remove_prefix(bang + 1);
      if (mark == "inner" || mark == "left") {
        item.inner = mark == "inner";
      } else {
        if (!item.hint.empty() || !is_name(mark)) invalid_query();
        item.hint = std::string(mark);
      }
    }
    if (!is_name(head)) invalid_query();
    item.name = std::string(head);
    if (inner.empty()) {
      SelectItem star;
      star.kind = SelectItem::Kind::Star;
      item.children.push_back(star);
    } else {
      item.children = parse_select_list(inner, depth + 1, limits, count);
    }
    return item;
  }
  auto cast = s.find("::");
  if (cast != std::string_view::npos) {
    std::string type = ascii_lower(s.substr(cast + 2));
    bool known = false;
    for (const char* k : kCasts) known = known || type == k;
    if (!known) invalid_query();
    item.cast = type;
    s = s.substr(0, cast);
  }
  item.kind = SelectItem::Kind::Column;
  split_field(s, item.name, item.json, invalid_query);
  return item;
}

std::vector<OrderItem> parse_order(std::string_view v, const Limits& limits) {
  std::vector<OrderItem> out;
  for (auto item : split_top(v, invalid_query)) {
    std::vector<std::string_view> segs;
    std::size_t s = 0;
    for (;;) {
      auto dot = item.find('.', s);
      segs.push_back(item.substr(s, dot == std::string_view::npos ? std::string_view::npos : dot - s));
      if (dot == std::string_view::npos) break;
      s = dot + 1;
    }
    if (segs.size() > 3) invalid_query();
    OrderItem o;
    std::string_view head = segs[0];
    auto paren = head.find('(');
    if (paren != std::string_view::npos) {  // rel(col) or rel!hint(col)
      if (head.back() != ')') invalid_query();
      std::string_view name = head.substr(0, paren);
      auto bang = name.find('!');
      if (bang != std::string_view::npos) {
        o.hint = std::string(name.substr(bang + 1));
        name = name.substr(0, bang);
        if (!is_name(o.hint)) invalid_query();
      }
      if (!is_name(name)) invalid_query();
      o.relation = std::string(name);
      head = head.substr(paren + 1, head.size() - paren - 2);
    }
    split_field(head, o.column, o.json, invalid_query);
    bool nulls_seen = false;
    for (std::size_t k = 1; k < segs.size(); ++k) {
      if ((segs[k] == "asc" || segs[k] == "desc") && k == 1) {
        o.desc = segs[k] == "desc";
      } else if ((segs[k] == "nullsfirst" || segs[k] == "nullslast") && !nulls_seen) {
        o.nulls = segs[k] == "nullsfirst" ? OrderItem::Nulls::First : OrderItem::Nulls::Last;
        nulls_seen = true;
      } else {
        invalid_query();
      }
    }
    out.push_back(std::move(o));
    if (out.size() > limits.max_filters) invalid_query();
  }
  return out;
}

}  // namespace

std::string_view op_name(Op op) noexcept {
  for (const auto& o : kOps)
    if (o.op == op) return o.name;
  return "";
}

std::optional<Op> op_from_name(std::string_view name) noexcept {
  for (const auto& o : kOps)
    if (name == o.name) return o.op;
  return std::nullopt;
}

bool is_clean_text(std::string_view s) noexcept {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return valid_utf8(s);
}

std::vector<std::pair<std::string, std::string>> split_query_string(std::string_view qs) {
  std::vector<std::pair<std::string, std::string>> out;
  auto q = qs.find('?');
  if (q != std::string_view::npos) qs.remove_prefix(q + 1);
  auto hash = qs.find('#');
  if (hash != std::string_view::npos) qs = qs.substr(0, hash);
  std::size_t start = 0;
  while (start <= qs.size()) {
    auto amp = qs.find('&', start);
    if (amp == std::string_view::npos) amp = qs.size();
    std::string_view pair = qs.substr(start, amp - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
      out.emplace_back(std::move(key), std::move(value));
    }
    start = amp + 1;
  }
  return out;
}

namespace {

EmbedOptions& embed_options(Query& q, const std::string& path) {
  for (auto& e : q.embedded)
    if (e.path == path) return e;
  q.embedded.push_back(EmbedOptions{path, {}, {}, std::nullopt, 0});
  return q.embedded.back();
}

// "rel.col", "rel.sub.order", "rel.not.or": a key for an embedded resource. Returns false for
// any other key; the path's names are checked.
bool embedded_key(const std::string& key, std::string& path, std::string& rest) {
  auto dot = key.rfind('.');
  if (dot == std::string::npos || key == "not.or" || key == "not.and") return false;
  path = key.substr(0, dot);
  rest = key.substr(dot + 1);
  if ((rest == "or" || rest == "and") && path.size() > 4 && path.compare(path.size() - 4, 4, ".not") == 0) {
    path.resize(path.size() - 4);
    rest = "not." + rest;
  }
  std::size_t start = 0;
  for (;;) {
    auto d = path.find('.', start);
    if (!is_name(std::string_view(path).substr(start, d == std::string::npos ? std::string::npos : d - start)))
      invalid_query();
    if (d == std::string::npos) break;
    start = d + 1;
  }
  return true;
}

// A logic tree parameter's value: "(...)".
Condition tree_parameter(const std::string& key, const std::string& value, const Limits& limits, Counter& counter) {
  bool negate = key.rfind("not.", 0) == 0;
  bool is_or = key == "or" || key == "not.or";
  if (value.size() < 2 || value.front() != '(' || value.back() != ')') invalid_filter();
  return parse_tree(is_or, negate, std::string_view(value).substr(1, value.size() - 2), 1, limits, counter);
}

}  // namespace

Query parse_query(const std::vector<std::pair<std::string, std::string>>& params, const Limits& limits, bool rpc) {
  Query q;
  std::set<std::string> seen;
  Counter counter{limits};
  for (const auto& [key, value] : params) {
    if (!is_clean_text(key) || !is_clean_text(value)) invalid_query();
    std::string path, rest;
    if (embedded_key(key, path, rest)) {
      if (rest == "order" || rest == "limit" || rest == "offset") {
        if (!seen.insert(key).second) invalid_query();
      }
      if (q.embedded.size() >= limits.max_filters &&
          std::none_of(q.embedded.begin(), q.embedded.end(), [&](const auto& e) { return e.path == path; }))
        invalid_query();
      EmbedOptions& e = embed_options(q, path);
      if (rest == "order") {
        e.order = parse_order(value, limits);
      } else if (rest == "limit") {
        e.limit = parse_count(value, 1000000000000LL);
      } else if (rest == "offset") {
        e.offset = parse_count(value, 1000000000000000LL);
      } else if (rest == "or" || rest == "and" || rest == "not.or" || rest == "not.and") {
        e.where.push_back(tree_parameter(rest, value, limits, counter));
      } else {
        Condition c;
        c.filter = parse_filter(rest, value, false, counter);
        e.where.push_back(std::move(c));
      }
      continue;
    }
    if (key == "select" || key == "order" || key == "limit" || key == "offset" || key == "columns" ||
        key == "on_conflict") {
      if (!seen.insert(key).second) invalid_query();
    }
    if (key == "select") {
      q.select_given = true;
      std::size_t count = 0;
      q.select = parse_select_list(value, 0, limits, count);
    } else if (key == "order") {
      q.order = parse_order(value, limits);
    } else if (key == "limit") {
      q.limit = parse_count(value, 1000000000000LL);
    } else if (key == "offset") {
      q.offset = parse_count(value, 1000000000000000LL);
    } else if (key == "columns") {
      q.columns = name_list(value);
    } else if (key == "on_conflict") {
      q.on_conflict = name_list(value);
    } else if (key == "or" || key == "and" || key == "not.or" || key == "not.and") {
      q.where.push_back(tree_parameter(key, value, limits, counter));
    } else if (rpc) {
      // GET /rpc/fn?arg=value: whether a key is an argument or a filter depends on the
      // function's parameters (render decides, add_filter parses the filters).
      if (!is_name(key)) invalid_query();
      q.arguments.emplace_back(key, value);
      counter.add(0, 1);
    } else {
      Condition c;
      c.filter = parse_filter(key, value, false, counter);
      q.where.push_back(std::move(c));
    }
  }
  return q;
}

void add_filter(Query& q, const std::string& key, const std::string& value, const Limits& limits) {
  Counter counter{limits};
  Condition c;
  c.filter = parse_filter(key, value, false, counter);
  q.where.push_back(std::move(c));
  if (q.where.size() > limits.max_filters) invalid_query();
}

Preferences parse_prefer(std::string_view prefer) {
  Preferences p;
  std::size_t start = 0;
  while (start <= prefer.size()) {
    auto comma = prefer.find(',', start);
    if (comma == std::string_view::npos) comma = prefer.size();
    std::string_view tok = prefer.substr(start, comma - start);
    while (!tok.empty() && (tok.front() == ' ' || tok.front() == '\t')) tok.remove_prefix(1);
    while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) tok.remove_suffix(1);
    auto set = [&](auto& field, auto value) {
      field = value;
      p.applied.emplace_back(tok);
    };
    if (tok == "return=minimal") set(p.ret, Return::Minimal);
    else if (tok == "return=headers-only") set(p.ret, Return::HeadersOnly);
    else if (tok == "return=representation") set(p.ret, Return::Representation);
    else if (tok == "count=exact") set(p.count, Count::Exact);
    else if (tok == "count=planned") set(p.count, Count::Planned);
    else if (tok == "count=estimated") set(p.count, Count::Estimated);
    else if (tok == "resolution=merge-duplicates") set(p.resolution, Resolution::MergeDuplicates);
    else if (tok == "resolution=ignore-duplicates") set(p.resolution, Resolution::IgnoreDuplicates);
    else if (tok == "missing=default") set(p.missing_default, true);
    else if (tok == "params=single-object") set(p.single_object, true);
    start = comma + 1;
  }
  return p;
}

std::optional<Range> parse_range(std::string_view range, std::string_view range_unit) {
  if (range.empty()) return std::nullopt;
  if (!range_unit.empty() && !equals_ignoring_ascii_case(range_unit, "items")) return std::nullopt;
  if (range.substr(0, 6) == "items=") range.remove_prefix(6);
  auto dash = range.find('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  for (std::size_t i = 0; i < range.size(); ++i)
    if (i != dash && (range[i] < '0' || range[i] > '9')) return std::nullopt;
  Range r;
  std::string_view a = range.substr(0, dash), b = range.substr(dash + 1);
  if (a.size() > 15 || b.size() > 15) return std::nullopt;
  for (char c : a) r.first = r.first * 10 + (c - '0');
  if (!b.empty()) {
    std::int64_t last = 0;
    for (char c : b) last = last * 10 + (c - '0');
    if (last < r.first) throw QueryError("22023", "invalid range", "PGRST103");
    r.last = last;
  }
  return r;
}

Accept parse_accept(std::string_view accept) {
  if (accept.empty()) return Accept::Json;
  std::size_t start = 0;
  while (start <= accept.size()) {
    auto comma = accept.find(',', start);
    if (comma == std::string_view::npos) comma = accept.size();
    std::string_view tok = accept.substr(start, comma - start);
    auto semi = tok.find(';');
    if (semi != std::string_view::npos) tok = tok.substr(0, semi);
    while (!tok.empty() && tok.front() == ' ') tok.remove_prefix(1);
    while (!tok.empty() && tok.back() == ' ') tok.remove_suffix(1);
    std::string t = ascii_lower(tok);
    if (t == "*/*" || t == "application/*" || t == "application/json") return Accept::Json;
    if (t == "application/vnd.pgrst.object+json" || t == "application/vnd.pgrst.object") return Accept::Object;
    if (t == "text/csv" || t == "text/*") return Accept::Csv;
    start = comma + 1;
  }
  throw QueryError("22023", "not acceptable", "PGRST107");
}

}  // namespace tg::core::postgrest
