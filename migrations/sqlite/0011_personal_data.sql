-- Contract v2 §7.3: personal values apart from the event log. Each event stores and hashes
-- a commitment in place of each personal field (a member's name, ID number and birth date,
-- an actor's, a recorder's and a material's name); the value and its 32-byte salt are kept
-- here, sealed (AES-256-GCM under LEDGER_PERSONAL_DATA_KEY, bound to the commitment), so
-- a copy of the database alone holds no name, ID number or birth date. Erasure empties a
-- row (sealed NULL, erased_at set): the commitment, and so every hash, stays valid.
-- A database holding events hashed by contract v1 is refused before this migration runs
-- (ledger/persistence/migrate.py).
CREATE TABLE personal_data (
    commitment TEXT PRIMARY KEY,
    household_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    pointer TEXT NOT NULL,
    member_id TEXT,
    sealed BLOB,
    erased_at TEXT
);
CREATE INDEX personal_data_household ON personal_data (household_id);

-- Evaluators' reads carry no personal value and are not in the access log; they are
-- counted per token and day, so an unusual volume shows.
CREATE TABLE evaluator_reads (
    token_id TEXT NOT NULL,
    day TEXT NOT NULL,
    reads INTEGER NOT NULL,
    PRIMARY KEY (token_id, day)
);

-- Erasure blanks a file name that carries an erased value: the uploads stay append-only
-- for every other column.
DROP TRIGGER material_uploads_append_only_update;
CREATE TRIGGER material_uploads_append_only_update
BEFORE UPDATE OF sha256, token_id, division, media_type, uploaded_at ON material_uploads
BEGIN
    SELECT RAISE(ABORT, 'material_uploads is append-only: UPDATE refused');
END;
DROP TRIGGER materials_append_only_update;
CREATE TRIGGER materials_append_only_update
BEFORE UPDATE OF sha256, size, media_type, uploaded_at, uploaded_by, uploader_division ON materials
BEGIN
    SELECT RAISE(ABORT, 'materials is append-only: UPDATE refused');
END;
