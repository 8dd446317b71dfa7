#include "core/postgrest/render.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace tg::core::postgrest {
namespace {

[[noreturn]] void unknown_table() { throw QueryError("42P01", "unknown table", "PGRST205"); }
[[noreturn]] void unknown_column() { throw QueryError("42703", "unknown column", "PGRST204"); }
[[noreturn]] void invalid_body() { throw QueryError("22023", "invalid body", "PGRST102"); }

class Params {
 public:
  std::string add(std::optional<std::string> value) {
    values.push_back(std::move(value));
    return "$" + std::to_string(values.size());
  }
  std::vector<std::optional<std::string>> values;
};

std::string pg_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// What a select list adds to the FROM and WHERE of its level: spreads are LEFT JOIN LATERAL
// subqueries, !inner embeds are EXISTS conditions.
struct Level {
  std::string joins;
  std::vector<std::string> conds;
  std::string where_tail() const {
    std::string out;
    for (const auto& c : conds) out += " AND " + c;
    return out;
  }
};

struct Expr {
  std::string sql;
  std::string type;
};

bool is_index(const std::string& key) {
  std::size_t i = key[0] == '-' ? 1 : 0;
  if (i >= key.size() || key.size() > 9) return false;
  for (; i < key.size(); ++i)
    if (key[i] < '0' || key[i] > '9') return false;
  return true;
}

class Renderer {
 public:
  Renderer(Catalog& catalog, const Limits& limits, const Query* query = nullptr)
      : cat_(catalog), limits_(limits), query_(query) {}

  Params params;

  // The options of the embedded resource at `path`, marked used.
  const EmbedOptions* options(const std::string& path) {
    if (query_ == nullptr) return nullptr;
    for (std::size_t i = 0; i < query_->embedded.size(); ++i) {
      if (query_->embedded[i].path == path) {
        used_.insert(i);
        return &query_->embedded[i];
      }
    }
    return nullptr;
  }

  // rel.col=... for a resource the select does not embed: PostgREST's PGRST108.
  void check_options_used() const {
    if (query_ != nullptr && used_.size() != query_->embedded.size())
      throw QueryError("22023", "not an embedded resource", "PGRST108");
  }

  std::string q(std::string_view name) const { return cat_.quote_identifier(name); }

  const Column& column(const Relation& rel, const std::string& name) const {
    const Column* c = rel.column(name);
    if (c == nullptr) unknown_column();
    return *c;
  }

  std::string col_ref(const std::string& alias, const Column& c) const { return alias + "." + q(c.name); }

  // A column, or a JSON path into a json/jsonb column: every key a parameter (an index cast to
  // int4), the arrows PostgreSQL's own operators.
  Expr field(const Relation& rel, const std::string& alias, const std::string& name,
             const std::vector<JsonStep>& json) {
    const Column& c = column(rel, name);
    Expr e{col_ref(alias, c), c.type};
    if (json.empty()) return e;
    if (c.type != "pg_catalog.json" && c.type != "pg_catalog.jsonb") invalid_query();
    for (const auto& step : json) {
      std::string key = params.add(step.key);
      if (is_index(step.key)) key = "CAST(" + key + " AS pg_catalog.int4)";
      e.sql = "(" + e.sql + (step.as_text ? " OPERATOR(pg_catalog.->>) " : " OPERATOR(pg_catalog.->) ") + key + ")";
      e.type = step.as_text ? "pg_catalog.text" : c.type;
    }
    return e;
  }

  std::string typed(const std::string& value, const std::string& type) {
    return "CAST(" + params.add(value) + " AS " + type + ")";
  }

