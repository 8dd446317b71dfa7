// auth.http_request(method, host, token, path, query, request_headers, request_body) →
// (status, headers, body): the whole /api/... request of tenantgate-server in one call.
//
//  1. auth.authenticate(token, host) — the same C function, called directly — switches the
//     transaction to the tenant's role and search_path.
//  2. The PostgREST request (query string, Prefer, Range, Accept) is parsed by the pure core
//     (core/postgrest), and rendered against PgCatalog: names are looked up through the
//     syscache in the tenant's own namespace only (by OID; a qualified or foreign name is simply
//     not found), quoted with quote_identifier; every value is a text parameter.
//  3. The statement runs through SPI with a plan prepared once per statement text per backend
//     (a bounded LRU of SPI_keepplan plans). The plan cache re-plans after DDL and, for tables
//     with row-level security, when the role changes; privileges are checked by the executor on
//     every execution. The JSON body is built by the statement itself (json_agg), so it is
//     copied through as text.
//
// Errors: the core's QueryError keeps its SQLSTATE and fixed message; PostgreSQL's own errors
// (permission denied, invalid input syntax, constraint violations) pass through unchanged.
#include <cmath>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "core/postgrest/render.hpp"
#include "core/postgrest/request.hpp"
#include "pg/guard.hpp"
#include "pg/tenant_context.hpp"
#include "pg/text.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "nodes/pg_list.h"
#include "rewrite/rowsecurity.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/plancache.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
}

extern "C" Datum tg_authenticate(PG_FUNCTION_ARGS);

namespace {

namespace pr = tg::core::postgrest;
using tg::pg::pg_call;

// ---------------------------------------------------------------------------------------------
// Catalog lookups: plain PostgreSQL code filling plain structs (called through pg_call()).

struct RawColumn {
  char* name;
  char* type;
  char* default_sql;  // NULL = none
};

struct RawRelation {
  bool found;
  Oid relid;
  char* name;
  char* sql;
  int ncolumns;
  RawColumn* columns;
  int npk;
  char** pk;
};

char* type_sql(Oid type) { return format_type_extended(type, -1, FORMAT_TYPE_FORCE_QUALIFY); }

bool has_isolation_policy(Relation rel) {
  if (rel->rd_rsdesc == nullptr) return false;
  ListCell* cell;
  foreach (cell, rel->rd_rsdesc->policies) {
    auto* policy = static_cast<RowSecurityPolicy*>(lfirst(cell));
    if (strcmp(policy->policy_name, "tenantgate_tenant_isolation") == 0) return true;
  }
  return false;
}

// The relation `name` of namespace `nsp` (a table, view, materialized view, partitioned or
// foreign table). Not own (row isolation): only tables with tenantgate's isolation policy.
void load_relation(Oid nsp, bool own, const char* name, RawRelation* out) {
  memset(out, 0, sizeof *out);
  Oid relid = get_relname_relid(name, nsp);
  if (!OidIsValid(relid)) return;
  char kind = get_rel_relkind(relid);
  if (kind != RELKIND_RELATION && kind != RELKIND_VIEW && kind != RELKIND_MATVIEW &&
      kind != RELKIND_PARTITIONED_TABLE && kind != RELKIND_FOREIGN_TABLE)
    return;
  Relation rel = relation_open(relid, AccessShareLock);
  if (!own && !has_isolation_policy(rel)) {
    relation_close(rel, AccessShareLock);
    return;
  }
  TupleDesc desc = RelationGetDescr(rel);
  out->found = true;
  out->relid = relid;
  out->name = pstrdup(RelationGetRelationName(rel));
  out->sql = quote_qualified_identifier(get_namespace_name(nsp), out->name);
  out->columns = static_cast<RawColumn*>(palloc0(sizeof(RawColumn) * (desc->natts + 1)));
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (att->attisdropped) continue;
    RawColumn* c = &out->columns[out->ncolumns++];
    c->name = pstrdup(NameStr(att->attname));
    c->type = type_sql(att->atttypid);
    c->default_sql = nullptr;
    if (att->atthasdef && att->attgenerated == '\0' && desc->constr != nullptr) {
      for (int d = 0; d < desc->constr->num_defval; ++d) {
        if (desc->constr->defval[d].adnum == att->attnum) {
          Node* expr = static_cast<Node*>(stringToNode(desc->constr->defval[d].adbin));
          c->default_sql = deparse_expression(expr, NIL, false, false);
        }
      }
    }
  }
  Oid pk_index = RelationGetPrimaryKeyIndex(rel);
  if (OidIsValid(pk_index)) {
    HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk_index));
    if (HeapTupleIsValid(tuple)) {
      auto* index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
      out->pk = static_cast<char**>(palloc0(sizeof(char*) * (index->indnkeyatts + 1)));
      for (int k = 0; k < index->indnkeyatts; ++k) {
        AttrNumber attnum = index->indkey.values[k];
        if (attnum <= 0) continue;
        out->pk[out->npk++] = pstrdup(NameStr(TupleDescAttr(desc, attnum - 1)->attname));
      }
      ReleaseSysCache(tuple);
    }
  }
  relation_close(rel, AccessShareLock);
}

