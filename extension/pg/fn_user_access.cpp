// Who is calling the users/sessions functions. They are SECURITY DEFINER (they own the rows),
// so GetUserId() inside them is the extension owner; the caller is GetOuterUserId() — the role
// the statement runs as outside every SECURITY DEFINER frame (after auth.authenticate: the
// tenant role it switched to). Plain PostgreSQL code: no C++ object lives here.
#include "pg/guard.hpp"

extern "C" {
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
}

namespace {

bool member_of(Oid user, const char* role_name) {
  Oid role = get_role_oid(role_name, true);
  return OidIsValid(role) && is_member_of_role(user, role);
}

}  // namespace

// auth._caller_is_client() RETURNS boolean — may call login/refresh/logout/register: a member
// (NOINHERIT ones too) of tenantgate_authenticator, tenantgate_admin or tenantgate_tenant, or a
// superuser. The functions are EXECUTE-able by PUBLIC because NOINHERIT members do not hold
// their group's grants (docs/requests-tenants.md §2); this is the real check.
TG_PG_FUNCTION(tg_caller_is_client) {
  Oid user = GetOuterUserId();
  PG_RETURN_BOOL(superuser_arg(user) || member_of(user, "tenantgate_authenticator") ||
                 member_of(user, "tenantgate_admin") || member_of(user, "tenantgate_tenant"));
}

// auth._caller_is_user_admin() RETURNS boolean — may manage every tenant's users: a superuser,
// the database owner, or a member of tenantgate_admin. (A tenant admin's rights come from its
// authenticated transaction and are checked in SQL.)
TG_PG_FUNCTION(tg_caller_is_user_admin) {
  Oid user = GetOuterUserId();
  PG_RETURN_BOOL(superuser_arg(user) || pg_database_ownercheck(MyDatabaseId, user) ||
                 member_of(user, "tenantgate_admin"));
}
