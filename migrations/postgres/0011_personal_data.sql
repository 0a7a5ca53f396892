-- Contract v2 §7.3: personal values apart from the event log. Each event stores and hashes
-- a commitment in place of each personal field (a member's name, ID number and birth date,
-- an actor's, a recorder's and a material's name); the value and its 32-byte salt are kept
-- here, sealed (AES-256-GCM under LEDGER_PERSONAL_DATA_KEY, bound to the commitment), so
-- a copy of the database alone holds no name, ID number or birth date. Erasure empties a
-- row (sealed NULL, erased_at set): the commitment, and so every hash, stays valid.
-- A database holding events hashed by contract v1 is refused before this migration runs
-- (ledger/persistence/migrate.py).
CREATE TABLE personal_data (
    commitment text PRIMARY KEY,
    household_id text NOT NULL,
    event_id text NOT NULL,
    pointer text NOT NULL,
    member_id text,
    sealed bytea,
    erased_at timestamptz
);
CREATE INDEX personal_data_household ON personal_data (household_id);

-- Evaluators' reads carry no personal value and are not in the access log; they are
-- counted per token and day, so an unusual volume shows.
CREATE TABLE evaluator_reads (
    token_id text NOT NULL,
    day date NOT NULL,
    reads bigint NOT NULL,
    PRIMARY KEY (token_id, day)
);

-- Erasure blanks a file name that carries an erased value: the uploads stay append-only
-- for every other column.
DROP TRIGGER material_uploads_append_only ON material_uploads;
CREATE TRIGGER material_uploads_append_only_delete BEFORE DELETE ON material_uploads
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER material_uploads_append_only
    BEFORE UPDATE OF sha256, token_id, division, media_type, uploaded_at ON material_uploads
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
DROP TRIGGER materials_append_only ON materials;
CREATE TRIGGER materials_append_only_delete BEFORE DELETE ON materials
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER materials_append_only
    BEFORE UPDATE OF sha256, size, media_type, uploaded_at, uploaded_by, uploader_division
    ON materials FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
        GRANT SELECT, INSERT, UPDATE ON personal_data TO ledger_service;
        GRANT SELECT, INSERT, UPDATE ON evaluator_reads TO ledger_service;
        GRANT UPDATE (file_name) ON material_uploads, materials TO ledger_service;
    END IF;
END
$$;