struct RawForeignKey {
  Oid conoid;
  Oid conrelid;
  Oid confrelid;
  int nkeys;
  char* constraint;
  char** from_columns;  // of conrelid
  char** to_columns;    // of confrelid
};

// The foreign keys declared on relid.
void load_foreign_keys(Oid relid, int* count, RawForeignKey** out) {
  Relation rel = relation_open(relid, AccessShareLock);
  List* fks = RelationGetFKeyList(rel);
  *count = 0;
  *out = static_cast<RawForeignKey*>(palloc0(sizeof(RawForeignKey) * (list_length(fks) + 1)));
  ListCell* cell;
  foreach (cell, fks) {
    auto* fk = static_cast<ForeignKeyCacheInfo*>(lfirst(cell));
    RawForeignKey* f = &(*out)[(*count)++];
    f->conoid = fk->conoid;
    f->conrelid = fk->conrelid;
    f->confrelid = fk->confrelid;
    f->nkeys = fk->nkeys;
    f->constraint = get_constraint_name(fk->conoid);
    f->from_columns = static_cast<char**>(palloc0(sizeof(char*) * (fk->nkeys + 1)));
    f->to_columns = static_cast<char**>(palloc0(sizeof(char*) * (fk->nkeys + 1)));
    for (int k = 0; k < fk->nkeys; ++k) {
      f->from_columns[k] = get_attname(fk->conrelid, fk->conkey[k], false);
      f->to_columns[k] = get_attname(fk->confrelid, fk->confkey[k], false);
    }
  }
  relation_close(rel, AccessShareLock);
}

struct RawFunction {
  char* sql;
  int nargs;
  char** arg_names;
  char** arg_types;
  int defaults;
  bool variadic;
  bool retset;
  int returns;  // 0 scalar, 1 composite, 2 void
  int ncolumns;
  RawColumn* columns;
};

// The plain functions called `name` in namespace nsp whose inputs are all named.
void load_functions(Oid nsp, const char* name, int* count, RawFunction** out) {
  CatCList* list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(name));
  *count = 0;
  *out = static_cast<RawFunction*>(palloc0(sizeof(RawFunction) * (list->n_members + 1)));
  for (int i = 0; i < list->n_members; ++i) {
    HeapTuple tuple = &list->members[i]->tuple;
    auto* proc = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple));
    if (proc->pronamespace != nsp || proc->prokind != PROKIND_FUNCTION) continue;
    Oid* types = nullptr;
    char** names = nullptr;
    char* modes = nullptr;
    int all = get_func_arg_info(tuple, &types, &names, &modes);
    RawFunction* f = &(*out)[*count];
    f->arg_names = static_cast<char**>(palloc0(sizeof(char*) * (all + 1)));
    f->arg_types = static_cast<char**>(palloc0(sizeof(char*) * (all + 1)));
    int unnamed = 0;
    bool json_input = false;
    for (int a = 0; a < all; ++a) {
      char mode = modes == nullptr ? PROARGMODE_IN : modes[a];
      if (mode == PROARGMODE_OUT || mode == PROARGMODE_TABLE) continue;
      if (names == nullptr || names[a] == nullptr || names[a][0] == '\0') ++unnamed;
      if (mode == PROARGMODE_VARIADIC) f->variadic = true;
      f->arg_names[f->nargs] = names == nullptr ? nullptr : names[a];
      f->arg_types[f->nargs] = type_sql(types[a]);
      json_input = types[a] == JSONOID || types[a] == JSONBOID;
      ++f->nargs;
    }
    // Named inputs only, or ONE unnamed json/jsonb input (the whole body is its argument).
    if (unnamed > 0 && !(f->nargs == 1 && json_input)) continue;
    f->sql = quote_qualified_identifier(get_namespace_name(nsp), NameStr(proc->proname));
    f->defaults = proc->pronargdefaults;
    f->variadic = f->variadic || OidIsValid(proc->provariadic);
    f->retset = proc->proretset;
    if (proc->prorettype == VOIDOID) {
      f->returns = 2;
    } else {
      TupleDesc desc = build_function_result_tupdesc_t(tuple);
      if (desc == nullptr && get_typtype(proc->prorettype) == TYPTYPE_COMPOSITE)
        desc = lookup_rowtype_tupdesc_copy(proc->prorettype, -1);
      if (desc != nullptr) {
        f->returns = 1;
        f->columns = static_cast<RawColumn*>(palloc0(sizeof(RawColumn) * (desc->natts + 1)));
        for (int a = 0; a < desc->natts; ++a) {
          Form_pg_attribute att = TupleDescAttr(desc, a);
          if (att->attisdropped) continue;
          RawColumn* c = &f->columns[f->ncolumns++];
          c->name = pstrdup(NameStr(att->attname));
          c->type = type_sql(att->atttypid);
        }
      } else if (proc->prorettype == RECORDOID) {
        continue;  // an anonymous record needs a column list the request cannot give
      }
    }
    ++*count;
  }
  ReleaseSysCacheList(list);
}

