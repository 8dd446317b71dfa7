-- Who may call what, as the grants say it: every function and table of schema auth with the roles
-- that hold EXECUTE (functions) or any privilege (tables), the owner left out. A new grant — above
-- all a new PUBLIC one — shows as a diff here and must be explained in review.
SELECT p.oid::regprocedure AS function,
       coalesce(string_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END, ', '
                           ORDER BY a.grantee <> 0, a.grantee::regrole::text), '-') AS execute
  FROM pg_proc p
  LEFT JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
         ON a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
 WHERE p.pronamespace = 'auth'::regnamespace
 GROUP BY p.oid
 ORDER BY p.oid::regprocedure::text;
SELECT c.oid::regclass AS relation,
       coalesce(string_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
                           || ':' || a.privilege_type, ', '), '-') AS privileges
  FROM pg_class c
  LEFT JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a ON a.grantee <> c.relowner
 WHERE c.relnamespace = 'auth'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S', 'p')
 GROUP BY c.oid
 ORDER BY c.oid::regclass::text;
