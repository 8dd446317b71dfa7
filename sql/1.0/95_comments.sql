-- One line per function of schema auth: what it does, and who may call it. "Internal" functions
-- are EXECUTE-able by the extension owner only and called by the other auth functions; the
-- capability names are pg/access.hpp's, the grants are what tests/regress/sql/grants.sql prints.
-- tests/regress/sql/comments.sql fails when an auth function has no comment.

-- Errors (00_base.sql)
COMMENT ON FUNCTION auth._raise(text, text) IS 'Raises a row of the error table (core/error.hpp) by reason id: its SQLSTATE, message and the reason tag tenantgate:<id>. tenantgate_tenant and tenantgate_admin (it only raises).';
COMMENT ON FUNCTION auth._reasons() IS 'The error table: every reason id with its SQLSTATE, HTTP status, message and hint. tenantgate_admin and the owner.';

-- Versions (05_version.sql)
COMMENT ON FUNCTION auth.version() IS 'The loaded library''s version and the database''s (pg_extension); they differ until ALTER EXTENSION tenantgate UPDATE. tenantgate_admin and the owner.';

-- The roles of this database (05_database_roles.sql)
COMMENT ON FUNCTION auth._role_tag() IS 'This database''s role tag (auth.config), NULL until its roles are first needed. Internal.';
COMMENT ON FUNCTION auth._role_name(text, text, text) IS 'Every role name tenantgate makes: tg_<tag>_<slug>_<kind> (shortened with an md5 suffix past 63 bytes) or tenantgate_<tag>_admin. Internal.';
COMMENT ON FUNCTION auth._database_roles() IS 'Makes, when missing, the role tag and this database''s admin role (member of tenantgate_admin, SELECT on auth.config, a COMMENT naming the tag); returns its name. Internal.';
COMMENT ON FUNCTION auth._require_admin(text) IS '42501 permission denied for function <fn> unless the caller is_admin (superuser, database owner, member of this database''s admin role). Internal.';
COMMENT ON FUNCTION auth.admin_role() IS 'The name of this database''s admin role (made when missing): GRANT it to make a login an admin of this database only. EXECUTE for PUBLIC, admits is_admin only.';
COMMENT ON FUNCTION auth.cleanup_roles() IS 'Drops the tenantgate roles of role tags no existing database uses (left by DROP DATABASE); returns them. tenantgate_admin and superusers (SECURITY INVOKER: DROP ROLE''s own rules apply).';
COMMENT ON FUNCTION auth._drop_database_roles() IS 'DROP EXTENSION: hands the admin role''s objects to the database owner and drops this database''s tenantgate roles. Internal.';

-- Tenants (10_tenants.sql)
COMMENT ON FUNCTION auth._slug_is_valid(text) IS 'Whether a tenant slug follows the slug rules (core/host.cpp). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth._slug_is_reserved(text) IS 'Whether a slug is reserved (www, api, ...). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth._slug_for_host(text) IS 'Host name to tenant slug under tenantgate.base_domain, without asking whether the tenant exists. Internal.';
COMMENT ON FUNCTION auth._run_migration(text, text) IS 'Runs one migration''s SQL in a tenant schema as this database''s admin role inside a security-restricted operation. Internal.';
COMMENT ON FUNCTION auth._tenant_role_name(text, text) IS 'The staff or admin role name of a tenant in this database (auth._role_name with this database''s tag). Internal.';
COMMENT ON FUNCTION auth.tenant_for_host(text) IS 'The slug of the existing tenant a Host header names, else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth._active_tenant(text) IS 'The row of an active tenant by slug, else 42704 (unknown) or 42501 (inactive). Internal.';
COMMENT ON FUNCTION auth._migrate_tenant(bigint, text) IS 'Applies one tenant''s pending migrations in version order; returns how many. Internal.';
-- auth._citus_prepare_schema and auth._citus_distribute_new_tables are commented in 15_citus.sql
-- (that file is also the 1.0 → 1.1 upgrade fragment, so it carries its own comments).
COMMENT ON FUNCTION auth.create_tenant(text, text, text) IS 'Creates a tenant: its row, roles, schema (schema isolation), migrations and signing key. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.drop_tenant(text) IS 'Drops a tenant with its schema, roles, keys, users and sessions. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.set_tenant_active(text, boolean) IS 'Activates or deactivates a tenant (an inactive tenant''s tokens are refused). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.add_migration(text, text) IS 'Registers a migration (version, SQL) for every schema-isolation tenant. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.migrate(text) IS 'Applies pending migrations to every schema-isolation tenant (or one), each in its own subtransaction; returns the count. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.enable_tenant_rls(regclass) IS 'Makes a shared table tenant-scoped by auth.tenant_id() (row isolation). The table''s owner (SECURITY INVOKER), if tenantgate_admin or the owner.';

