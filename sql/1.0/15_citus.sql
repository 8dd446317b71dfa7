-- Citus schema-based sharding (docs/scale-out.md "Citus"): the tables a migration makes in a
-- distributed tenant schema become Citus tenant tables of that schema, or the migration fails
-- naming the table — never a local table left silently on the coordinator.
--
-- Citus converts a CREATE TABLE in a distributed schema only when the statement is top level;
-- migrations run through SPI (auth._run_migration), so their tables stay local unless converted
-- here. auth._run_migration (extension/pg/fn_tenants.cpp) calls these two around every
-- migration, as its caller (the extension owner: create_tenant and migrate are SECURITY
-- DEFINER; Citus opens its connections to the workers as that user), and only when Citus is
-- loaded and installed in the database (pg/citus.hpp): without Citus nothing here runs. Every
-- reference to Citus's catalogs and functions is dynamic SQL, so this file installs without Citus.
--
-- This file is also the 1.0 → 1.1 upgrade fragment sql/upgrade/1.0--1.1/30_citus.sql (a link to
-- it): it holds its own COMMENTs and grants, and only CREATEs what 1.0 does not have.

-- Before a migration: a distributed tenant schema with no table yet (a new tenant, or one whose
-- migrations made no table so far) is undistributed — nothing moves, it is empty — and true is
-- returned, so that auth._citus_distribute_new_tables distributes it again with every table the
-- migration made (citus_schema_distribute: one colocation group, foreign keys kept).
CREATE FUNCTION auth._citus_prepare_schema(schema_name text) RETURNS boolean
  LANGUAGE plpgsql VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    distributed boolean;
    has_tables boolean;
  BEGIN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_schema s WHERE s.schemaid OPERATOR(pg_catalog.=) $1::regnamespace)'
      INTO distributed USING pg_catalog.quote_ident(schema_name);
    IF NOT distributed THEN
      RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid'
            ' WHERE c.relnamespace OPERATOR(pg_catalog.=) $1::regnamespace)'
      INTO has_tables USING pg_catalog.quote_ident(schema_name);
    IF has_tables THEN
      RETURN false;
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_schema_undistribute($1::regnamespace)' USING pg_catalog.quote_ident(schema_name);
    RETURN true;
  END
  $$;

-- After a migration: the schema distributed again when _citus_prepare_schema undistributed it;
-- otherwise, in a distributed schema, each table the migration made (in creation order, so a
-- table is converted after the tables it references) becomes a single-shard table colocated
-- with the schema's other tables — what Citus itself makes of a top-level CREATE TABLE there.
-- A table Citus refuses, or any table still local afterwards, raises
-- local_table_in_distributed_schema naming it (with Citus's reason).
CREATE FUNCTION auth._citus_distribute_new_tables(schema_name text, redistribute boolean) RETURNS void
  LANGUAGE plpgsql VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    nsp regnamespace := pg_catalog.quote_ident(schema_name)::regnamespace;
    distributed boolean;
    sibling text;
    tbl regclass;
    msg text;
    local_tables constant text :=
      'SELECT c.oid::regclass FROM pg_catalog.pg_class c'
      ' WHERE c.relnamespace OPERATOR(pg_catalog.=) $1 AND c.relkind IN (''r'', ''p'') AND NOT c.relispartition'
      '   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) c.oid)'
      ' ORDER BY c.oid';
  BEGIN
    IF redistribute THEN
      BEGIN
        EXECUTE 'SELECT pg_catalog.citus_schema_distribute($1)' USING nsp;
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        PERFORM auth._raise('local_table_in_distributed_schema',
                            pg_catalog.format('schema %s: %s', nsp, msg));
      END;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_schema s WHERE s.schemaid OPERATOR(pg_catalog.=) $1)'
      INTO distributed USING nsp;
    IF NOT distributed THEN
      RETURN;
    END IF;
    EXECUTE 'SELECT p.logicalrelid::text FROM pg_catalog.pg_dist_partition p JOIN pg_catalog.pg_class c'
            ' ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid WHERE c.relnamespace OPERATOR(pg_catalog.=) $1'
            ' ORDER BY p.logicalrelid LIMIT 1'
      INTO sibling USING nsp;
    FOR tbl IN EXECUTE local_tables USING nsp LOOP
      IF sibling IS NULL THEN
        PERFORM auth._raise('local_table_in_distributed_schema', pg_catalog.format('%s', tbl));
      END IF;
      BEGIN
        EXECUTE 'SELECT pg_catalog.create_distributed_table($1, NULL, colocate_with => $2)' USING tbl, sibling;
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        PERFORM auth._raise('local_table_in_distributed_schema', pg_catalog.format('%s: %s', tbl, msg));
      END;
    END LOOP;
    -- Never silent: whatever is still local now is an error.
    FOR tbl IN EXECUTE local_tables USING nsp LOOP
      PERFORM auth._raise('local_table_in_distributed_schema', pg_catalog.format('%s', tbl));
    END LOOP;
  END
  $$;

REVOKE ALL ON FUNCTION auth._citus_prepare_schema(text), auth._citus_distribute_new_tables(text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION auth._citus_prepare_schema(text) IS 'Before a migration with Citus: undistributes a distributed tenant schema that has no table yet and returns true (it is distributed again after the migration). Internal.';
COMMENT ON FUNCTION auth._citus_distribute_new_tables(text, boolean) IS 'After a migration with Citus: makes the tables it created in a distributed tenant schema Citus tenant tables of that schema, or raises local_table_in_distributed_schema naming the table. Internal.';
