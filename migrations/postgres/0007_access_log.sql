-- The access log (CONTRACT §5: "reads of personal data are themselves logged"): one row
-- per household whose unmasked names and ID numbers a response carried — who (token and
-- role), which household (and its village, for admins' division scope), when, by which
-- endpoint. Append-only like the history (migration 0006): a log that can be edited
-- proves nothing.
CREATE TABLE access_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    token_id text NOT NULL,
    role text NOT NULL,
    household_id text NOT NULL,
    village_code text NOT NULL,
    endpoint text NOT NULL
);
CREATE INDEX access_log_household ON access_log (household_id, id);
CREATE INDEX access_log_token ON access_log (token_id, id);

-- Refused for every role, the owner and superusers included (ledger_refuse_change() and
-- SQLSTATE 'AP001' come from 0006).
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER access_log_append_only_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON access_log FROM PUBLIC;

-- The service records and admins query: exactly SELECT and INSERT, and the id sequence.
-- 0006 creates ledger_service; the guard keeps this migration working where the role
-- does not exist (a cluster that dropped it grants these by hand when it creates it again).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
        GRANT SELECT, INSERT ON access_log TO ledger_service;
        GRANT USAGE ON SEQUENCE access_log_id_seq TO ledger_service;
    END IF;
END
$$;
