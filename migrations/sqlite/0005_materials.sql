-- Trace materials (痕迹资料): the first upload of each file (the files themselves are in
-- LEDGER_MATERIALS_DIR, named by their SHA-256), and a read model of which households'
-- events cite which file, for deciding who may download it.
CREATE TABLE materials (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploader_division TEXT NOT NULL
);

CREATE TABLE material_view (
    sha256 TEXT NOT NULL,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    event_id TEXT NOT NULL
);
CREATE INDEX material_view_sha256 ON material_view (sha256, village_code);
CREATE INDEX material_view_household ON material_view (household_id);

-- The new view must cover events appended before it existed: forgetting the runner's
-- position makes it recompute every household (each is replaced whole, so the other
-- views come out the same).
DELETE FROM tracking WHERE application_name = 'ledger';