  std::string filter(const Filter& f, const Relation& rel, const std::string& alias) {
    const Expr field_expr = field(rel, alias, f.column, f.json);
    const Column c{f.column, field_expr.type, std::nullopt};
    const std::string& ref = field_expr.sql;
    if (f.quantifier != Quantifier::None) return quantified(f, ref, c.type);
    std::string e;
    auto binary = [&](const char* op) { e = ref + " " + op + " " + typed(f.value, c.type); };
    switch (f.op) {
      case Op::Eq: binary("OPERATOR(pg_catalog.=)"); break;
      case Op::Neq: binary("OPERATOR(pg_catalog.<>)"); break;
      case Op::Gt: binary("OPERATOR(pg_catalog.>)"); break;
      case Op::Gte: binary("OPERATOR(pg_catalog.>=)"); break;
      case Op::Lt: binary("OPERATOR(pg_catalog.<)"); break;
      case Op::Lte: binary("OPERATOR(pg_catalog.<=)"); break;
      case Op::IsDistinct: e = ref + " IS DISTINCT FROM " + typed(f.value, c.type); break;
      case Op::Cs: binary("OPERATOR(pg_catalog.@>)"); break;
      case Op::Cd: binary("OPERATOR(pg_catalog.<@)"); break;
      case Op::Ov: binary("OPERATOR(pg_catalog.&&)"); break;
      case Op::Sl: binary("OPERATOR(pg_catalog.<<)"); break;
      case Op::Sr: binary("OPERATOR(pg_catalog.>>)"); break;
      case Op::Nxr: binary("OPERATOR(pg_catalog.&<)"); break;
      case Op::Nxl: binary("OPERATOR(pg_catalog.&>)"); break;
      case Op::Adj: binary("OPERATOR(pg_catalog.-|-)"); break;
      case Op::Like:
      case Op::Ilike: {
        std::string pattern = f.value;
        std::replace(pattern.begin(), pattern.end(), '*', '%');
        e = "CAST(" + ref + " AS pg_catalog.text) " +
            (f.op == Op::Like ? "OPERATOR(pg_catalog.~~)" : "OPERATOR(pg_catalog.~~*)") + " " + params.add(pattern);
        break;
      }
      case Op::Match:
      case Op::Imatch:
        e = "CAST(" + ref + " AS pg_catalog.text) " +
            (f.op == Op::Match ? "OPERATOR(pg_catalog.~)" : "OPERATOR(pg_catalog.~*)") + " " + params.add(f.value);
        break;
      case Op::In:
        // One parameter whatever the list's length: one plan for every in-list.
        e = ref + " OPERATOR(pg_catalog.=) ANY (CAST(" + params.add(pg_array_literal(f.values)) + " AS " + c.type +
            "[]))";
        break;
      case Op::Is: {
        const char* v = f.is == IsValue::Null      ? "NULL"
                        : f.is == IsValue::NotNull ? "NOT NULL"
                        : f.is == IsValue::True    ? "TRUE"
                        : f.is == IsValue::False   ? "FALSE"
                                                   : "UNKNOWN";
        e = ref + " IS " + v;
        break;
      }
      case Op::Fts:
      case Op::Plfts:
      case Op::Phfts:
      case Op::Wfts: {
        const char* fn = f.op == Op::Fts     ? "pg_catalog.to_tsquery"
                         : f.op == Op::Plfts ? "pg_catalog.plainto_tsquery"
                         : f.op == Op::Phfts ? "pg_catalog.phraseto_tsquery"
                                             : "pg_catalog.websearch_to_tsquery";
        // A tsvector column is matched as it is; any other column through to_tsvector, with the
        // same configuration when one is given (one parameter, used twice).
        std::string config = f.fts_config ? "CAST(" + params.add(*f.fts_config) + " AS pg_catalog.regconfig)" : "";
        std::string args = config.empty() ? "" : config + ", ";
        std::string vector = c.type == "pg_catalog.tsvector"
                                 ? ref
                                 : "pg_catalog.to_tsvector(" + args + "CAST(" + ref + " AS pg_catalog.text))";
        e = vector + " OPERATOR(pg_catalog.@@) " + fn + "(" + args + params.add(f.value) + ")";
        break;
      }
    }
    return f.negate ? "NOT (" + e + ")" : e;
  }

  // col op ANY|ALL (array): the list {a,b} is one parameter, read by the array type's input.
  std::string quantified(const Filter& f, const std::string& ref, const std::string& type) {
    const char* op = "";
    bool text = false;
    switch (f.op) {
      case Op::Eq: op = "OPERATOR(pg_catalog.=)"; break;
      case Op::Neq: op = "OPERATOR(pg_catalog.<>)"; break;
      case Op::Gt: op = "OPERATOR(pg_catalog.>)"; break;
      case Op::Gte: op = "OPERATOR(pg_catalog.>=)"; break;
      case Op::Lt: op = "OPERATOR(pg_catalog.<)"; break;
      case Op::Lte: op = "OPERATOR(pg_catalog.<=)"; break;
      case Op::Like: op = "OPERATOR(pg_catalog.~~)", text = true; break;
      case Op::Ilike: op = "OPERATOR(pg_catalog.~~*)", text = true; break;
      case Op::Match: op = "OPERATOR(pg_catalog.~)", text = true; break;
      case Op::Imatch: op = "OPERATOR(pg_catalog.~*)", text = true; break;
      default: invalid_filter();
    }
    std::string value = f.value;
    if (f.op == Op::Like || f.op == Op::Ilike) std::replace(value.begin(), value.end(), '*', '%');
    const std::string lhs = text ? "CAST(" + ref + " AS pg_catalog.text)" : ref;
    const std::string array_type = text ? "pg_catalog.text[]" : type + "[]";
    const std::string param = params.add(value);
    std::string e = lhs + " " + op + (f.quantifier == Quantifier::Any ? " ANY" : " ALL") + " (CAST(" + param + " AS " +
                    array_type + "))";
    return f.negate ? "NOT (" + e + ")" : e;
  }

