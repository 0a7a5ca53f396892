-- The log in C2SP form (CONTRACT §7.4): each checkpoint also as a signed note, with the
-- log's own note signature, and the witnesses' cosignatures gathered for it. Both are
-- appended, never changed.
CREATE TABLE log_notes (
    tree_size bigint PRIMARY KEY,
    origin text NOT NULL,
    root_hash text NOT NULL,  -- hex
    note text NOT NULL,  -- the signed note as the log signed it (its own signature only)
    signed_at text NOT NULL
);

CREATE TABLE log_cosignatures (
    tree_size bigint NOT NULL REFERENCES log_notes (tree_size),
    witness text NOT NULL,  -- the cosigner's key name
    key_id text NOT NULL,  -- hex
    line text NOT NULL,  -- the signature line as the witness answered it
    cosigned_at bigint NOT NULL,  -- the cosignature's POSIX timestamp
    PRIMARY KEY (tree_size, witness, key_id)
);

CREATE INDEX log_cosignatures_witness_idx ON log_cosignatures (witness, key_id, tree_size);

CREATE TRIGGER log_notes_append_only BEFORE UPDATE OR DELETE ON log_notes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER log_notes_append_only_truncate BEFORE TRUNCATE ON log_notes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER log_cosignatures_append_only BEFORE UPDATE OR DELETE ON log_cosignatures
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER log_cosignatures_append_only_truncate BEFORE TRUNCATE ON log_cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
        GRANT SELECT, INSERT ON log_notes, log_cosignatures TO ledger_service;
    END IF;
END
$$;