-- Keys and tokens (20_keys.sql)
COMMENT ON FUNCTION auth._keys_changed() IS 'Statement trigger on auth.keys and auth.tenants: every backend drops its key cache. Internal.';
COMMENT ON FUNCTION auth._key_cache_status() IS 'This backend''s key cache counters: lookups loaded, keys parsed, hits, flushes, evictions, entries kept. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth._key_from_material(text, text, text) IS 'Key material (PEM, JWK or secret) to the stored form and public JWK. Internal.';
COMMENT ON FUNCTION auth._key_generate(text, text) IS 'Generates a fresh key of an algorithm in the stored form. Internal.';
COMMENT ON FUNCTION auth._new_kid() IS 'A fresh random kid. Internal.';
COMMENT ON FUNCTION auth._jwks_keys(jsonb) IS 'The keys of a JWKS, all checked (all or none), in the stored form. Internal.';
COMMENT ON FUNCTION auth._lock_keys(text) IS 'Locks auth.keys for a key change, then raises 42704 unless the named tenant exists (NULL: a global key). Internal.';
COMMENT ON FUNCTION auth._signing_kid(text) IS 'The kid auth.sign uses for a tenant: its active signer, else the global one, else NULL. Internal.';
COMMENT ON FUNCTION auth.add_key(text, text, text, text) IS 'Stores a key (secret, PEM or JWK) for a tenant or globally. EXECUTE for PUBLIC, admits is_admin only (outer user: superuser, database owner, member of this database''s admin role).';
COMMENT ON FUNCTION auth.generate_key(text, text) IS 'Generates and stores a key for a tenant or globally; returns its kid. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.import_jwks(jsonb, text) IS 'Trusts an identity provider''s public keys (all of the set or none); returns how many. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.revoke_key(text, text) IS 'Revokes a tenant''s (or the global) key by kid; the newest remaining signer takes over. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.revoke_key(text) IS 'Revokes a key by kid (the contract''s one-argument form). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.jwks(text) IS 'The public keys (JWKS) of a tenant and the global ones. EXECUTE for PUBLIC, admits may_use_token_functions (current user: superuser or member of tenantgate_authenticator/admin/tenant).';
COMMENT ON FUNCTION auth.sign(jsonb, text) IS 'Signs arbitrary claims with a stored key (the contract''s form). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.sign(jsonb, text, text) IS 'Signs arbitrary claims with a stored key and a header typ. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.verify(text) IS 'Verifies a token with the stored keys and claim rules; returns its claims. EXECUTE for PUBLIC, admits may_use_token_functions (current user).';
COMMENT ON FUNCTION auth.verify(text, text, text) IS 'Verifies a token with a key and algorithm given by the caller; returns its claims. EXECUTE for PUBLIC, admits may_use_token_functions (current user).';
COMMENT ON FUNCTION auth.decode(text) IS 'Decodes a token''s header and payload WITHOUT verifying it (a debugging aid). tenantgate_admin and the owner.';

