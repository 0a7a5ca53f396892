-- Scopes that hold (issue 13, CONTRACT §7.1).
--
-- 1. An Idempotency-Key belongs to the token that used it: each token has its own keys,
--    so another token's key is never replayed to it and never refuses its append. Rows
--    written before this migration have token_id '' (owner not recorded then); the
--    service finds their owner in the `recorded_by` of the events they answered.
--    SQLite cannot change a primary key in place: the table is rebuilt (DROP TABLE fires
--    no DELETE trigger) and its append-only triggers are attached again.
CREATE TABLE idempotency_keys_by_token (
    idempotency_key TEXT NOT NULL,
    token_id TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    household_id TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (idempotency_key, token_id)
);
INSERT INTO idempotency_keys_by_token (idempotency_key, token_id, request_digest,
                                       household_id, response, created_at)
    SELECT idempotency_key, '', request_digest, household_id, response, created_at
    FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_by_token RENAME TO idempotency_keys;
CREATE TRIGGER idempotency_keys_append_only_update BEFORE UPDATE ON idempotency_keys
BEGIN
    SELECT RAISE(ABORT, 'idempotency_keys is append-only: UPDATE refused');
END;
CREATE TRIGGER idempotency_keys_append_only_delete BEFORE DELETE ON idempotency_keys
BEGIN
    SELECT RAISE(ABORT, 'idempotency_keys is append-only: DELETE refused');
END;

-- 2. Every upload of a material, by token: who may read a file depends on who uploaded
--    it (docs/decisions.md, "Who may read a trace material"), and each uploader is
--    answered with its own upload, never with another's file name. `materials` keeps
--    the first upload of the bytes; the uploads recorded there are carried over.
CREATE TABLE material_uploads (
    sha256 TEXT NOT NULL,
    token_id TEXT NOT NULL,
    division TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (sha256, token_id)
);
INSERT INTO material_uploads (sha256, token_id, division, file_name, media_type, uploaded_at)
    SELECT sha256, uploaded_by, uploader_division, file_name, media_type, uploaded_at
    FROM materials;
CREATE TRIGGER material_uploads_append_only_update BEFORE UPDATE ON material_uploads
BEGIN
    SELECT RAISE(ABORT, 'material_uploads is append-only: UPDATE refused');
END;
CREATE TRIGGER material_uploads_append_only_delete BEFORE DELETE ON material_uploads
BEGIN
    SELECT RAISE(ABORT, 'material_uploads is append-only: DELETE refused');
END;

-- 3. Material downloads are logged like other reads of personal data: the file a row
--    is about (NULL for the reads of households' records).
ALTER TABLE access_log ADD COLUMN material TEXT;