  std::string condition(const Condition& c, const Relation& rel, const std::string& alias) {
    if (c.kind == Condition::Kind::Filter) return filter(c.filter, rel, alias);
    std::string out = "(";
    for (std::size_t i = 0; i < c.children.size(); ++i) {
      if (i) out += c.kind == Condition::Kind::Or ? " OR " : " AND ";
      out += condition(c.children[i], rel, alias);
    }
    out += ")";
    return c.negate ? "NOT " + out : out;
  }

  std::string where(const std::vector<Condition>& conds, const Relation& rel, const std::string& alias,
                    const Level* level = nullptr) {
    std::string out;
    for (const auto& c : conds) {
      out += out.empty() ? " WHERE " : " AND ";
      out += condition(c, rel, alias);
    }
    if (level != nullptr)
      for (const auto& c : level->conds) out += (out.empty() ? " WHERE " : " AND ") + c;
    return out;
  }

  std::string order(const std::vector<OrderItem>& items, const Relation& rel, const std::string& alias) {
    std::string out;
    for (const auto& o : items) {
      out += out.empty() ? " ORDER BY " : ", ";
      out += o.relation.empty() ? field(rel, alias, o.column, o.json).sql : related_field(o, rel, alias);
      out += o.desc ? " DESC" : " ASC";
      if (o.nulls == OrderItem::Nulls::First) out += " NULLS FIRST";
      if (o.nulls == OrderItem::Nulls::Last) out += " NULLS LAST";
    }
    return out;
  }

  // order=rel(col): the column of the one row a many-to-one relationship leads to (PostgREST's
  // PGRST118 for one-to-many).
  std::string related_field(const OrderItem& o, const Relation& from, const std::string& from_alias) {
    SelectItem probe;
    probe.kind = SelectItem::Kind::Embed;
    probe.name = o.relation;
    probe.hint = o.hint;
    const Relationship r = relationship(probe, from);
    if (!r.to_one) throw QueryError("22023", "order by a one-to-many relationship", "PGRST118");
    const std::string a = "_o" + std::to_string(++orders_);
    std::string where;
    for (const auto& [x, y] : r.columns) {
      where += where.empty() ? " WHERE " : " AND ";
      where += col_ref(a, column(r.target, y)) + " OPERATOR(pg_catalog.=) " + col_ref(from_alias, column(from, x));
    }
    return "(SELECT " + field(r.target, a, o.column, o.json).sql + " FROM " + r.target.sql + " AS " + a + where +
           " LIMIT 1)";
  }

  // The select list over `rel` AS `alias`; names: the output column names (CSV header);
  // level: the joins and conditions its spreads and !inner embeds add; path: the embed path of
  // `rel` ("" at the top) for rel.col=... options.
  std::string select(const std::vector<SelectItem>& items, const Relation& rel, const std::string& alias, int depth,
                     std::vector<std::string>* names, Level& level, const std::string& path = "") {
    if (items.empty()) {
      if (names)
        for (const auto& c : rel.columns) names->push_back(c.name);
      return alias + ".*";
    }
    std::string out;
    for (const auto& item : items) {
      if (!out.empty()) out += ", ";
      if (item.kind == SelectItem::Kind::Star) {
        out += alias + ".*";
        if (names)
          for (const auto& c : rel.columns) names->push_back(c.name);
      } else if (item.kind == SelectItem::Kind::Column) {
        std::string expr = field(rel, alias, item.name, item.json).sql;
        if (!item.cast.empty()) expr = "CAST(" + expr + " AS pg_catalog." + cast_type(item.cast) + ")";
        // PostgREST names a JSON path's column after its last key.
        const std::string& label = !item.alias.empty() ? item.alias
                                   : item.json.empty() ? item.name
                                                       : item.json.back().key;
        out += expr + " AS " + q(label);
        if (names) names->push_back(label);
      } else if (item.kind == SelectItem::Kind::Spread) {
        out += spread(item, rel, alias, depth, names, level, path);
      } else {
        out += embed(item, rel, alias, depth, level, path) + " AS " + q(item.alias.empty() ? item.name : item.alias);
        if (names) names->push_back(item.alias.empty() ? item.name : item.alias);
      }
    }
    return out;
  }

  static std::string cast_type(const std::string& c) {
    if (c == "int" || c == "integer") return "int4";
    if (c == "smallint") return "int2";
    if (c == "bigint") return "int8";
    if (c == "real") return "float4";
    if (c == "boolean") return "bool";
    return c;
  }