-- Users (40_users.sql)
COMMENT ON FUNCTION auth._hash_password(text) IS 'Hashes a password (scrypt, bounded parameters). Internal.';
COMMENT ON FUNCTION auth._verify_password(text, text) IS 'Checks a password against a stored hash (scrypt, PBKDF2, imported formats). Internal.';
COMMENT ON FUNCTION auth._password_needs_rehash(text) IS 'Whether a stored hash should be replaced by a fresh default one at the next login. Internal.';
COMMENT ON FUNCTION auth._burn_password_work(text) IS 'Does the work of one default password check (unknown users cost what known ones do). Internal.';
COMMENT ON FUNCTION auth._password_hash_format(text) IS 'The format name of a stored password hash. Internal.';
COMMENT ON FUNCTION auth._random_token(text) IS 'A random opaque token with a prefix (tgr_, tgp_). Internal.';
COMMENT ON FUNCTION auth._caller_is_user_admin() IS 'is_admin: the outer user is a superuser, the database owner or a member of this database''s admin role (pg/access.hpp). tenantgate_admin (the policies of auth.tenants and the migration tables call it).';
COMMENT ON FUNCTION auth._throttle_attempt(bigint, text, text) IS 'Charges one login attempt of (tenant, e-mail, client); false while locked out. Internal.';
COMMENT ON FUNCTION auth._throttle_forget(bigint, text, text) IS 'Forgets the throttle entry of (tenant, e-mail, client) after a successful login. Internal.';
COMMENT ON FUNCTION auth._throttle_reset(bigint, text) IS 'Forgets the throttle entries of (tenant, e-mail) for every client. Internal.';
COMMENT ON FUNCTION auth._throttle_status(bigint, text) IS 'What the login throttle holds for (tenant, e-mail), as jsonb. Internal.';
COMMENT ON FUNCTION auth._session_setting(text) IS 'access_ttl, refresh_ttl or reset_ttl in seconds. Internal.';
COMMENT ON FUNCTION auth._check_new_password(text) IS 'Raises 22023 unless a new password has 8 characters to 4096 bytes. Internal.';
COMMENT ON FUNCTION auth._require_client(text) IS 'may_use_client_functions, else 42501 (permission denied for function <fn>) unless the outer user is a superuser or a member of tenantgate_authenticator/admin/tenant (pg/access.hpp). Internal.';
COMMENT ON FUNCTION auth._check_email(text) IS 'Raises 22023 unless an e-mail may be stored (3 to 320 bytes, an @ after the first character, no white space or control character). Internal.';
COMMENT ON FUNCTION auth._throttle_admin_tenant(text, text) IS 'The tenant id of a (tenant, e-mail) whose login throttle the caller may read or lift, else an error. Internal.';
COMMENT ON FUNCTION auth._authenticated_user() IS 'The authenticated user''s row, else 28000 (not authenticated, token revoked). Internal.';
COMMENT ON FUNCTION auth._user_admin_tenant(text) IS 'The id of a tenant whose users the caller may manage (its tenant admin, or is_admin outside a tenant transaction), else an error. Internal.';
COMMENT ON FUNCTION auth.login_throttle_status(text, text) IS 'The login throttle of one e-mail of a tenant over all its clients. tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.unlock_login(text, text) IS 'Lifts a login lockout of one e-mail of a tenant for every client. tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.create_user(text, text, text, text, text) IS 'Creates a user of a tenant (password hashed, or an imported hash). EXECUTE for PUBLIC, admits is_admin and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.set_user_active(uuid, boolean) IS 'Activates or deactivates a user (deactivating revokes its sessions). tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.deactivate_user(uuid) IS 'Deactivates a user and revokes its sessions. tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.register(text, text, text) IS 'Sign-up of a staff user where the tenant allows it. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.me() IS 'The authenticated user: id, e-mail, role, tenant. Anybody (PUBLIC), after auth.authenticate.';

-- Sessions (50_sessions.sql)
COMMENT ON FUNCTION auth._revoke_family_autonomously(uuid, text) IS 'Commits the revocation of a refresh family in a background worker''s transaction and waits for it. Internal.';
COMMENT ON FUNCTION auth._token_hash(text) IS 'The SHA-256 under which an opaque token is stored. Internal.';
COMMENT ON FUNCTION auth._revoke_user_sessions(uuid, text, uuid) IS 'Revokes every refresh family of a user (but one). Internal.';
COMMENT ON FUNCTION auth._purge_expired() IS 'Housekeeping: deletes up to 100 expired rows per session table. Internal (the owner may run it).';
COMMENT ON FUNCTION auth._check_refresh_token(text, text) IS 'The caller check and the form check of a refresh token (28000 wrong token type / malformed token). Internal.';
COMMENT ON FUNCTION auth._issue_tokens(uuid, text, text, text, uuid) IS 'A new access token and refresh token of a refresh family. Internal.';
COMMENT ON FUNCTION auth.login(text, text, text, text) IS 'Logs a user in (throttled per tenant, e-mail, peer and stated client); returns access and refresh tokens. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.login(text, text, text) IS 'Logs a user in (the contract''s form: the client is the connection). EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.refresh(text) IS 'Rotates a refresh token into new tokens; a reused one revokes its family. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth._check_session(jsonb) IS 'The session check auth.authenticate runs for tokens of our own keys (revoked jti, family, user). Internal.';
COMMENT ON FUNCTION auth.logout(text) IS 'Revokes an access token and its refresh family. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.logout(text, text) IS 'auth.logout for the tenant a Host names (the HTTP shim''s form). EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.revoke_refresh_token(text) IS 'Ends a session by its refresh token (when the access token has expired). EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.change_password(text, text) IS 'The authenticated user changes its password; its other sessions are revoked. Anybody (PUBLIC), after auth.authenticate.';
COMMENT ON FUNCTION auth.start_password_reset(text, text) IS 'Starts a password reset; returns the reset token (NULL for an unknown e-mail). tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.reset_password(text, text) IS 'Uses a reset token once: sets the password, revokes every session, lifts a lockout. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';

