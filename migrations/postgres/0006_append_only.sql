-- History is appended, never changed (issue 5), held twice over:
--
-- 1. Triggers refuse UPDATE and DELETE (each row) and TRUNCATE on the stored events, the
--    transparency log (leaves, subtree hashes, signed checkpoints), idempotency keys and
--    material uploads — for every role, the owner and superusers included, until the
--    owner disables them (which `ledger audit` against the signed checkpoints then
--    catches). The error is SQLSTATE 'AP001' (class AP, "append-only", not a standard
--    class), message '<table> is append-only: <UPDATE|DELETE|TRUNCATE> refused'.
--
-- 2. Privileges: the service runs as a LOGIN role that is a member of the NOLOGIN group
--    role `ledger_service`, which may only SELECT and INSERT those tables. The owner
--    (who runs `ledger migrate`) keeps DDL; the service cannot disable a trigger.
--
-- Each later migration grants `ledger_service` exactly what it needs on the tables it
-- creates (nothing here reaches them: no default privileges), and attaches
-- ledger_refuse_change() to those that are append-only.

CREATE FUNCTION ledger_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'AP001',
              HINT = 'History is corrected by appending, never by changing or removing rows.';
END
$$;
-- A trigger fires whatever the role; EXECUTE is only needed to attach it.
REVOKE EXECUTE ON FUNCTION ledger_refuse_change() FROM PUBLIC;

DO $$
DECLARE
    append_only text;
BEGIN
    FOREACH append_only IN ARRAY ARRAY['ledger_events', 'merkle_leaves', 'merkle_nodes',
                                       'checkpoints', 'idempotency_keys', 'materials']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()',
                       append_only || '_append_only', append_only);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()',
                       append_only || '_append_only_truncate', append_only);
    END LOOP;
END
$$;

-- PUBLIC has no table privileges by default; this states it, in case someone granted some.
REVOKE UPDATE, DELETE, TRUNCATE
    ON ledger_events, merkle_leaves, merkle_nodes, checkpoints, idempotency_keys, materials
    FROM PUBLIC;

-- Roles belong to the cluster, not to this database: create the group once, whichever
-- database migrates first (two at once: the loser sees a duplicate and goes on).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
        CREATE ROLE ledger_service NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- The library's append takes LOCK TABLE ledger_events IN EXCLUSIVE MODE (insert order =
-- commit order), and PostgreSQL grants that mode only to holders of UPDATE, DELETE or
-- TRUNCATE on the table. This function, running with its owner's rights, takes exactly
-- that lock in the caller's transaction and does nothing else; our recorder calls it
-- instead of LOCK TABLE.
CREATE FUNCTION ledger_lock_events() RETURNS void
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS 'LOCK TABLE public.ledger_events IN EXCLUSIVE MODE';
REVOKE EXECUTE ON FUNCTION ledger_lock_events() FROM PUBLIC;

-- Exactly what the service uses. Not schema_migrations: the owner migrates
-- (LEDGER_AUTO_MIGRATE=false for the service); not CONNECT or TEMP on the database.
GRANT USAGE ON SCHEMA public TO ledger_service;
GRANT SELECT, INSERT
    ON ledger_events, merkle_leaves, merkle_nodes, checkpoints, idempotency_keys, materials
    TO ledger_service;
GRANT USAGE, SELECT ON SEQUENCE ledger_events_notification_id_seq TO ledger_service;
GRANT EXECUTE ON FUNCTION ledger_lock_events() TO ledger_service;
-- The read models are replaced whole by the projection runner, with its position.
GRANT SELECT, INSERT, UPDATE, DELETE
    ON household_view, episode_view, gap_view, lookback_view, material_view,
       projection_tracking
    TO ledger_service;
-- Tokens are created and revoked (revoked_at is set).
GRANT SELECT, INSERT, UPDATE ON api_tokens TO ledger_service;