// ---------------------------------------------------------------------------------------------

std::string copy_string(const char* s) { return s == nullptr ? std::string() : std::string(s); }

pr::Relation to_relation(const RawRelation& raw) {
  pr::Relation r;
  r.id = raw.relid;
  r.name = raw.name;
  r.sql = raw.sql;
  for (int i = 0; i < raw.ncolumns; ++i) {
    pr::Column c;
    c.name = raw.columns[i].name;
    c.type = raw.columns[i].type;
    if (raw.columns[i].default_sql != nullptr) c.default_sql = std::string(raw.columns[i].default_sql);
    r.columns.push_back(std::move(c));
  }
  for (int i = 0; i < raw.npk; ++i) r.primary_key.emplace_back(raw.pk[i]);
  return r;
}

class PgCatalog : public pr::Catalog {
 public:
  PgCatalog(Oid nsp, bool own) : nsp_(nsp), own_(own) {}

  std::optional<pr::Relation> relation(const std::string& name) override {
    RawRelation raw;
    const char* cname = name.c_str();
    pg_call([&] { load_relation(nsp_, own_, cname, &raw); });
    if (!raw.found) return std::nullopt;
    return to_relation(raw);
  }

  std::vector<pr::Relationship> relationships(const pr::Relation& from, const std::string& target) override {
    std::vector<pr::Relationship> out;
    if (from.id == 0) return out;
    std::optional<pr::Relation> to = relation(target);
    if (!to) return out;
    for (int direction = 0; direction < 2; ++direction) {
      // 0: from → target (many-to-one), 1: target → from (one-to-many)
      Oid holder = direction == 0 ? from.id : to->id;
      Oid referenced = direction == 0 ? to->id : from.id;
      int count = 0;
      RawForeignKey* fks = nullptr;
      pg_call([&] { load_foreign_keys(holder, &count, &fks); });
      for (int i = 0; i < count; ++i) {
        if (fks[i].confrelid != referenced) continue;
        pr::Relationship r;
        r.target = *to;
        r.to_one = direction == 0;
        r.constraint = copy_string(fks[i].constraint);
        for (int k = 0; k < fks[i].nkeys; ++k) {
          if (direction == 0) r.columns.emplace_back(fks[i].from_columns[k], fks[i].to_columns[k]);
          else r.columns.emplace_back(fks[i].to_columns[k], fks[i].from_columns[k]);
        }
        out.push_back(std::move(r));
      }
      if (from.id == to->id) break;  // a self-reference is found once
    }
    return out;
  }

  std::vector<pr::Function> functions(const std::string& name) override {
    std::vector<pr::Function> out;
    if (!own_) return out;  // row isolation: the shared schema's functions are not the tenant's
    int count = 0;
    RawFunction* fns = nullptr;
    const char* cname = name.c_str();
    pg_call([&] { load_functions(nsp_, cname, &count, &fns); });
    for (int i = 0; i < count; ++i) {
      pr::Function f;
      f.sql = fns[i].sql;
      for (int a = 0; a < fns[i].nargs; ++a) {
        f.arg_names.push_back(copy_string(fns[i].arg_names[a]));  // "" = unnamed
        f.arg_types.emplace_back(fns[i].arg_types[a]);
      }
      f.defaults = static_cast<std::size_t>(fns[i].defaults);
      f.variadic = fns[i].variadic;
      f.returns_set = fns[i].retset;
      f.returns = fns[i].returns == 1   ? pr::Function::Returns::Composite
                  : fns[i].returns == 2 ? pr::Function::Returns::Void
                                        : pr::Function::Returns::Scalar;
      for (int c = 0; c < fns[i].ncolumns; ++c)
        f.result_columns.push_back({fns[i].columns[c].name, fns[i].columns[c].type, std::nullopt});
      out.push_back(std::move(f));
    }
    return out;
  }