-- Isolation (60_isolation.sql)
COMMENT ON FUNCTION auth.authenticate(text, text) IS 'Verifies an access token and switches this transaction to the tenant''s role and schema. EXECUTE for PUBLIC, admits may_use_token_functions (current user).';
COMMENT ON FUNCTION auth.claims() IS 'The claims of this transaction''s authenticated token, else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.uid() IS 'The authenticated user''s id (sub), else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.tenant() IS 'The authenticated tenant''s slug, else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.tenant_id() IS 'The authenticated tenant''s id, else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.role() IS 'The authenticated role kind (admin or staff), else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.audit() IS 'The DBA''s functions a tenant transaction could run with names resolved through another client''s search_path. tenantgate_admin and the owner.';

-- The HTTP shim's entry points (70_api.sql): each is one HTTP request.
COMMENT ON FUNCTION auth._http_require_authenticator() IS 'require_authenticator_session: 42501 unless the session user is a superuser or a member of tenantgate_authenticator or tenantgate_admin. PUBLIC (a check).';
COMMENT ON FUNCTION auth._http_tenant(text) IS 'The active tenant a Host names, else 42704/42501; checks the session first. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_login(text, text, text, text) IS 'POST /auth/login for the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth._http_check_token_tenant(text, text, text) IS 'Raises unless the Host names an active tenant and a refresh (tgr_) or reset (tgp_) token of it belongs to that tenant. Internal.';
COMMENT ON FUNCTION auth.http_refresh(text, text) IS 'POST /auth/refresh for the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_revoke_refresh_token(text, text) IS 'POST /auth/logout with a refresh token and no bearer. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_register(text, text, text) IS 'POST /auth/register for the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_jwks(text) IS 'GET /.well-known/jwks.json for the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_reset_password(text, text, text) IS 'POST /auth/password/reset with a reset token of the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_me(text, text) IS 'GET /auth/me. PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth.http_logout(text, text) IS 'POST /auth/logout with a bearer token. PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth.http_change_password(text, text, text, text) IS 'POST /auth/password (change it). PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth.http_start_password_reset(text, text, text) IS 'POST /auth/password/reset-request by the tenant''s admin. PUBLIC (does nothing before a valid token).';

-- The browser app's routes (74_http_web.sql)
COMMENT ON FUNCTION auth.http_tenant(text) IS 'GET /auth/tenant: slug and name of the Host''s active tenant (unknown or inactive: 42704). PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_users(text, text, text, uuid, jsonb) IS '/auth/users routes of the tenant''s admin (list, create, set_active, password_reset). PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth._web_users(text, uuid, jsonb) IS 'The user management of auth.http_users on the authenticated tenant''s users. PUBLIC (runs after auth.authenticate; admits the tenant''s admin only).';

-- The /api language (72_http_request.sql)
COMMENT ON FUNCTION auth.http_request(text, text, text, text, text, jsonb, text) IS 'One PostgREST-compatible request (/api/<table>, /api/rpc/<fn>, /api/): authenticates like auth.authenticate, runs one statement planned once per query shape, answers status, headers and body. PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth._http_request_plans_prepared() IS 'How many statements this connection has prepared for auth.http_request (its plan cache misses). PUBLIC (reads only this backend''s counter).';

-- The token cache (55_token_cache.sql)
COMMENT ON FUNCTION auth._token_cache_invalidate() IS 'Trigger: a committed change of a table that can revoke a token (revocations, refresh families, users) drops every backend''s token cache. Internal.';
COMMENT ON FUNCTION auth._token_cache_status() IS 'This backend''s token cache: entries, capacity, hits, misses. tenantgate_admin and the owner.';