  // The one relationship an embed names (by target and optional !hint); PGRST200/PGRST201.
  Relationship relationship(const SelectItem& item, const Relation& from) {
    std::vector<Relationship> rels = cat_.relationships(from, item.name);
    if (!item.hint.empty()) {
      std::vector<Relationship> kept;
      for (auto& r : rels) {
        bool match = r.constraint == item.hint;
        for (const auto& [a, b] : r.columns) match = match || a == item.hint || b == item.hint;
        if (match) kept.push_back(std::move(r));
      }
      rels = std::move(kept);
    }
    if (rels.empty()) throw QueryError("22023", "unknown relationship", "PGRST200");
    if (rels.size() > 1) {
      // PostgREST's hint: the candidates, as "target!constraint" (catalog names only).
      std::string hint = "Try changing '" + item.name + "' to one of the following:";
      for (std::size_t i = 0; i < rels.size() && hint.size() < 400; ++i)
        hint += (i ? ", '" : " '") + rels[i].target.name + "!" + rels[i].constraint + "'";
      throw QueryError("22023", "ambiguous relationship", "PGRST201").with_hint(hint);
    }
    return std::move(rels.front());
  }

  // The parts of an embedded resource's subquery: FROM target AS alias [joins] WHERE <join to
  // the parent> AND <rel.col filters> AND <its own !inner conditions>, and its select list.
  struct EmbedParts {
    Relationship rel;
    std::string alias;
    std::string select;
    std::string from_where;  // "target AS alias joins WHERE ..."
    const EmbedOptions* options = nullptr;
  };

  EmbedParts embed_parts(const SelectItem& item, const Relation& from, const std::string& from_alias, int depth,
                         std::vector<std::string>* names, const std::string& path) {
    if (depth + 1 > static_cast<int>(limits_.max_depth)) invalid_query();
    EmbedParts p{relationship(item, from), "_t" + std::to_string(depth + 1), "", "", nullptr};
    const std::string my_path = (path.empty() ? "" : path + ".") +
                                (item.alias.empty() || item.kind == SelectItem::Kind::Spread ? item.name : item.alias);
    p.options = options(my_path);
    Level level;
    p.select = select(item.children, p.rel.target, p.alias, depth + 1, names, level, my_path);
    std::string where;
    for (const auto& [a, b] : p.rel.columns) {
      where += where.empty() ? " WHERE " : " AND ";
      where +=
          col_ref(p.alias, column(p.rel.target, b)) + " OPERATOR(pg_catalog.=) " + col_ref(from_alias, column(from, a));
    }
    if (p.options != nullptr)
      for (const auto& c : p.options->where) where += " AND " + condition(c, p.rel.target, p.alias);
    p.from_where = p.rel.target.sql + " AS " + p.alias + level.joins + where + level.where_tail();
    return p;
  }

  std::string embed(const SelectItem& item, const Relation& from, const std::string& from_alias, int depth,
                    Level& parent, const std::string& path) {
    EmbedParts p = embed_parts(item, from, from_alias, depth, nullptr, path);
    const std::string sub = "_e" + std::to_string(depth + 1);
    if (item.inner) parent.conds.push_back("EXISTS (SELECT 1 FROM " + p.from_where + ")");
    std::string inner = "SELECT " + p.select + " FROM " + p.from_where;
    if (p.options != nullptr) inner += order(p.options->order, p.rel.target, p.alias);
    if (p.rel.to_one) return "(SELECT pg_catalog.row_to_json(" + sub + ") FROM (" + inner + " LIMIT 1) AS " + sub + ")";
    if (p.options != nullptr && (p.options->limit || p.options->offset > 0)) {
      const std::string lim = p.options->limit ? params.add(std::to_string(*p.options->limit)) : "";
      const std::string off = params.add(std::to_string(p.options->offset));
      if (!lim.empty()) inner += " LIMIT CAST(" + lim + " AS pg_catalog.int8)";
      inner += " OFFSET CAST(" + off + " AS pg_catalog.int8)";
    }
    return "(SELECT COALESCE(pg_catalog.json_agg(" + sub + "), '[]') FROM (" + inner + ") AS " + sub + ")";
  }

  // ...rel(cols): a many-to-one embed whose columns join the row (PostgREST 12 spreads only
  // to-one relationships: PGRST119 otherwise).
  std::string spread(const SelectItem& item, const Relation& from, const std::string& from_alias, int depth,
                     std::vector<std::string>* names, Level& parent, const std::string& path) {
    EmbedParts p = embed_parts(item, from, from_alias, depth, names, path);
    if (!p.rel.to_one) throw QueryError("22023", "spread of a one-to-many relationship", "PGRST119");
    const std::string sub = "_s" + std::to_string(++spreads_);
    if (item.inner) parent.conds.push_back("EXISTS (SELECT 1 FROM " + p.from_where + ")");
    parent.joins +=
        " LEFT JOIN LATERAL (SELECT " + p.select + " FROM " + p.from_where + " LIMIT 1) AS " + sub + " ON TRUE";
    return sub + ".*";
  }