  std::string quote_identifier(std::string_view name) const override {
    std::string in(name);
    const char* quoted = nullptr;
    pg_call([&] { quoted = ::quote_identifier(in.c_str()); });
    return quoted;
  }

 private:
  Oid nsp_;
  bool own_;
};

// ---------------------------------------------------------------------------------------------
// The plan cache: statement text → a kept SPI plan, least recently used evicted.

constexpr std::size_t kPlanCacheSize = 256;

struct PlanCache {
  std::list<std::string> order;  // most recent first
  struct Entry {
    SPIPlanPtr plan;
    std::list<std::string>::iterator position;
  };
  std::unordered_map<std::string, Entry> entries;
  std::uint64_t prepared = 0;  // statements prepared (the misses), for the regress test
};

PlanCache& plan_cache() {
  static PlanCache* cache = new PlanCache();  // never destroyed: lives as long as the backend
  return *cache;
}

// Inside an SPI connection.
SPIPlanPtr cached_plan(const std::string& sql, int nargs) {
  PlanCache& cache = plan_cache();
  std::string key = sql;
  key.push_back('\0');
  key += std::to_string(nargs);
  auto it = cache.entries.find(key);
  if (it != cache.entries.end()) {
    cache.order.splice(cache.order.begin(), cache.order, it->second.position);
    return it->second.plan;
  }
  SPIPlanPtr plan = nullptr;
  const char* text = sql.c_str();
  pg_call([&] {
    Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (nargs + 1)));
    for (int i = 0; i < nargs; ++i) types[i] = TEXTOID;
    plan = SPI_prepare(text, nargs, types);
    if (plan == nullptr) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    if (SPI_keepplan(plan) != 0) elog(ERROR, "SPI_keepplan failed");
  });
  ++cache.prepared;
  if (cache.entries.size() >= kPlanCacheSize) {
    auto last = cache.entries.find(cache.order.back());
    SPIPlanPtr old = last->second.plan;
    cache.entries.erase(last);
    cache.order.pop_back();
    pg_call([&] { SPI_freeplan(old); });
  }
  cache.order.push_front(key);
  cache.entries.emplace(key, PlanCache::Entry{plan, cache.order.begin()});
  return plan;
}

// ---------------------------------------------------------------------------------------------

struct Answer {  // what the V1 body returns: palloc'd, trivially destructible
  int status;
  char* headers;  // JSON object text
  char* body;     // NULL = no body
};

struct QueryFailure {
  char sqlstate[6];
  char message[128];
  char pgrst_code[16];  // PostgREST's PGRSTnnn, the error's reason tag (server/http_errors.cpp)
  char hint[512];       // the catalog's candidates (PGRST201), or ""
};

std::optional<std::string> header(Jsonb* headers, const char* name) {
  if (headers == nullptr) return std::nullopt;
  char* value = nullptr;
  bool found = false;
  pg_call([&] {
    JsonbValue key;
    key.type = jbvString;
    key.val.string.val = const_cast<char*>(name);
    key.val.string.len = static_cast<int>(strlen(name));
    JsonbValue* v = findJsonbValueFromContainer(&headers->root, JB_FOBJECT, &key);
    if (v != nullptr && v->type == jbvString) {
      found = true;
      value = pnstrdup(v->val.string.val, v->val.string.len);
    }
  });
  if (!found) return std::nullopt;
  return std::string(value);
}

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

char* palloc_string(const std::string& s) {
  char* out = nullptr;
  pg_call([&] { out = pnstrdup(s.data(), s.size()); });
  return out;
}

struct Executed {
  std::optional<std::string> body;
  std::int64_t page = 0;
  std::optional<std::int64_t> total;
  std::optional<std::string> location;
};

