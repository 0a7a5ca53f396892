-- The log in C2SP form (CONTRACT §7.4): each checkpoint also as a signed note, with the
-- log's own note signature, and the witnesses' cosignatures gathered for it. Both are
-- appended, never changed.
CREATE TABLE log_notes (
    tree_size INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    root_hash TEXT NOT NULL,  -- hex
    note TEXT NOT NULL,  -- the signed note as the log signed it (its own signature only)
    signed_at TEXT NOT NULL
);

CREATE TABLE log_cosignatures (
    tree_size INTEGER NOT NULL REFERENCES log_notes (tree_size),
    witness TEXT NOT NULL,  -- the cosigner's key name
    key_id TEXT NOT NULL,  -- hex
    line TEXT NOT NULL,  -- the signature line as the witness answered it
    cosigned_at INTEGER NOT NULL,  -- the cosignature's POSIX timestamp
    PRIMARY KEY (tree_size, witness, key_id)
);

CREATE INDEX log_cosignatures_witness_idx ON log_cosignatures (witness, key_id, tree_size);

CREATE TRIGGER log_notes_append_only_update BEFORE UPDATE ON log_notes
BEGIN
    SELECT RAISE(ABORT, 'log_notes is append-only: UPDATE refused');
END;
CREATE TRIGGER log_notes_append_only_delete BEFORE DELETE ON log_notes
BEGIN
    SELECT RAISE(ABORT, 'log_notes is append-only: DELETE refused');
END;
CREATE TRIGGER log_cosignatures_append_only_update BEFORE UPDATE ON log_cosignatures
BEGIN
    SELECT RAISE(ABORT, 'log_cosignatures is append-only: UPDATE refused');
END;
CREATE TRIGGER log_cosignatures_append_only_delete BEFORE DELETE ON log_cosignatures
BEGIN
    SELECT RAISE(ABORT, 'log_cosignatures is append-only: DELETE refused');
END;
