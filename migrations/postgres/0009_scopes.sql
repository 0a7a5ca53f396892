-- Scopes that hold (issue 13, CONTRACT §7.1).
--
-- 1. An Idempotency-Key belongs to the token that used it: each token has its own keys,
--    so another token's key is never replayed to it and never refuses its append. Rows
--    written before this migration have token_id '' (owner not recorded then); the
--    service finds their owner in the `recorded_by` of the events they answered. Adding
--    a column with a constant default rewrites no row: no append-only trigger fires.
ALTER TABLE idempotency_keys ADD COLUMN token_id text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ALTER COLUMN token_id DROP DEFAULT;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (idempotency_key, token_id);

-- 2. Every upload of a material, by token: who may read a file depends on who uploaded
--    it (docs/decisions.md, "Who may read a trace material"), and each uploader is
--    answered with its own upload, never with another's file name. `materials` keeps
--    the first upload of the bytes; the uploads recorded there are carried over.
CREATE TABLE material_uploads (
    sha256 text NOT NULL,
    token_id text NOT NULL,
    division text NOT NULL,
    file_name text NOT NULL,
    media_type text NOT NULL,
    uploaded_at timestamptz NOT NULL,
    PRIMARY KEY (sha256, token_id)
);
INSERT INTO material_uploads (sha256, token_id, division, file_name, media_type, uploaded_at)
    SELECT sha256, uploaded_by, uploader_division, file_name, media_type, uploaded_at
    FROM materials;
CREATE TRIGGER material_uploads_append_only BEFORE UPDATE OR DELETE ON material_uploads
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER material_uploads_append_only_truncate BEFORE TRUNCATE ON material_uploads
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON material_uploads FROM PUBLIC;

-- 3. Material downloads are logged like other reads of personal data: the file a row
--    is about (NULL for the reads of households' records).
ALTER TABLE access_log ADD COLUMN material text;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
        GRANT SELECT, INSERT ON material_uploads TO ledger_service;
    END IF;
END
$$;