Executed execute(const pr::Rendered& r) {
  Executed out;
  const int nargs = static_cast<int>(r.params.size());
  for (const auto& p : r.params)
    if (p && p->find('\0') != std::string::npos) pr::invalid_query();
  MemoryContext caller = CurrentMemoryContext;
  // An error below leaves the SPI connection to the transaction's abort, which closes it.
  pg_call([&] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  });
  {
    SPIPlanPtr plan = cached_plan(r.sql, nargs);
    Datum* values = nullptr;
    char* nulls = nullptr;
    pg_call([&] {
      values = static_cast<Datum*>(palloc0(sizeof(Datum) * (nargs + 1)));
      nulls = static_cast<char*>(palloc0(nargs + 1));
    });
    for (int i = 0; i < nargs; ++i) {
      if (r.params[i]) {
        values[i] = tg::pg::text_datum(*r.params[i]);
        nulls[i] = ' ';
      } else {
        nulls[i] = 'n';
      }
    }
    char* body = nullptr;
    char* location = nullptr;
    bool total_null = true;
    int64 page = 0, total = 0;
    pg_call([&] {
      int rc = SPI_execute_plan(plan, values, nulls, false, 0);
      if (rc < 0 || SPI_processed != 1) elog(ERROR, "http_request: the statement returned no row (%d)", rc);
      HeapTuple tuple = SPI_tuptable->vals[0];
      TupleDesc desc = SPI_tuptable->tupdesc;
      bool isnull = false;
      MemoryContext spi = MemoryContextSwitchTo(caller);
      Datum b = SPI_getbinval(tuple, desc, 1, &isnull);
      if (!isnull) body = TextDatumGetCString(b);
      Datum p = SPI_getbinval(tuple, desc, 2, &isnull);
      if (!isnull) page = DatumGetInt64(p);
      Datum t = SPI_getbinval(tuple, desc, 3, &isnull);
      if (!isnull) {
        total = DatumGetInt64(t);
        total_null = false;
      }
      Datum l = SPI_getbinval(tuple, desc, 4, &isnull);
      if (!isnull) location = TextDatumGetCString(l);
      MemoryContextSwitchTo(spi);
    });
    if (body != nullptr) out.body = std::string(body);
    out.page = page;
    if (!total_null) out.total = total;
    if (location != nullptr) out.location = std::string(location);

    if (!r.count_sql.empty()) {
      // count=planned (and estimated): the planner's row estimate of the filtered relation, read
      // from the generic plan (EXPLAIN is a utility statement, refused in a tenant transaction).
      const char* text = r.count_sql.c_str();
      double rows = -1;
      pg_call([&] {
        Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (nargs + 1)));
        for (int i = 0; i < nargs; ++i) types[i] = TEXTOID;
        SPIPlanPtr count_plan = SPI_prepare(text, nargs, types);
        if (count_plan == nullptr) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        CachedPlan* cplan = SPI_plan_get_cached_plan(count_plan);
        if (cplan != nullptr) {
          ListCell* cell;
          foreach (cell, cplan->stmt_list) {
            Node* stmt = static_cast<Node*>(lfirst(cell));
            if (IsA(stmt, PlannedStmt) && reinterpret_cast<PlannedStmt*>(stmt)->planTree != nullptr)
              rows = reinterpret_cast<PlannedStmt*>(stmt)->planTree->plan_rows;
          }
          ReleaseCachedPlan(cplan, nullptr);
        }
        SPI_freeplan(count_plan);
      });
      if (rows >= 0) out.total = static_cast<std::int64_t>(std::llround(rows));
    }
    pg_call([&] { SPI_finish(); });
  }
  return out;
}

// GET /api/: an OpenAPI 3 description of what the token's role can use in the tenant's
// namespace ($1, an OID as text; $2 = 't' for a schema tenant, whose functions are listed; a
// row-isolation tenant sees only the tables with tenantgate's policy): tables and views with
// the methods its privileges allow, their columns as schemas, and the functions it may execute.
constexpr const char* kOpenApiSql = R"SQL(
WITH rels AS (
  SELECT c.oid, c.relname,
         pg_catalog.has_table_privilege(c.oid, 'SELECT') AS sel,
         pg_catalog.has_table_privilege(c.oid, 'INSERT') AS ins,
         pg_catalog.has_table_privilege(c.oid, 'UPDATE') AS upd,
         pg_catalog.has_table_privilege(c.oid, 'DELETE') AS del
    FROM pg_catalog.pg_class c
   WHERE c.relnamespace OPERATOR(pg_catalog.=) CAST($1 AS pg_catalog.oid)
     AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
     AND ($2 OPERATOR(pg_catalog.=) 't' OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
           WHERE p.polrelid OPERATOR(pg_catalog.=) c.oid AND p.polname OPERATOR(pg_catalog.=) 'tenantgate_tenant_isolation'))),
