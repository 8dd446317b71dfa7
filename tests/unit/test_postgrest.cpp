// The PostgREST request language (extension/core/postgrest): the grammar with PostgREST's edge
// cases, and the renderer against a fake catalog — names only from the catalog, values only
// as parameters.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/postgrest/render.hpp"
#include "core/postgrest/request.hpp"

namespace pr = tg::core::postgrest;

namespace {

pr::Query parse(const std::string& qs, bool rpc = false) {
  pr::Limits limits;
  return pr::parse_query(pr::split_query_string(qs), limits, rpc);
}

std::string reason(const std::string& qs) {
  try {
    parse(qs);
  } catch (const pr::QueryError& e) {
    return e.what();
  }
  return "";
}

class FakeCatalog : public pr::Catalog {
 public:
  FakeCatalog() {
    pr::Relation t;
    t.id = 1;
    t.name = "todos";
    t.sql = "\"ten\".\"todos\"";
    t.columns = {{"id", "pg_catalog.int8", std::string("nextval('x')")}, {"title", "pg_catalog.text", std::nullopt},
                 {"done", "pg_catalog.bool", std::string("false")},      {"tags", "pg_catalog.text[]", std::nullopt},
                 {"doc", "pg_catalog.tsvector", std::nullopt},           {"user_id", "pg_catalog.int8", std::nullopt},
                 {"Mixed Case", "pg_catalog.text", std::nullopt},        {"data", "pg_catalog.jsonb", std::nullopt},
                 {"reviewer_id", "pg_catalog.int8", std::nullopt}};
    t.primary_key = {"id"};
    rels.push_back(t);
    pr::Relation u;
    u.id = 2;
    u.name = "users";
    u.sql = "\"ten\".\"users\"";
    u.columns = {{"id", "pg_catalog.int8", std::nullopt}, {"name", "pg_catalog.text", std::nullopt}};
    u.primary_key = {"id"};
    rels.push_back(u);
  }
  std::optional<pr::Relation> relation(const std::string& name) override {
    for (const auto& r : rels)
      if (r.name == name) return r;
    return std::nullopt;
  }
  std::vector<pr::Relationship> relationships(const pr::Relation& from, const std::string& target) override {
    std::vector<pr::Relationship> out;
    if (from.name == "todos" && target == "users")
      out.push_back({rels[1], true, "todos_user_id_fkey", {{"user_id", "id"}}});
    if (from.name == "users" && target == "todos")
      out.push_back({rels[0], false, "todos_user_id_fkey", {{"id", "user_id"}}});
    if (from.name == "todos" && target == "reviewers") {  // two foreign keys: ambiguous without a hint
      pr::Relation u = rels[1];
      u.name = "reviewers";
      out.push_back({u, true, "todos_user_fk", {{"user_id", "id"}}});
      out.push_back({u, true, "todos_reviewer_fk", {{"reviewer_id", "id"}}});
    }
    return out;
  }
  std::vector<pr::Function> functions(const std::string& name) override {
    std::vector<pr::Function> out;
    if (name == "add") {
      pr::Function f;
      f.sql = "\"ten\".\"add\"";
      f.arg_names = {"a", "b"};
      f.arg_types = {"pg_catalog.int4", "pg_catalog.int4"};
      f.defaults = 1;
      out.push_back(f);
    }
    if (name == "list_todos") {
      pr::Function f;
      f.sql = "\"ten\".\"list_todos\"";
      f.arg_names = {"min_id"};
      f.arg_types = {"pg_catalog.int8"};
      f.returns_set = true;
      f.returns = pr::Function::Returns::Composite;
      f.result_columns = rels[0].columns;
      out.push_back(f);
    }
    if (name == "echo" || name == "echo_named") {  // one json input: unnamed, or named "doc"
      pr::Function f;
      f.sql = "\"ten\".\"" + name + "\"";
      f.arg_names = {name == "echo" ? "" : "doc"};
      f.arg_types = {"pg_catalog.jsonb"};
      out.push_back(f);
    }
    if (name == "total") {  // total(base int, VARIADIC n int[])
      pr::Function f;
      f.sql = "\"ten\".\"total\"";
      f.arg_names = {"base", "n"};
      f.arg_types = {"pg_catalog.int4", "pg_catalog.int4[]"};
      f.variadic = true;
      out.push_back(f);
    }
    return out;
  }
  std::vector<pr::Relation> rels;
};

pr::Rendered render(const std::string& method, const std::string& qs, std::optional<std::string> body = std::nullopt,
                    const std::string& prefer = "", const std::string& table = "todos") {
  FakeCatalog cat;
  pr::Limits limits;
  pr::Request r;
  r.method = method == "GET"     ? pr::Method::Get
             : method == "POST"  ? pr::Method::Post
             : method == "PATCH" ? pr::Method::Patch
             : method == "HEAD"  ? pr::Method::Head
                                 : pr::Method::Delete;
  r.query = pr::parse_query(pr::split_query_string(qs), limits);
  r.prefer = pr::parse_prefer(prefer);
  r.body = std::move(body);
  return pr::render_table(table, r, cat, limits);
}

std::string render_reason(const std::string& method, const std::string& qs,
                          std::optional<std::string> body = std::nullopt, const std::string& table = "todos") {
  try {
    render(method, qs, std::move(body), "", table);
  } catch (const pr::QueryError& e) {
    return std::string(e.sqlstate()) + " " + e.what();
  }
  return "";
}

// The code PostgREST would answer (PGRSTnnn) for a table GET, or "".
std::string render_code(const std::string& qs, const std::string& table = "todos") {
  try {
    render("GET", qs, std::nullopt, "", table);
  } catch (const pr::QueryError& e) {
    return e.code();
  }
  return "";
}

pr::Rendered rpc(const std::string& fn, pr::Method method, const std::string& qs, std::optional<std::string> body,
                 const std::string& prefer = "") {
  FakeCatalog cat;
  pr::Limits limits;
  pr::Request r;
  r.method = method;
  r.query = pr::parse_query(pr::split_query_string(qs), limits, true);
  r.prefer = pr::parse_prefer(prefer);
  r.body = std::move(body);
  return pr::render_rpc(fn, r, cat, limits);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The SQL of GET /table?qs contains `part` (else the SQL is the failure's message).
::testing::AssertionResult renders(const std::string& qs, const std::string& part, const std::string& table = "todos",
                                   const std::string& prefer = "") {
  std::string sql = render("GET", qs, std::nullopt, prefer, table).sql;
  if (contains(sql, part)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << sql;
}

}  // namespace

TEST(PostgrestParse, SplitsOnFirstEqualsAndDecodes) {
  auto p = pr::split_query_string("/api/t?title=eq.a%3Db%20c&x=in.(1,2)&select=a+b&empty");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].second, "eq.a=b c");
  EXPECT_EQ(p[2].second, "a b");
  EXPECT_EQ(p[3].first, "empty");
  EXPECT_THROW(pr::split_query_string("a=eq.%zz"), pr::QueryError);
  EXPECT_THROW(pr::split_query_string("a=eq.%4"), pr::QueryError);
}

TEST(PostgrestParse, SimpleFiltersAndNot) {
  auto q = parse("age=gte.18&name=not.eq.bob&x=not.is.null");
  ASSERT_EQ(q.where.size(), 3u);
  EXPECT_EQ(q.where[0].filter.op, pr::Op::Gte);
  EXPECT_EQ(q.where[0].filter.value, "18");
  EXPECT_TRUE(q.where[1].filter.negate);
  EXPECT_EQ(q.where[1].filter.value, "bob");
  EXPECT_EQ(q.where[2].filter.op, pr::Op::Is);
  EXPECT_EQ(q.where[2].filter.is, pr::IsValue::Null);
  EXPECT_TRUE(q.where[2].filter.negate);
}

TEST(PostgrestParse, EveryOperatorHasItsName) {
  for (const char* op : {"eq", "neq", "gt", "gte", "lt",  "lte", "like", "ilike", "match", "imatch", "isdistinct", "cs",
                         "cd", "ov",  "sl", "sr",  "nxr", "nxl", "adj",  "fts",   "plfts", "phfts",  "wfts"}) {
    auto q = parse(std::string("c=") + op + ".v");
    ASSERT_EQ(q.where.size(), 1u) << op;
    EXPECT_EQ(pr::op_name(q.where[0].filter.op), op);
  }
  EXPECT_EQ(reason("c=xx.1"), "unknown operator");
  EXPECT_EQ(reason("c=eq"), "invalid filter");
}

TEST(PostgrestParse, ValueKeepsDotsAndEquals) {
  auto q = parse("c=eq.1.5.x=y");
  EXPECT_EQ(q.where[0].filter.value, "1.5.x=y");
}

TEST(PostgrestParse, InListsWithQuotesAndReservedCharacters) {
  auto q = parse("c=in.(\"a,b\",c,\"d)e\",\"q\\\"x\",\"\")");
  ASSERT_EQ(q.where[0].filter.values, (std::vector<std::string>{"a,b", "c", "d)e", "q\"x", ""}));
  EXPECT_TRUE(parse("c=in.()").where[0].filter.values.empty());
  EXPECT_EQ(reason("c=in.(1,2"), "invalid filter");
  EXPECT_EQ(reason("c=in.(1,)"), "invalid filter");
  EXPECT_EQ(reason("c=in.(\"a\"b)"), "invalid filter");
  EXPECT_EQ(reason("c=in.(a(b)"), "invalid filter");
}

TEST(PostgrestParse, IsValues) {
  EXPECT_EQ(parse("c=is.true").where[0].filter.is, pr::IsValue::True);
  EXPECT_EQ(parse("c=is.FALSE").where[0].filter.is, pr::IsValue::False);
  EXPECT_EQ(parse("c=is.unknown").where[0].filter.is, pr::IsValue::Unknown);
  EXPECT_EQ(parse("c=is.not_null").where[0].filter.is, pr::IsValue::NotNull);
  EXPECT_EQ(reason("c=is.maybe"), "invalid filter");
  EXPECT_EQ(reason("c=is.1"), "invalid filter");
}

TEST(PostgrestParse, FullTextWithConfig) {
  auto q = parse("doc=fts(english).cat&t=not.wfts.\"fat rat\"");
  EXPECT_EQ(q.where[0].filter.op, pr::Op::Fts);
  EXPECT_EQ(*q.where[0].filter.fts_config, "english");
  EXPECT_EQ(q.where[0].filter.value, "cat");
  EXPECT_TRUE(q.where[1].filter.negate);
  EXPECT_EQ(reason("c=eq(english).x"), "invalid filter");
  EXPECT_EQ(reason("c=fts(a.b).x"), "invalid filter");
}

TEST(PostgrestParse, NestedOrAndTrees) {
  auto q = parse("or=(age.lt.18,and(name.eq.\"a,b\",not.or(x.is.null,y.in.(1,2))),z.not.eq.3)");
  ASSERT_EQ(q.where.size(), 1u);
  const auto& t = q.where[0];
  EXPECT_EQ(t.kind, pr::Condition::Kind::Or);
  ASSERT_EQ(t.children.size(), 3u);
  EXPECT_EQ(t.children[0].filter.op, pr::Op::Lt);
  EXPECT_EQ(t.children[1].kind, pr::Condition::Kind::And);
  EXPECT_EQ(t.children[1].children[0].filter.value, "a,b");
  EXPECT_EQ(t.children[1].children[1].kind, pr::Condition::Kind::Or);
  EXPECT_TRUE(t.children[1].children[1].negate);
  EXPECT_EQ(t.children[1].children[1].children[1].filter.values, (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(t.children[2].filter.negate);
  auto n = parse("not.and=(a.eq.1,b.eq.2)");
  EXPECT_EQ(n.where[0].kind, pr::Condition::Kind::And);
  EXPECT_TRUE(n.where[0].negate);
  EXPECT_EQ(reason("or=(a.eq.1"), "invalid filter");
  EXPECT_EQ(reason("or=a.eq.1"), "invalid filter");
  EXPECT_EQ(reason("or=()"), "invalid filter");
  EXPECT_EQ(reason("or=(a.eq.1,)"), "invalid filter");
  EXPECT_EQ(reason("or=(a)"), "invalid filter");
  EXPECT_EQ(reason("or=(x.zz.1)"), "unknown operator");
  EXPECT_EQ(reason("or=(not.a.eq.1)"), "invalid filter");
}

TEST(PostgrestParse, TreeDepthAndFilterCountAreBounded) {
  std::string deep = "a.eq.1";
  for (int i = 0; i < 12; ++i) deep = "or(" + deep + ")";
  EXPECT_EQ(reason("or=(" + deep + ")"), "invalid query");
  std::string many;
  for (int i = 0; i < 70; ++i) many += (i ? "&" : "") + std::string("id=eq.") + std::to_string(i);
  EXPECT_EQ(reason(many), "invalid query");
}

TEST(PostgrestParse, SelectAliasesCastsEmbeds) {
  auto q = parse("select=id,t:title,amount::text,*,user:users!todos_user_id_fkey(id,name),tags()");
  ASSERT_EQ(q.select.size(), 6u);
  EXPECT_EQ(q.select[1].alias, "t");
  EXPECT_EQ(q.select[1].name, "title");
  EXPECT_EQ(q.select[2].cast, "text");
  EXPECT_EQ(q.select[3].kind, pr::SelectItem::Kind::Star);
  EXPECT_EQ(q.select[4].kind, pr::SelectItem::Kind::Embed);
  EXPECT_EQ(q.select[4].alias, "user");
  EXPECT_EQ(q.select[4].name, "users");
  EXPECT_EQ(q.select[4].hint, "todos_user_id_fkey");
  EXPECT_EQ(q.select[4].children.size(), 2u);
  EXPECT_EQ(q.select[5].children[0].kind, pr::SelectItem::Kind::Star);
  EXPECT_EQ(reason("select=a::evil_type"), "invalid query");
  EXPECT_EQ(reason("select=a;drop"), "");  // a name; the catalog decides
  EXPECT_EQ(reason("select=x(a"), "invalid query");
  EXPECT_EQ(reason("select=a,,b"), "invalid query");
  EXPECT_EQ(reason("select=s.t"), "invalid query");
}

TEST(PostgrestParse, OrderLimitOffsetColumns) {
  auto q = parse("order=a.desc.nullslast,b,c.nullsfirst&limit=5&offset=10&columns=a,b&on_conflict=a");
  ASSERT_EQ(q.order.size(), 3u);
  EXPECT_TRUE(q.order[0].desc);
  EXPECT_EQ(q.order[0].nulls, pr::OrderItem::Nulls::Last);
  EXPECT_FALSE(q.order[1].desc);
  EXPECT_EQ(q.order[2].nulls, pr::OrderItem::Nulls::First);
  EXPECT_EQ(*q.limit, 5);
  EXPECT_EQ(q.offset, 10);
  EXPECT_EQ(*q.columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*q.on_conflict, (std::vector<std::string>{"a"}));
  EXPECT_EQ(*parse("columns=%22title%22,%22amount%22").columns, (std::vector<std::string>{"title", "amount"}));
  for (const char* bad : {"order=a.up", "order=a.asc.desc", "order=(select 1)", "limit=-1", "limit=1e9", "offset=x",
                          "limit=99999999999999999999", "limit=1&limit=2", "columns=a,,b"})
    EXPECT_EQ(reason(bad), "invalid query") << bad;
}

TEST(PostgrestParse, ControlCharactersAndBadUtf8Refused) {
  EXPECT_EQ(reason("a=eq.%00"), "invalid query");
  EXPECT_EQ(reason("a=eq.%0a"), "invalid query");
  EXPECT_EQ(reason("a=eq.%ff"), "invalid query");
}

TEST(PostgrestParse, PreferRangeAccept) {
  auto p =
      pr::parse_prefer("return=representation, count=exact,resolution=merge-duplicates , missing=default, tx=commit");
  EXPECT_EQ(p.ret, pr::Return::Representation);
  EXPECT_EQ(p.count, pr::Count::Exact);
  EXPECT_EQ(p.resolution, pr::Resolution::MergeDuplicates);
  EXPECT_TRUE(p.missing_default);
  EXPECT_EQ(p.applied.size(), 4u);
  EXPECT_EQ(pr::parse_prefer("return=headers-only").ret, pr::Return::HeadersOnly);
  auto r = pr::parse_range("0-9", "items");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0);
  EXPECT_EQ(*r->last, 9);
  EXPECT_FALSE(pr::parse_range("5-", "")->last);
  EXPECT_FALSE(pr::parse_range("bytes=0-10", ""));
  EXPECT_FALSE(pr::parse_range("0-10", "bytes"));
  EXPECT_THROW(pr::parse_range("9-1", "items"), pr::QueryError);
  EXPECT_EQ(pr::parse_accept(""), pr::Accept::Json);
  EXPECT_EQ(pr::parse_accept("application/vnd.pgrst.object+json"), pr::Accept::Object);
  EXPECT_EQ(pr::parse_accept("text/csv"), pr::Accept::Csv);
  EXPECT_EQ(pr::parse_accept("text/html, application/json;q=0.9"), pr::Accept::Json);
  EXPECT_THROW(pr::parse_accept("text/html"), pr::QueryError);
}

TEST(PostgrestRender, ValuesAreParametersAndNamesComeFromTheCatalog) {
  auto r = render("GET", "select=id,t:title&title=eq.x'; DROP TABLE y;--&order=id.desc&limit=2");
  EXPECT_EQ(r.sql.find("DROP"), std::string::npos);
  EXPECT_NE(r.sql.find("\"ten\".\"todos\" AS _t0"), std::string::npos) << r.sql;
  EXPECT_NE(r.sql.find("_t0.\"title\" AS \"t\""), std::string::npos) << r.sql;
  EXPECT_NE(r.sql.find("CAST($1 AS pg_catalog.text)"), std::string::npos) << r.sql;
  ASSERT_EQ(r.params.size(), 3u);
  EXPECT_EQ(*r.params[0], "x'; DROP TABLE y;--");
  EXPECT_EQ(*r.params[1], "2");
  EXPECT_EQ(r.limit, 2);
}

TEST(PostgrestRender, SameShapeSameSql) {
  auto a = render("GET", "title=eq.a&id=in.(1,2,3)&limit=1");
  auto b = render("GET", "title=eq.zzz&id=in.(9)&limit=7");
  EXPECT_EQ(a.sql, b.sql);
  EXPECT_EQ(*b.params[1], "{\"9\"}");
}

TEST(PostgrestRender, UnknownNamesAreRefused) {
  EXPECT_EQ(render_reason("GET", "nope=eq.1"), "42703 unknown column");
  EXPECT_EQ(render_reason("GET", "select=nope"), "42703 unknown column");
  EXPECT_EQ(render_reason("GET", "order=nope"), "42703 unknown column");
  EXPECT_EQ(render_reason("GET", "or=(id.eq.1,secret.eq.2)"), "42703 unknown column");
  EXPECT_EQ(render_reason("GET", "", std::nullopt, "other"), "42P01 unknown table");
  EXPECT_EQ(render_reason("GET", "", std::nullopt, "ten.todos"), "42P01 unknown table");
  EXPECT_EQ(render_reason("GET", "select=nope(*)"), "22023 unknown relationship");
  EXPECT_EQ(render_reason("GET", "select=users!nope(*)"), "22023 unknown relationship");
}

TEST(PostgrestRender, OperatorsRender) {
  auto r = render("GET", "tags=cs.{a,b}&doc=fts(english).cat&title=plfts.fat rat&title=like.*x*&id=not.is.null");
  EXPECT_NE(r.sql.find("_t0.\"tags\" OPERATOR(pg_catalog.@>) CAST($1 AS pg_catalog.text[])"), std::string::npos)
      << r.sql;
  EXPECT_NE(
      r.sql.find("_t0.\"doc\" OPERATOR(pg_catalog.@@) pg_catalog.to_tsquery(CAST($2 AS pg_catalog.regconfig), $3)"),
      std::string::npos)
      << r.sql;
  EXPECT_NE(r.sql.find("pg_catalog.plainto_tsquery($4)"), std::string::npos) << r.sql;
  EXPECT_EQ(*r.params[4], "%x%");
  EXPECT_NE(r.sql.find("NOT (_t0.\"id\" IS NULL)"), std::string::npos) << r.sql;
}

TEST(PostgrestRender, OrTreeAndOrder) {
  auto r = render("GET", "or=(id.lt.3,and(done.is.true,title.not.eq.x))&order=title.desc.nullslast");
  EXPECT_NE(
      r.sql.find("WHERE (_t0.\"id\" OPERATOR(pg_catalog.<) CAST($1 AS pg_catalog.int8) OR (_t0.\"done\" IS TRUE AND "
                 "NOT (_t0.\"title\" OPERATOR(pg_catalog.=) CAST($2 AS pg_catalog.text))))"),
      std::string::npos)
      << r.sql;
  EXPECT_NE(r.sql.find("ORDER BY _t0.\"title\" DESC NULLS LAST"), std::string::npos);
}

TEST(PostgrestRender, QuotedIdentifiers) {
  auto r = render("GET", "select=Mixed Case&Mixed Case=eq.1");
  EXPECT_NE(r.sql.find("_t0.\"Mixed Case\""), std::string::npos) << r.sql;
}

TEST(PostgrestRender, CapAndCount) {
  auto r = render("GET", "limit=100000", std::nullopt, "count=exact");
  EXPECT_EQ(r.limit, 1000);
  EXPECT_TRUE(r.capped);
  EXPECT_NE(r.sql.find("(SELECT pg_catalog.count(*) FROM \"ten\".\"todos\" AS _t0)"), std::string::npos) << r.sql;
  auto p = render("GET", "id=gt.1", std::nullopt, "count=planned");
  EXPECT_EQ(
      p.count_sql,
      "SELECT 1 FROM \"ten\".\"todos\" AS _t0 WHERE _t0.\"id\" OPERATOR(pg_catalog.>) CAST($1 AS pg_catalog.int8)");
}

TEST(PostgrestRender, Embeds) {
  auto r = render("GET", "select=title,owner:users(name)");
  EXPECT_NE(
      r.sql.find(
          "(SELECT pg_catalog.row_to_json(_e1) FROM (SELECT _t1.\"name\" AS \"name\" FROM \"ten\".\"users\" AS _t1 "
          "WHERE _t1.\"id\" OPERATOR(pg_catalog.=) _t0.\"user_id\" LIMIT 1) AS _e1) AS \"owner\""),
      std::string::npos)
      << r.sql;
  auto m = render("GET", "select=name,todos(id)", std::nullopt, "", "users");
  EXPECT_NE(m.sql.find("pg_catalog.json_agg(_e1)"), std::string::npos) << m.sql;
}

TEST(PostgrestRender, InsertUpsertMissingDefault) {
  auto r = render("POST", "", std::string(R"([{"title":"a"},{"title":"b","done":true}])"),
                  "resolution=merge-duplicates,missing=default");
  EXPECT_NE(r.sql.find("INSERT INTO \"ten\".\"todos\" AS _t0 (\"done\", \"title\")"), std::string::npos) << r.sql;
  EXPECT_NE(r.sql.find("ON CONFLICT (\"id\") DO UPDATE SET \"done\" = EXCLUDED.\"done\""), std::string::npos) << r.sql;
  EXPECT_NE(r.sql.find("ELSE false END"), std::string::npos) << r.sql;
  EXPECT_EQ(r.pk, (std::vector<std::string>{"id"}));
  auto one = render("POST", "columns=title", std::string(R"({"title":"a","bogus":1})"), "resolution=ignore-duplicates");
  EXPECT_NE(one.sql.find("DO NOTHING"), std::string::npos);
  EXPECT_EQ(*one.params[0], R"([{"title":"a","bogus":1}])");
  EXPECT_EQ(render_reason("POST", "", std::string("{\"nope\":1}")), "42703 unknown column");
  EXPECT_EQ(render_reason("POST", "", std::string("[1]")), "22023 invalid body");
  EXPECT_EQ(render_reason("POST", "", std::string("{}")), "22023 no columns");
  EXPECT_EQ(render_reason("POST", "", std::string("{\"a\":1,\"a\":2}")), "22023 invalid body");
  EXPECT_EQ(render_reason("POST", "", std::string("not json")), "22023 invalid body");
}

TEST(PostgrestRender, PatchDeleteNeedAFilter) {
  EXPECT_EQ(render_reason("PATCH", "", std::string("{\"done\":true}")), "22023 filter required");
  EXPECT_EQ(render_reason("DELETE", ""), "22023 filter required");
  EXPECT_EQ(render_reason("PATCH", "id=eq.1", std::string("[{\"done\":true}]")), "22023 invalid body");
  auto r = render("PATCH", "id=eq.1", std::string("{\"done\":true}"), "return=minimal");
  EXPECT_NE(r.sql.find("UPDATE \"ten\".\"todos\" AS _t0 SET \"done\" = _r.\"done\""), std::string::npos) << r.sql;
  EXPECT_NE(r.sql.find("SELECT CAST(NULL AS pg_catalog.text)"), std::string::npos) << r.sql;
  auto d = render("DELETE", "id=eq.1");
  EXPECT_NE(d.sql.find("DELETE FROM \"ten\".\"todos\" AS _t0 WHERE"), std::string::npos) << d.sql;
}

TEST(PostgrestRender, Rpc) {
  FakeCatalog cat;
  pr::Limits limits;
  pr::Request r;
  r.method = pr::Method::Get;
  r.query = pr::parse_query(pr::split_query_string("min_id=5&title=eq.x&order=id&limit=3"), limits, true);
  auto out = pr::render_rpc("list_todos", r, cat, limits);
  EXPECT_NE(out.sql.find("pg_catalog.jsonb_to_record(CAST($1 AS pg_catalog.jsonb)) AS _a(\"min_id\" pg_catalog.int8) "
                         "CROSS JOIN LATERAL \"ten\".\"list_todos\"(\"min_id\" => _a.\"min_id\") AS _t0 WHERE"),
            std::string::npos)
      << out.sql;
  EXPECT_EQ(*out.params[0], R"({"min_id":"5"})");
  r.method = pr::Method::Post;
  r.query = pr::parse_query({}, limits, true);
  r.body = R"({"a":1})";
  auto add = pr::render_rpc("add", r, cat, limits);
  EXPECT_NE(add.sql.find("pg_catalog.to_json(\"ten\".\"add\"(\"a\" => _a.\"a\"))"), std::string::npos) << add.sql;
  r.body = R"({"b":1})";
  EXPECT_THROW(pr::render_rpc("add", r, cat, limits), pr::QueryError);
  r.body = R"({"a":1,"c":1})";
  EXPECT_THROW(pr::render_rpc("add", r, cat, limits), pr::QueryError);
  EXPECT_THROW(pr::render_rpc("nope", r, cat, limits), pr::QueryError);
}

TEST(PostgrestParse, EmbeddedResourceOptions) {
  auto q = parse(
      "select=*,users(*)&users.name=eq.x&users.order=id.desc.nullslast&users.limit=2&users.offset=1&"
      "users.or=(id.eq.1,name.eq.y)&users.not.and=(id.gt.1,id.lt.9)&a.b.id=eq.3");
  EXPECT_TRUE(q.where.empty());
  ASSERT_EQ(q.embedded.size(), 2u);
  const auto& e = q.embedded[0];
  EXPECT_EQ(e.path, "users");
  ASSERT_EQ(e.where.size(), 3u);
  EXPECT_EQ(e.where[0].filter.column, "name");
  EXPECT_EQ(e.where[1].kind, pr::Condition::Kind::Or);
  EXPECT_EQ(e.where[2].kind, pr::Condition::Kind::And);
  EXPECT_TRUE(e.where[2].negate);
  ASSERT_EQ(e.order.size(), 1u);
  EXPECT_TRUE(e.order[0].desc);
  EXPECT_EQ(*e.limit, 2);
  EXPECT_EQ(e.offset, 1);
  EXPECT_EQ(q.embedded[1].path, "a.b");
  for (const char* bad : {"users.limit=x", "users.limit=1&users.limit=2", "a..b=eq.1", "(x).id=eq.1", ".id=eq.1"})
    EXPECT_EQ(reason(bad), "invalid query") << bad;
  EXPECT_EQ(reason("users.id=zz.1"), "unknown operator");
}

TEST(PostgrestParse, JsonPaths) {
  auto q = parse("select=data->a->>b,x:data->0,data->>n::int&data->>k=eq.v&order=data->a.desc");
  ASSERT_EQ(q.select.size(), 3u);
  EXPECT_EQ(q.select[0].name, "data");
  ASSERT_EQ(q.select[0].json.size(), 2u);
  EXPECT_EQ(q.select[0].json[0].key, "a");
  EXPECT_FALSE(q.select[0].json[0].as_text);
  EXPECT_TRUE(q.select[0].json[1].as_text);
  EXPECT_EQ(q.select[1].alias, "x");
  EXPECT_EQ(q.select[1].json[0].key, "0");
  EXPECT_EQ(q.select[2].cast, "int");
  EXPECT_EQ(q.where[0].filter.column, "data");
  EXPECT_EQ(q.where[0].filter.json[0].key, "k");
  EXPECT_EQ(q.order[0].json[0].key, "a");
  EXPECT_TRUE(q.order[0].desc);
  auto t = parse("or=(data->>a.eq.1,data->b->>c.like.x*)");
  EXPECT_EQ(t.where[0].children[1].filter.json.size(), 2u);
  for (const char* bad : {"select=data->", "select=data->>", "select=data->a->", "select=->a"})
    EXPECT_EQ(reason(bad), "invalid query") << bad;
  EXPECT_EQ(reason("data->=eq.1"), "invalid filter");
}

TEST(PostgrestParse, AnyAllModifiers) {
  auto q = parse("a=eq(any).{1,2}&b=not.like(all).{x*,*y}&c=ilike(any).{A*}&d=gt(any).{3}");
  EXPECT_EQ(q.where[0].filter.quantifier, pr::Quantifier::Any);
  EXPECT_EQ(q.where[0].filter.value, "{1,2}");
  EXPECT_EQ(q.where[1].filter.quantifier, pr::Quantifier::All);
  EXPECT_TRUE(q.where[1].filter.negate);
  EXPECT_EQ(q.where[2].filter.op, pr::Op::Ilike);
  EXPECT_EQ(q.where[3].filter.op, pr::Op::Gt);
  EXPECT_EQ(reason("a=in(any).(1)"), "invalid filter");
  EXPECT_EQ(reason("a=eq(some).{1}"), "invalid filter");
  EXPECT_EQ(reason("a=eq(any).1"), "invalid filter");
  EXPECT_EQ(reason("a=fts(any).x"), "");  // a text search configuration called "any"
}

TEST(PostgrestParse, SpreadsInnerAndHints) {
  auto q = parse("select=id,...users(name),o:users!todos_user_id_fkey!inner(*),users!left(id),users!inner!fk(id)");
  EXPECT_EQ(q.select[1].kind, pr::SelectItem::Kind::Spread);
  EXPECT_EQ(q.select[1].name, "users");
  EXPECT_TRUE(q.select[2].inner);
  EXPECT_EQ(q.select[2].hint, "todos_user_id_fkey");
  EXPECT_FALSE(q.select[3].inner);
  EXPECT_TRUE(q.select[4].inner);
  EXPECT_EQ(q.select[4].hint, "fk");
  for (const char* bad : {"select=...users", "select=a:...users(id)", "select=users!a!b(id)", "select=users!(id)",
                          "select=....users(id)"})
    EXPECT_EQ(reason(bad), "invalid query") << bad;
}

TEST(PostgrestRender, EmbeddedFiltersOrderAndPaging) {
  auto r = render("GET", "select=name,todos(id)&todos.done=is.true&todos.order=id.desc&todos.limit=2&todos.offset=1",
                  std::nullopt, "", "users");
  EXPECT_TRUE(contains(r.sql,
                       "FROM \"ten\".\"todos\" AS _t1 WHERE _t1.\"user_id\" OPERATOR(pg_catalog.=) _t0.\"id\" "
                       "AND _t1.\"done\" IS TRUE ORDER BY _t1.\"id\" DESC LIMIT CAST($1 AS pg_catalog.int8) "
                       "OFFSET CAST($2 AS pg_catalog.int8)"))
      << r.sql;
  EXPECT_EQ(*r.params[0], "2");
  EXPECT_EQ(*r.params[1], "1");
  // an or-tree on the embedded resource, addressed by its alias
  auto a = render("GET", "select=name,t:todos(id)&t.or=(id.eq.1,title.eq.x)", std::nullopt, "", "users");
  EXPECT_TRUE(contains(a.sql, "AND (_t1.\"id\" OPERATOR(pg_catalog.=) CAST($1 AS pg_catalog.int8) OR _t1.\"title\""))
      << a.sql;
  // a path of two embeds: users → todos → users
  EXPECT_TRUE(renders("select=name,todos(id,owner:users(name))&todos.owner.name=eq.x",
                      "WHERE _t2.\"id\" OPERATOR(pg_catalog.=) _t1.\"user_id\" AND _t2.\"name\" OPERATOR(pg_catalog.=) "
                      "CAST($1 AS pg_catalog.text) LIMIT 1",
                      "users"));
  EXPECT_EQ(render_code("select=id&users.name=eq.x"), "PGRST108");
  EXPECT_EQ(render_code("select=id,users(name)&users.nope=eq.x"), "PGRST204");
  EXPECT_EQ(render_code("select=id,u:users(name)&users.name=eq.x"), "PGRST108");  // the alias is its name here
}

TEST(PostgrestRender, InnerJoinFiltersTheParent) {
  EXPECT_TRUE(renders("select=id,users!inner(name)&users.name=eq.ann",
                      "WHERE EXISTS (SELECT 1 FROM \"ten\".\"users\" AS _t1 WHERE _t1.\"id\" OPERATOR(pg_catalog.=) "
                      "_t0.\"user_id\" AND _t1.\"name\" OPERATOR(pg_catalog.=) CAST($1 AS pg_catalog.text))"));
  // the count sees the same rows
  EXPECT_TRUE(renders("select=id,users!inner(name)",
                      "(SELECT pg_catalog.count(*) FROM \"ten\".\"todos\" AS _t0 WHERE EXISTS", "todos",
                      "count=exact"));
}

TEST(PostgrestRender, HintsAndAmbiguity) {
  EXPECT_EQ(render_code("select=id,reviewers(name)"), "PGRST201");
  try {
    render("GET", "select=id,reviewers(name)");
    ADD_FAILURE();
  } catch (const pr::QueryError& e) {
    EXPECT_EQ(std::string(e.hint()),
              "Try changing 'reviewers' to one of the following: 'reviewers!todos_user_fk', "
              "'reviewers!todos_reviewer_fk'");
  }
  EXPECT_TRUE(renders("select=id,reviewer:reviewers!reviewer_id(name)",
                      "_t1.\"id\" OPERATOR(pg_catalog.=) _t0.\"reviewer_id\""));
  EXPECT_TRUE(renders("select=id,reviewers!todos_user_fk(name)", "_t1.\"id\" OPERATOR(pg_catalog.=) _t0.\"user_id\""));
  EXPECT_EQ(render_code("select=id,reviewers!nope(name)"), "PGRST200");
}

TEST(PostgrestRender, SpreadLiftsManyToOneColumns) {
  EXPECT_TRUE(
      renders("select=id,...users(name)&order=id",
              "_t0.\"id\" AS \"id\", _s1.* FROM \"ten\".\"todos\" AS _t0 LEFT JOIN LATERAL (SELECT _t1.\"name\" "
              "AS \"name\" FROM \"ten\".\"users\" AS _t1 WHERE _t1.\"id\" OPERATOR(pg_catalog.=) _t0.\"user_id\" "
              "LIMIT 1) AS _s1 ON TRUE ORDER BY"));
  EXPECT_EQ(render_code("select=name,...todos(id)", "users"), "PGRST119");
  EXPECT_EQ(render_code("select=id,...nope(id)"), "PGRST200");
}

TEST(PostgrestRender, OrderByAManyToOneColumn) {
  auto q = parse("order=users(name).desc.nullslast,reviewers!reviewer_id(name),id");
  EXPECT_EQ(q.order[0].relation, "users");
  EXPECT_EQ(q.order[0].column, "name");
  EXPECT_TRUE(q.order[0].desc);
  EXPECT_EQ(q.order[1].hint, "reviewer_id");
  EXPECT_EQ(reason("order=users(name"), "invalid query");
  EXPECT_EQ(reason("order=users!(name)"), "invalid query");
  EXPECT_TRUE(renders("order=users(name).desc.nullslast,id",
                      "ORDER BY (SELECT _o1.\"name\" FROM \"ten\".\"users\" AS _o1 WHERE _o1.\"id\" "
                      "OPERATOR(pg_catalog.=) _t0.\"user_id\" LIMIT 1) DESC NULLS LAST, _t0.\"id\" ASC"));
  EXPECT_EQ(render_code("order=reviewers(name)"), "PGRST201");
  EXPECT_EQ(render_code("order=reviewers!reviewer_id(nope)"), "PGRST204");
  EXPECT_EQ(render_code("order=todos(id)", "users"), "PGRST118");
}

TEST(PostgrestRender, JsonPathKeysAreParameters) {
  auto r = render("GET", "select=data->a->>b,x:data->0,data->>n::int&data->>k=eq.v&order=data->a.desc");
  EXPECT_TRUE(contains(r.sql, "((_t0.\"data\" OPERATOR(pg_catalog.->) $1) OPERATOR(pg_catalog.->>) $2) AS \"b\""))
      << r.sql;
  EXPECT_TRUE(contains(r.sql, "(_t0.\"data\" OPERATOR(pg_catalog.->) CAST($3 AS pg_catalog.int4)) AS \"x\"")) << r.sql;
  EXPECT_TRUE(contains(r.sql, "CAST((_t0.\"data\" OPERATOR(pg_catalog.->>) $4) AS pg_catalog.int4) AS \"n\"")) << r.sql;
  EXPECT_TRUE(contains(r.sql,
                       "(_t0.\"data\" OPERATOR(pg_catalog.->>) $5) OPERATOR(pg_catalog.=) CAST($6 AS "
                       "pg_catalog.text)"))
      << r.sql;
  EXPECT_EQ(*r.params[0], "a");
  EXPECT_EQ(*r.params[3], "n");
  EXPECT_EQ(*r.params[4], "k");
  EXPECT_EQ(*r.params[5], "v");
  // a key carrying SQL stays a parameter
  auto evil = render("GET", "select=data->>x'||current_user||'&data->>a';drop table t--=eq.1");
  // (only as the output column's quoted name, the last key as PostgREST names it)
  EXPECT_TRUE(contains(evil.sql, "OPERATOR(pg_catalog.->>) $1) AS \"x'||current_user||'\" FROM")) << evil.sql;
  EXPECT_FALSE(contains(evil.sql, "drop")) << evil.sql;
  EXPECT_EQ(*evil.params[0], "x'||current_user||'");
  EXPECT_EQ(render_reason("GET", "select=title->a"), "22023 invalid query");  // not a json column
}

TEST(PostgrestRender, AnyAllRender) {
  auto r = render("GET", "id=eq(any).{1,2}&title=not.like(all).{a*,*b}&title=imatch(any).{^x}");
  EXPECT_TRUE(contains(r.sql, "_t0.\"id\" OPERATOR(pg_catalog.=) ANY (CAST($1 AS pg_catalog.int8[]))")) << r.sql;
  EXPECT_TRUE(contains(r.sql,
                       "NOT (CAST(_t0.\"title\" AS pg_catalog.text) OPERATOR(pg_catalog.~~) ALL (CAST($2 AS "
                       "pg_catalog.text[])))"))
      << r.sql;
  EXPECT_TRUE(contains(r.sql, "OPERATOR(pg_catalog.~*) ANY (CAST($3 AS pg_catalog.text[]))")) << r.sql;
  EXPECT_EQ(*r.params[1], "{a%,%b}");
}

TEST(PostgrestRender, NewShapesGiveNewSql) {
  // Requests that differ in shape never share a statement (the plan cache's key is its text).
  const char* shapes[] = {"select=id,users(name)",
                          "select=id,users!inner(name)",
                          "select=id,...users(name)",
                          "select=id,users(name)&users.name=eq.x",
                          "select=id,users(name)&users.name=neq.x",
                          "select=id,users(name)&users.order=name",
                          "select=data->a",
                          "select=data->>a",
                          "select=data->0",
                          "id=eq.1",
                          "id=eq(any).{1}",
                          "id=eq(all).{1}",
                          "id=neq(any).{1}"};
  std::set<std::string> seen;
  for (const char* s : shapes) EXPECT_TRUE(seen.insert(render("GET", s).sql).second) << s;
}

TEST(PostgrestRender, RpcSingleJsonArgumentAndVariadic) {
  auto e = rpc("echo", pr::Method::Post, "", std::string(R"([1,{"a":2}])"));
  EXPECT_TRUE(contains(e.sql, "pg_catalog.to_json(\"ten\".\"echo\"(CAST($1 AS pg_catalog.jsonb)))")) << e.sql;
  EXPECT_EQ(*e.params[0], R"([1,{"a":2}])");
  auto o = rpc("echo", pr::Method::Post, "", std::string(R"({"x":1})"));
  EXPECT_EQ(*o.params[0], R"({"x":1})");
  auto n = rpc("echo_named", pr::Method::Post, "", std::string(R"({"x":1})"), "params=single-object");
  EXPECT_TRUE(contains(n.sql, "\"ten\".\"echo_named\"(\"doc\" => CAST($1 AS pg_catalog.jsonb))")) << n.sql;
  EXPECT_THROW(rpc("echo_named", pr::Method::Post, "", std::string(R"({"x":1})")), pr::QueryError);
  EXPECT_THROW(rpc("add", pr::Method::Post, "", std::string(R"({"a":1})"), "params=single-object"), pr::QueryError);
  auto v = rpc("total", pr::Method::Post, "", std::string(R"({"base":1,"n":[2,3]})"));
  EXPECT_TRUE(contains(v.sql, "\"ten\".\"total\"(\"base\" => _a.\"base\", VARIADIC \"n\" => _a.\"n\")")) << v.sql;
  auto g = rpc("total", pr::Method::Get, "n=2&base=1&n=3", std::nullopt);
  EXPECT_EQ(*g.params[0], R"({"base":"1","n":["2","3"]})");
  EXPECT_TRUE(contains(g.sql, "AS _a(\"base\" pg_catalog.int4, \"n\" pg_catalog.int4[])")) << g.sql;
  EXPECT_THROW(rpc("total", pr::Method::Get, "n=2&base=1&base=3", std::nullopt), pr::QueryError);
  EXPECT_EQ(*rpc("total", pr::Method::Get, "n={2,3}&base=1", std::nullopt).params[0], R"({"base":"1","n":"{2,3}"})");
  EXPECT_THROW(rpc("add", pr::Method::Post, "", std::string("[1]")), pr::QueryError);
}
