-- Trace materials (痕迹资料): the first upload of each file (the files themselves are in
-- LEDGER_MATERIALS_DIR, named by their SHA-256), and a read model of which households'
-- events cite which file, for deciding who may download it.
CREATE TABLE materials (
    sha256 text PRIMARY KEY,
    size bigint NOT NULL,
    media_type text NOT NULL,
    file_name text NOT NULL,
    uploaded_at timestamptz NOT NULL,
    uploaded_by text NOT NULL,
    uploader_division text NOT NULL
);

CREATE TABLE material_view (
    sha256 text NOT NULL,
    household_id text NOT NULL,
    village_code text NOT NULL,
    event_id text NOT NULL
);
CREATE INDEX material_view_sha256 ON material_view (sha256, village_code);
CREATE INDEX material_view_household ON material_view (household_id);

-- The new view must cover events appended before it existed: forgetting the runner's
-- position makes it recompute every household (each is replaced whole, so the other
-- views come out the same).
DELETE FROM projection_tracking WHERE application_name = 'ledger';
