-- Every function of schema auth says what it does and who may call it (sql/1.0/95_comments.sql):
-- a function without a comment, or with one of more than one line, is listed here.
SELECT p.oid::regprocedure AS function_without_comment
  FROM pg_proc p
 WHERE p.pronamespace = 'auth'::regnamespace
   AND coalesce(obj_description(p.oid, 'pg_proc'), '') = ''
 ORDER BY p.oid::regprocedure::text;
SELECT p.oid::regprocedure AS function_with_multiline_comment
  FROM pg_proc p
 WHERE p.pronamespace = 'auth'::regnamespace
   AND obj_description(p.oid, 'pg_proc') LIKE E'%\n%'
 ORDER BY p.oid::regprocedure::text;