  // The body expression over the page subquery _p.
  std::string body(Accept accept, const std::vector<std::string>& names) {
    if (accept == Accept::Object) return "CAST(pg_catalog.json_agg(_p) -> 0 AS pg_catalog.text)";
    if (accept == Accept::Csv) {
      std::string header;
      for (std::size_t i = 0; i < names.size(); ++i) header += (i ? "," : "") + csv_quote(names[i]);
      // Each row: its JSON object's values in order, as CSV fields.
      return params.add(header) +
             " OPERATOR(pg_catalog.||) COALESCE(E'\\n' OPERATOR(pg_catalog.||) pg_catalog.string_agg("
             "(SELECT pg_catalog.string_agg(COALESCE('\"' OPERATOR(pg_catalog.||) "
             "pg_catalog.replace(_v.value, '\"', '\"\"') OPERATOR(pg_catalog.||) '\"', ''), ',' ORDER BY _v.n) "
             "FROM pg_catalog.json_each_text(pg_catalog.row_to_json(_p)) WITH ORDINALITY AS _v(key, value, n)), "
             "E'\\n'), '')";
    }
    return "CAST(COALESCE(pg_catalog.json_agg(_p), '[]') AS pg_catalog.text)";
  }

  static std::string csv_quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }

  // LIMIT/OFFSET of a read, after Range and the cap. Sets rendered offset/limit/capped.
  std::string paging(const Request& r, Rendered& out) {
    std::int64_t offset = r.query.offset;
    std::optional<std::int64_t> limit = r.query.limit;
    if (r.range) {
      offset = std::max(offset, r.range->first);
      if (r.range->last) {
        std::int64_t n = *r.range->last - r.range->first + 1;
        limit = limit ? std::min(*limit, n) : n;
      }
    }
    std::int64_t cap = limits_.max_rows;
    std::int64_t lim = limit ? std::min(*limit, cap) : cap;
    out.capped = !limit || *limit > cap;
    out.offset = offset;
    out.limit = lim;
    // (Two statements: the operands of one + chain are not sequenced.)
    std::string out_limit = params.add(std::to_string(lim));
    std::string out_offset = params.add(std::to_string(offset));
    return " LIMIT CAST(" + out_limit + " AS pg_catalog.int8) OFFSET CAST(" + out_offset + " AS pg_catalog.int8)";
  }

  Catalog& cat_;
  const Limits& limits_;
  const Query* query_;
  std::set<std::size_t> used_;
  int spreads_ = 0;
  int orders_ = 0;
};

// The keys of the JSON body's objects (an object, or an array of objects), sorted and unique.
std::vector<std::string> body_keys(const json::Document& doc, bool allow_array) {
  std::set<std::string> keys;
  auto add = [&](const json::Value& obj) {
    if (!obj.is_object()) invalid_body();
    obj.for_each_member([&](std::string_view name, const json::Value&) { keys.emplace(name); });
  };
  json::Value root = doc.root();
  if (root.is_array()) {
    if (!allow_array) invalid_body();
    root.for_each_element(add);
  } else {
    add(root);
  }
  return {keys.begin(), keys.end()};
}

json::Document parse_body(const std::optional<std::string>& body) {
  if (!body) invalid_body();
  try {
    return json::parse_document(*body, Reason::InvalidParameter, 64);
  } catch (const Error&) {
    invalid_body();
  }
}

std::string count_expression(const Request& r, const std::string& from_where) {
  if (r.prefer.count == Count::Exact) return "(SELECT pg_catalog.count(*) FROM " + from_where + ")";
  return "CAST(NULL AS pg_catalog.int8)";
}

}  // namespace