visible AS (SELECT * FROM rels WHERE sel OR ins OR upd OR del),
fns AS (
  SELECT DISTINCT p.proname FROM pg_catalog.pg_proc p
   WHERE $2 OPERATOR(pg_catalog.=) 't' AND p.pronamespace OPERATOR(pg_catalog.=) CAST($1 AS pg_catalog.oid)
     AND p.prokind OPERATOR(pg_catalog.=) 'f' AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE')),
ok AS (SELECT pg_catalog.json_build_object('200', pg_catalog.json_build_object('description', 'OK')) AS r)
SELECT CAST(pg_catalog.json_build_object(
  'openapi', '3.0.3',
  'info', pg_catalog.json_build_object('title', 'tenantgate', 'version', '1'),
  'paths', COALESCE((SELECT pg_catalog.json_object_agg('/' OPERATOR(pg_catalog.||) v.relname,
             pg_catalog.json_strip_nulls(pg_catalog.json_build_object(
               'get', CASE WHEN v.sel THEN pg_catalog.json_build_object('responses', ok.r) END,
               'post', CASE WHEN v.ins THEN pg_catalog.json_build_object('responses', ok.r) END,
               'patch', CASE WHEN v.upd THEN pg_catalog.json_build_object('responses', ok.r) END,
               'delete', CASE WHEN v.del THEN pg_catalog.json_build_object('responses', ok.r) END)) ORDER BY v.relname)
             FROM visible v, ok), '{}'::pg_catalog.json)::pg_catalog.jsonb
           OPERATOR(pg_catalog.||) COALESCE((SELECT pg_catalog.jsonb_object_agg('/rpc/' OPERATOR(pg_catalog.||) f.proname,
             pg_catalog.jsonb_build_object('post', pg_catalog.jsonb_build_object('responses', ok.r),
                                           'get', pg_catalog.jsonb_build_object('responses', ok.r)))
             FROM fns f, ok), '{}'::pg_catalog.jsonb),
  'components', pg_catalog.json_build_object('schemas', COALESCE((SELECT pg_catalog.json_object_agg(v.relname,
      pg_catalog.json_build_object('type', 'object', 'properties', (SELECT pg_catalog.json_object_agg(a.attname,
          pg_catalog.json_build_object(
            'type', CASE t.typcategory WHEN 'N' THEN CASE WHEN t.typname IN ('int2', 'int4', 'int8') THEN 'integer' ELSE 'number' END
                                       WHEN 'B' THEN 'boolean' WHEN 'A' THEN 'array' ELSE 'string' END,
            'format', pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
       WHERE a.attrelid OPERATOR(pg_catalog.=) v.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
         AND pg_catalog.has_column_privilege(v.oid, a.attnum, 'SELECT'))) ORDER BY v.relname)
    FROM visible v), '{}'::pg_catalog.json))) AS pg_catalog.text),
  CAST(1 AS pg_catalog.int8), CAST(NULL AS pg_catalog.int8), CAST(NULL AS pg_catalog.text)
)SQL";

Answer openapi(Oid nsp, bool own, bool head) {
  pr::Rendered r;
  r.sql = kOpenApiSql;
  r.params = {std::to_string(nsp), std::string(own ? "t" : "f")};
  Executed result = execute(r);
  std::string h = "{\"Content-Type\":\"application/openapi+json; charset=utf-8\"}";
  Answer answer{};
  answer.status = 200;
  answer.headers = palloc_string(h);
  answer.body = head || !result.body ? nullptr : palloc_string(*result.body);
  return answer;
}

enum class Route { Table, Rpc };

Answer handle(std::string_view method_name, std::string_view path, std::string_view query_string, Jsonb* headers,
              const std::optional<std::string>& body) {
  // The namespace the request may reach (the tenant context was just published).
  const tg::pg::TenantContext* context = nullptr;
  pg_call([&] { context = tg::pg::tenant_context_checked(); });
  if (context == nullptr) throw pr::QueryError("42501", "permission denied");
  Oid nsp = InvalidOid;
  bool own = false;
  const char* slug = context->slug;
  pg_call([&] {
    nsp = get_namespace_oid(slug, true);
    own = OidIsValid(nsp);
    if (!own) {
      List* path_oids = fetch_search_path(false);
      ListCell* cell;
      foreach (cell, path_oids) {
        Oid candidate = lfirst_oid(cell);
        char* name = get_namespace_name(candidate);
        if (name == nullptr || strcmp(name, "pg_catalog") == 0 || strcmp(name, "auth") == 0 ||
            strcmp(name, "information_schema") == 0 || strncmp(name, "pg_", 3) == 0)
          continue;
        nsp = candidate;
        break;
      }
    }
  });
  if (!OidIsValid(nsp)) throw pr::QueryError("42P01", "unknown table", "PGRST205");

  if (path == "/api/" || path == "/api") {
    if (method_name != "GET" && method_name != "HEAD") throw pr::QueryError("22023", "method not allowed", "PGRST117");
    return openapi(nsp, own, method_name == "HEAD");
  }
  Route route;
  std::string name;
  if (path.substr(0, 9) == "/api/rpc/") {
    route = Route::Rpc;
    name = std::string(path.substr(9));
  } else if (path.substr(0, 5) == "/rpc/") {
    route = Route::Rpc;
    name = std::string(path.substr(5));
  } else if (path.substr(0, 5) == "/api/" && path.size() > 5) {
    route = Route::Table;
    name = std::string(path.substr(5));
  } else {
    throw pr::QueryError("42P01", "unknown table", "PGRST205");
  }
  if (name.empty() || name.find('/') != std::string::npos || name.size() > 63 || !pr::is_clean_text(name))
    throw pr::QueryError(route == Route::Rpc ? "42883" : "42P01",
                         route == Route::Rpc ? "unknown function" : "unknown table");

  pr::Request req;
  if (method_name == "GET") req.method = pr::Method::Get;
  else if (method_name == "HEAD") req.method = pr::Method::Head;
  else if (method_name == "POST") req.method = pr::Method::Post;
  else if (method_name == "PATCH" && route == Route::Table) req.method = pr::Method::Patch;
  else if (method_name == "DELETE" && route == Route::Table) req.method = pr::Method::Delete;
  else throw pr::QueryError("22023", "method not allowed", "PGRST117");

  pr::Limits limits;
  if (auto m = header(headers, "x-tenantgate-max-rows")) {
    std::int64_t n = 0;
    bool ok = !m->empty() && m->size() < 12;
    for (char c : *m) ok = ok && c >= '0' && c <= '9';
    for (char c : *m) n = ok ? n * 10 + (c - '0') : n;
    if (ok && n > 0) limits.max_rows = n;
  }
  req.query = pr::parse_query(pr::split_query_string(query_string), limits, route == Route::Rpc);
  req.prefer = pr::parse_prefer(header(headers, "prefer").value_or(""));
  req.range = pr::parse_range(header(headers, "range").value_or(""), header(headers, "range-unit").value_or(""));
  req.accept = pr::parse_accept(header(headers, "accept").value_or(""));
  req.body = body;

  PgCatalog catalog(nsp, own);
  pr::Rendered rendered =
      route == Route::Rpc ? pr::render_rpc(name, req, catalog, limits) : pr::render_table(name, req, catalog, limits);
  Executed result = execute(rendered);

  // count=estimated: the exact count when the page is not full (it is then known), else planned.
  if (req.prefer.count == pr::Count::Estimated && result.page < rendered.limit && result.page > 0)
    result.total = rendered.offset + result.page;

  const bool read = req.method == pr::Method::Get || req.method == pr::Method::Head;
  if (rendered.single && result.page != 1)
    throw pr::QueryError("PT406", "JSON object requested, multiple (or no) rows returned", "PGRST116");

  std::string h = "{";
  auto add = [&](const char* key, const std::string& value) {
    if (h.size() > 1) h += ",";
    tg::core::json::append_string(h, key);
    h += ":";
    tg::core::json::append_string(h, value);
  };
  const char* content_type = req.accept == pr::Accept::Csv      ? "text/csv; charset=utf-8"
                             : req.accept == pr::Accept::Object ? "application/vnd.pgrst.object+json; charset=utf-8"
                                                                : "application/json; charset=utf-8";
  int status = 200;
  bool has_body = true;
  std::string total = result.total ? std::to_string(*result.total) : "*";
  if (read || route == Route::Rpc) {
    std::string range = result.page > 0
                            ? std::to_string(rendered.offset) + "-" + std::to_string(rendered.offset + result.page - 1)
                            : "*";
    add("Content-Range", range + "/" + total);
    if (result.total && *result.total > 0 && rendered.offset >= *result.total && result.page == 0)
      throw pr::QueryError("PT416", "requested range not satisfiable", "PGRST103");
    if (result.total && (rendered.offset > 0 || rendered.offset + result.page < *result.total)) status = 206;
    if (req.method == pr::Method::Head) has_body = false;
  } else {
    const bool minimal = req.prefer.ret == pr::Return::Minimal || req.prefer.ret == pr::Return::HeadersOnly;
    std::string range = result.page > 0 ? "0-" + std::to_string(result.page - 1) : "*";
    add("Content-Range", range + "/" + total);
    if (req.method == pr::Method::Post) {
      status = 201;
      has_body = !minimal;
      if (result.location && result.page == 1 && !rendered.pk.empty()) {
        // ["v1","v2"] → /table?pk1=eq.v1&pk2=eq.v2
        tg::core::json::Document doc =
            tg::core::json::parse_document(*result.location, tg::core::Reason::InvalidParameter, 4);
        std::string loc = "/" + percent_encode(rendered.relation_name);
        std::size_t k = 0;
        doc.root().for_each_element([&](const tg::core::json::Value& v) {
          if (k < rendered.pk.size())
            loc += (k == 0 ? "?" : "&") + percent_encode(rendered.pk[k]) + "=eq." + percent_encode(v.text());
          ++k;
        });
        add("Location", loc);
      }
    } else {
      status = minimal ? 204 : 200;
      has_body = !minimal;
    }
  }
  if (has_body) add("Content-Type", content_type);
  if (!req.prefer.applied.empty()) {
    std::string applied;
    for (const auto& a : req.prefer.applied) {
      if (route == Route::Rpc && a.rfind("count=", 0) != 0) continue;
      applied += (applied.empty() ? "" : ", ") + a;
    }
    if (!applied.empty()) add("Preference-Applied", applied);
  }
  h += "}";
  Answer answer{};
  answer.status = status;
  answer.headers = palloc_string(h);
  answer.body = has_body && result.body ? palloc_string(*result.body) : nullptr;
  return answer;
}

}  // namespace

// (method, host, token, path, query, request_headers jsonb, request_body) → (status, headers, body)
TG_PG_FUNCTION(tg_http_request) {
  for (int i : {0, 3})
    if (PG_ARGISNULL(i))
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid query"), errhidestmt(true)));
  if (PG_ARGISNULL(1)) ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("unknown tenant"), errhidestmt(true)));
  if (PG_ARGISNULL(2))
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION), errmsg("malformed token"), errhidestmt(true)));
  text* method = PG_GETARG_TEXT_PP(0);
  text* path = PG_GETARG_TEXT_PP(3);
  text* query = PG_ARGISNULL(4) ? nullptr : PG_GETARG_TEXT_PP(4);
  Jsonb* headers = PG_ARGISNULL(5) ? nullptr : PG_GETARG_JSONB_P(5);
  text* body = PG_ARGISNULL(6) ? nullptr : PG_GETARG_TEXT_PP(6);
  // The same C function as auth.authenticate(token, host): verifies, switches role and path.
  DirectFunctionCall2(tg_authenticate, PG_GETARG_DATUM(2), PG_GETARG_DATUM(1));

  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "return type must be a row type");
  desc = BlessTupleDesc(desc);

  QueryFailure failure{};
  bool failed = false;
  Answer answer = tg::pg::guarded([&]() -> Answer {
    try {
      std::optional<std::string> b;
      if (body != nullptr) b = std::string(tg::pg::view_of(body));
      return handle(tg::pg::view_of(method), tg::pg::view_of(path),
                    query == nullptr ? std::string_view() : tg::pg::view_of(query), headers, b);
    } catch (const pr::QueryError& e) {
      tg::pg::detail::copy_text(failure.sqlstate, sizeof failure.sqlstate, e.sqlstate());
      tg::pg::detail::copy_text(failure.message, sizeof failure.message, e.what());
      tg::pg::detail::copy_text(failure.pgrst_code, sizeof failure.pgrst_code, e.code());
      tg::pg::detail::copy_text(failure.hint, sizeof failure.hint, e.hint());
      failed = true;
      return Answer{};
    }
  });
  if (failed)
    tg::pg::detail::raise_error(failure.sqlstate, failure.message,
                                failure.pgrst_code[0] != '\0' ? failure.pgrst_code : nullptr, nullptr,
                                failure.hint[0] != '\0' ? failure.hint : nullptr);

  Datum values[3];
  bool nulls[3] = {false, false, false};
  values[0] = Int32GetDatum(answer.status);
  values[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(answer.headers));
  if (answer.body != nullptr) values[2] = CStringGetTextDatum(answer.body);
  else nulls[2] = true;
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

// auth._http_request_plans_prepared(): how many statements this backend has prepared (plan
// cache misses) — the regress test shows that one query shape is planned once.
TG_PG_FUNCTION(tg_http_request_plans_prepared) {
  (void)fcinfo;
  PG_RETURN_INT64(static_cast<int64>(plan_cache().prepared));
}
