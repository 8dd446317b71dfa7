// Who may call what: every access decision tenantgate makes in C++ (the GRANTs in sql/1.0/*.sql
// are the other half; tests/regress/sql/grants.sql prints them all). Each capability below is
// one rule about one user:
//
//   current user  GetUserId(): the role whose privileges run right now — inside a SECURITY
//                 DEFINER function its owner. Judged for the token functions (auth.verify,
//                 auth.jwks, auth.authenticate: SECURITY INVOKER C functions, so the current user
//                 is their caller, and a SECURITY DEFINER wrapper vouches for its callers with its
//                 owner), for the statement a hook sees, and for the statistics/signal functions.
//   outer user    GetOuterUserId(): the role outside every SECURITY DEFINER frame — the login, or
//                 what SET ROLE or auth.authenticate made the transaction's role. Judged for the
//                 users/sessions/keys functions: they are SECURITY DEFINER (they own the rows), so
//                 their caller is the outer user.
//   session user  GetSessionUserId(): the login of the connection. Judged for what a connection
//                 may do whatever role it is in: the HTTP entry points (auth.http_*) and the
//                 restrictions on authenticator sessions (object_access.cpp).
//
// "Member" is is_member_of_role: NOINHERIT memberships count (the contract's authenticator is
// `CREATE ROLE app LOGIN NOINHERIT; GRANT tenantgate_authenticator TO app`, which never holds the
// group's privileges, so the client functions are EXECUTE-able by PUBLIC and check membership
// here), and a superuser is a member of every role.
//
// Admins are per database (sql/1.0/05_database_roles.sql): the admin of a database is a superuser,
// its owner, or a member of ITS admin role tenantgate_<role tag>_admin. The cluster-wide
// tenantgate_admin only carries the EXECUTE grants (every database's admin role is a member of
// it); the functions it may execute admit is_admin callers only, so a member of database A's
// admin role is refused by database B. The database owner is an admin of tenantgate's DATA in its
// database (is_admin: tenants, users, keys — the contract: "managing tenants, users and keys is
// for the database owner or a role given tenantgate_admin"), but not of tenantgate's ROLES
// (may_manage_tenantgate_roles): roles are shared by every database of the cluster, and owning
// one database says nothing about the tenant roles of another. So the two admin rules differ on
// purpose, and only in that. The client capabilities (token functions, HTTP sessions) still
// count the cluster-wide groups: they open nothing but the checks every client passes.
//
// Cost: every answer is cached per backend for the user it was asked for (one entry per
// capability) with the group role oids, and forgotten — like PostgreSQL's own membership cache —
// by syscache callbacks on pg_authid and pg_auth_members (and pg_database for the owner).
// A warm check makes no catalog access.
//
// Plain PostgreSQL code: the require_* functions ereport(ERROR, 42501); call them where no C++
// object with a destructor is alive (in a V1 body before guarded(), in a hook).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace tg::pg {

// Current user: a superuser or a member of tenantgate_authenticator, tenantgate_admin or
// tenantgate_tenant. Who may call auth.verify, auth.jwks, auth.authenticate.
bool may_use_token_functions();
// The same, else 42501 "permission denied for function <function_name>" (statement hidden).
void require_token_functions(const char* function_name);

// Outer user, the same rule: who may call login, refresh, logout, register
// (auth._require_client(fn)).
bool may_use_client_functions();

// Outer user: a superuser, the owner of the current database, or a member of this database's
// admin role (tenantgate_<role tag>_admin; the cluster-wide tenantgate_admin alone is not enough).
// Who may manage every tenant's users and the keys (auth._caller_is_user_admin()); a tenant
// admin's rights over its own tenant come from its authenticated transaction (checked in SQL).
bool is_admin();

// Current user, the is_admin rule (auth.sign: a SECURITY DEFINER login signs as the owner),
// else 42501 "permission denied for function <function_name>".
void require_admin_function(const char* function_name);

// This database's admin role (tenantgate_<role tag>_admin, sql/1.0/05_database_roles.sql):
// InvalidOid before the database has a role tag. Reads auth.config once per backend (SPI as
// the owner; call where SPI may run: a V1 body, a role-management statement's hook).
Oid database_admin_role();

// Current user: a superuser or a member of this database's admin role (not the database owner,
// see above). Who may grant, alter, rename or drop the protected roles (utility_hook.cpp).
bool may_manage_tenantgate_roles();

// Session user: a member of tenantgate_authenticator that is not a superuser. Such sessions
// may not read statistics or see or signal other sessions (object_access.cpp) — also when the
// login is a member of tenantgate_admin too.
bool is_authenticator_session();

// Session user: a superuser or a member of tenantgate_authenticator or tenantgate_admin, else
// 42501 "permission denied". Who may use the HTTP entry points that run before a token exists
// (auth._http_require_authenticator(), which they call first).
void require_authenticator_session();

// Current user holds the privileges of pg_read_all_stats / pg_signal_backend (object_access.cpp:
// what an authenticator session needs for statistics / for signalling backends).
bool may_read_all_stats();
bool may_signal_backends();

// Facts about a role (not the caller): the roles tenantgate protects (tenantgate_authenticator,
// tenantgate_admin, tenantgate_tenant, every tenant role, i.e. non-superuser members of
// tenantgate_tenant, and the admin role of every database: direct members of tenantgate_admin
// named tenantgate_<tag>_admin), and authenticator logins (non-superuser members of
// tenantgate_authenticator). InvalidOid: false.
bool is_protected_role(Oid role);
bool is_authenticator_login(Oid role);

// From _PG_init: the syscache callbacks that forget every cached answer.
void register_access_callbacks();

}  // namespace tg::pg