Rendered render_table(const std::string& table, const Request& r, Catalog& catalog, const Limits& limits) {
  std::optional<Relation> found = catalog.relation(table);
  if (!found) unknown_table();
  const Relation& rel = *found;
  Renderer R(catalog, limits, &r.query);
  Rendered out;
  out.single = r.accept == Accept::Object;
  out.relation_name = rel.name;
  std::vector<std::string> names;

  if (r.method == Method::Get || r.method == Method::Head) {
    Level level;
    std::string sel = R.select(r.query.select, rel, "_t0", 0, &names, level);
    R.check_options_used();
    std::string where = R.where(r.query.where, rel, "_t0", &level);
    std::string order = R.order(r.query.order, rel, "_t0");
    std::string page = R.paging(r, out);
    std::string from_where = rel.sql + " AS _t0" + level.joins + where;
    std::string body = r.method == Method::Head ? "CAST(NULL AS pg_catalog.text)" : R.body(r.accept, names);
    out.sql = "SELECT " + body + ", pg_catalog.count(*), " + count_expression(r, from_where) +
              ", CAST(NULL AS pg_catalog.text) FROM (SELECT " + sel + " FROM " + from_where + order + page + ") AS _p";
    if (r.prefer.count == Count::Planned || r.prefer.count == Count::Estimated)
      out.count_sql = "SELECT 1 FROM " + from_where;
    out.params = std::move(R.params.values);
    return out;
  }

  std::string cte;
  if (r.method == Method::Post) {
    json::Document doc = parse_body(r.body);
    std::vector<std::string> cols = r.query.columns ? *r.query.columns : body_keys(doc, true);
    if (r.query.columns) body_keys(doc, true);  // still: objects only
    if (cols.empty()) throw QueryError("22023", "no columns", "PGRST102");
    std::string rows = doc.root().is_array() ? *r.body : "[" + *r.body + "]";
    std::string list, values;
    for (const auto& name : cols) {
      const Column& c = R.column(rel, name);
      if (!list.empty()) {
        list += ", ";
        values += ", ";
      }
      list += R.q(c.name);
      std::string v = "_r." + R.q(c.name);
      if (r.prefer.missing_default)
        v = "CASE WHEN _j.j OPERATOR(pg_catalog.?) " + R.params.add(c.name) + " THEN " + v + " ELSE " +
            (c.default_sql ? *c.default_sql : "NULL") + " END";
      values += v;
    }
    std::string conflict;
    if (r.prefer.resolution != Resolution::None) {
      std::vector<std::string> target = r.query.on_conflict ? *r.query.on_conflict : rel.primary_key;
      if (target.empty()) throw QueryError("22023", "invalid query", "PGRST100");
      conflict = " ON CONFLICT (";
      for (std::size_t i = 0; i < target.size(); ++i) conflict += (i ? ", " : "") + R.q(R.column(rel, target[i]).name);
      conflict += ")";
      if (r.prefer.resolution == Resolution::IgnoreDuplicates) {
        conflict += " DO NOTHING";
      } else {
        std::string sets;
        for (const auto& name : cols) {
          if (!sets.empty()) sets += ", ";
          sets += R.q(name) + " = EXCLUDED." + R.q(name);
        }
        conflict += " DO UPDATE SET " + sets;
      }
    }
    cte = "INSERT INTO " + rel.sql + " AS _t0 (" + list + ") SELECT " + values +
          " FROM pg_catalog.jsonb_array_elements(CAST(" + R.params.add(rows) +
          " AS pg_catalog.jsonb)) AS _j(j) CROSS JOIN LATERAL pg_catalog.jsonb_populate_record(CAST(NULL AS " +
          rel.sql + "), _j.j) AS _r" + conflict + " RETURNING _t0.*";
    out.pk = rel.primary_key;
  } else if (r.method == Method::Patch) {
    json::Document doc = parse_body(r.body);
    if (!doc.root().is_object()) invalid_body();
    std::vector<std::string> cols = r.query.columns ? *r.query.columns : body_keys(doc, false);
    if (cols.empty()) throw QueryError("22023", "no columns", "PGRST102");
    if (r.query.where.empty()) throw QueryError("22023", "filter required", "PGRST106");
    std::string sets;
    for (const auto& name : cols) {
      const Column& c = R.column(rel, name);
      if (!sets.empty()) sets += ", ";
      sets += R.q(c.name) + " = _r." + R.q(c.name);
    }
    std::string rec = "pg_catalog.jsonb_populate_record(CAST(NULL AS " + rel.sql + "), CAST(" + R.params.add(*r.body) +
                      " AS pg_catalog.jsonb)) AS _r";
    cte = "UPDATE " + rel.sql + " AS _t0 SET " + sets + " FROM " + rec + R.where(r.query.where, rel, "_t0") +
          " RETURNING _t0.*";
  } else {
    if (r.query.where.empty()) throw QueryError("22023", "filter required", "PGRST106");
    cte = "DELETE FROM " + rel.sql + " AS _t0" + R.where(r.query.where, rel, "_t0") + " RETURNING _t0.*";
  }

  bool want_body = r.prefer.ret != Return::Minimal && r.prefer.ret != Return::HeadersOnly;
  Level level;
  std::string sel = R.select(r.query.select, rel, "_t0", 0, &names, level);
  R.check_options_used();
  std::string order = R.order(r.query.order, rel, "_t0");
  std::string from_where = "_m AS _t0" + level.joins + R.where({}, rel, "_t0", &level);
  std::string body = want_body ? "(SELECT " + R.body(r.accept, names) + " FROM (SELECT " + sel + " FROM " + from_where +
                                     order + ") AS _p)"
                               : "CAST(NULL AS pg_catalog.text)";
  std::string location = "CAST(NULL AS pg_catalog.text)";
  if (r.method == Method::Post && !rel.primary_key.empty()) {
    std::string arr;
    for (const auto& k : rel.primary_key)
      arr += (arr.empty() ? "" : ", ") + ("CAST(_m." + R.q(k) + " AS pg_catalog.text)");
    location = "(SELECT CAST(pg_catalog.array_to_json(ARRAY[" + arr + "]) AS pg_catalog.text) FROM _m LIMIT 1)";
  }
  out.sql = "WITH _m AS (" + cte + ") SELECT " + body + ", (SELECT pg_catalog.count(*) FROM _m), " +
            (r.prefer.count == Count::None ? "CAST(NULL AS pg_catalog.int8)" : "(SELECT pg_catalog.count(*) FROM _m)") +
            ", " + location;
  out.params = std::move(R.params.values);
  return out;
}

Rendered render_rpc(const std::string& name, const Request& r, Catalog& catalog, const Limits& limits) {
  std::vector<Function> fns = catalog.functions(name);
  if (fns.empty()) throw QueryError("42883", "unknown function", "PGRST202");
  Query query = r.query;
  // A function of one json/jsonb input: named (params=single-object) or unnamed (always).
  auto json_input = [](const Function& f) {
    return f.arg_names.size() == 1 && (f.arg_types[0] == "pg_catalog.json" || f.arg_types[0] == "pg_catalog.jsonb");
  };
  auto unnamed = [](const Function& f) {
    return std::any_of(f.arg_names.begin(), f.arg_names.end(), [](const std::string& n) { return n.empty(); });
  };
  // The arguments: GET → query parameters named like an input of some overload (repeated for a
  // variadic input); POST → the body object (or the whole body for one json input).
  std::vector<std::pair<std::string, std::string>> get_args;
  std::optional<json::Document> doc;
  std::set<std::string> keys;
  std::string body_text = r.body && !r.body->empty() ? *r.body : "{}";
  if (r.method == Method::Post) {
    try {
      doc = json::parse_document(body_text, Reason::InvalidParameter, 64);
    } catch (const Error&) {
      invalid_body();
    }
    if (doc->root().is_object())
      doc->root().for_each_member([&](std::string_view k, const json::Value&) { keys.emplace(k); });
    for (const auto& [k, v] : query.arguments) add_filter(query, k, v, limits);
  } else {
    std::set<std::string> inputs;
    for (const auto& f : fns) inputs.insert(f.arg_names.begin(), f.arg_names.end());
    for (const auto& [k, v] : query.arguments) {
      if (inputs.count(k)) {
        keys.insert(k);
        get_args.emplace_back(k, v);
      } else {
        add_filter(query, k, v, limits);
      }
    }
  }
  const Function* chosen = nullptr;
  int matches = 0;
  bool whole_body = false;
  if (r.method == Method::Post && r.prefer.single_object) {
    // Prefer: params=single-object: the body is the argument of the one function with one
    // json/jsonb input.
    for (const auto& f : fns) {
      if (!json_input(f)) continue;
      ++matches;
      chosen = &f;
    }
    whole_body = true;
  } else {
    for (const auto& f : fns) {
      if (unnamed(f)) continue;
      std::set<std::string> names(f.arg_names.begin(), f.arg_names.end());
      bool ok =
          std::includes(names.begin(), names.end(), keys.begin(), keys.end()) && (!doc || doc->root().is_object());
      for (std::size_t i = 0; ok && i + f.defaults < f.arg_names.size(); ++i) ok = keys.count(f.arg_names[i]) > 0;
      if (ok) {
        ++matches;
        chosen = &f;
      }
    }
    if (matches == 0 && r.method == Method::Post) {
      // One unnamed json/jsonb input: the whole body is its argument.
      for (const auto& f : fns) {
        if (!json_input(f) || !unnamed(f)) continue;
        ++matches;
        chosen = &f;
      }
      whole_body = true;
    }
  }
  if (matches == 0 && doc && !doc->root().is_object()) invalid_body();
  if (matches == 0) throw QueryError("22023", "arguments do not match", "PGRST202");
  if (matches > 1) throw QueryError("22023", "ambiguous function", "PGRST203");
  if (!whole_body && doc && !doc->root().is_object()) invalid_body();
  const Function& fn = *chosen;
  Renderer R(catalog, limits, &query);
  Rendered out;
  out.single = r.accept == Accept::Object;

  // Arguments through jsonb_to_record, which converts JSON arrays and objects to the parameter
  // types as PostgREST does; GET values are JSON strings (read with the type's input function),
  // a variadic input's values a JSON array of them. A variadic input comes last, as VARIADIC.
  std::string from_args, call_args;
  if (whole_body) {
    const std::string arg = "CAST(" + R.params.add(body_text) + " AS " + fn.arg_types[0] + ")";
    call_args = fn.arg_names[0].empty() ? arg : R.q(fn.arg_names[0]) + " => " + arg;
  } else if (!keys.empty()) {
    const std::string variadic_name = fn.variadic ? fn.arg_names.back() : std::string();
    std::string args_json;
    if (doc) {
      args_json = doc->source();
    } else {
      args_json = "{";
      for (const auto& k : keys) {
        std::vector<const std::string*> values;
        for (const auto& [name, value] : get_args)
          if (name == k) values.push_back(&value);
        if (values.size() > 1 && k != variadic_name) throw QueryError("22023", "arguments do not match", "PGRST202");
        if (args_json.size() > 1) args_json += ",";
        json::append_string(args_json, k);
        args_json += ":";
        // One value {a,b} is an array literal as it is (postgrest-js sends arrays so).
        const bool list =
            k == variadic_name && !(values.size() == 1 && !values[0]->empty() && values[0]->front() == '{');
        if (list) args_json += "[";
        for (std::size_t i = 0; i < values.size(); ++i) {
          if (i) args_json += ",";
          json::append_string(args_json, *values[i]);
        }
        if (list) args_json += "]";
      }
      args_json += "}";
    }
    std::string defs, variadic_arg;
    for (const auto& k : keys) {
      std::size_t i = std::find(fn.arg_names.begin(), fn.arg_names.end(), k) - fn.arg_names.begin();
      if (!defs.empty()) defs += ", ";
      defs += R.q(k) + " " + fn.arg_types[i];
      if (k == variadic_name) {
        variadic_arg = "VARIADIC " + R.q(k) + " => _a." + R.q(k);
        continue;
      }
      call_args += (call_args.empty() ? "" : ", ") + R.q(k) + " => _a." + R.q(k);
    }
    if (!variadic_arg.empty()) call_args += (call_args.empty() ? "" : ", ") + variadic_arg;
    from_args =
        "pg_catalog.jsonb_to_record(CAST(" + R.params.add(args_json) + " AS pg_catalog.jsonb)) AS _a(" + defs + ")";
  }
  const std::string call = fn.sql + "(" + call_args + ")";
  const std::string head = r.method == Method::Head ? "CAST(NULL AS pg_catalog.text)" : "";

  if (fn.returns == Function::Returns::Composite) {
    Relation rel;
    rel.name = name;
    rel.sql = call;
    rel.columns = fn.result_columns;
    std::vector<std::string> names;
    Level level;
    std::string sel = R.select(query.select, rel, "_t0", 0, &names, level);
    R.check_options_used();
    std::string from_where = (from_args.empty() ? "" : from_args + " CROSS JOIN LATERAL ") + call + " AS _t0" +
                             level.joins + R.where(query.where, rel, "_t0", &level);
    std::string order = R.order(query.order, rel, "_t0");
    std::string page = fn.returns_set ? R.paging(r, out) : "";
    std::string body = !head.empty()    ? head
                       : fn.returns_set ? R.body(r.accept, names)
                                        : "CAST(pg_catalog.json_agg(_p) -> 0 AS pg_catalog.text)";
    if (!fn.returns_set) out.single = false;
    out.sql = "SELECT " + body + ", pg_catalog.count(*), " +
              (fn.returns_set ? count_expression(r, from_where) : "CAST(NULL AS pg_catalog.int8)") +
              ", CAST(NULL AS pg_catalog.text) FROM (SELECT " + sel + " FROM " + from_where + order + page + ") AS _p";
    if (!fn.returns_set)
      out.sql = "SELECT COALESCE(_b, 'null'), _n, _c, _l FROM (" + out.sql + ") AS _z(_b, _n, _c, _l)";
  } else {
    if (!query.where.empty() || !query.order.empty() || query.select_given || !query.embedded.empty()) invalid_filter();
    std::string from = from_args.empty() ? "" : " FROM " + from_args;
    if (fn.returns == Function::Returns::Void) {
      out.sql = "SELECT pg_catalog.left(CAST(" + call +
                " AS pg_catalog.text), 0) OPERATOR(pg_catalog.||) 'null', CAST(1 AS pg_catalog.int8), CAST(NULL AS "
                "pg_catalog.int8), CAST(NULL AS pg_catalog.text)" +
                from;
    } else if (fn.returns_set) {
      std::string page = R.paging(r, out);
      std::string body = !head.empty() ? head : "CAST(COALESCE(pg_catalog.json_agg(_p._v), '[]') AS pg_catalog.text)";
      out.sql = "SELECT " + body +
                ", pg_catalog.count(*), CAST(NULL AS pg_catalog.int8), CAST(NULL AS pg_catalog.text) FROM (SELECT _f "
                "AS _v FROM " +
                (from_args.empty() ? "" : from_args + " CROSS JOIN LATERAL ") + call + " AS _f" + page + ") AS _p";
    } else {
      out.single = false;
      out.sql = "SELECT COALESCE(CAST(pg_catalog.to_json(" + call +
                ") AS pg_catalog.text), 'null'), CAST(1 AS pg_catalog.int8), CAST(NULL AS pg_catalog.int8), CAST(NULL "
                "AS pg_catalog.text)" +
                from;
    }
  }
  out.params = std::move(R.params.values);
  return out;
}

}  // namespace tg::core::postgrest
