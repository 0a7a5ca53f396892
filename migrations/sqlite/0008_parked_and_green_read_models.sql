-- A read side that never goes dark (CONTRACT §7.1, issue 13):
--
-- 1. Two sets of read-model tables, "blue" (the tables of 0002-0005) and "green" (the
--    same with the suffix _green), and a one-row switch saying which set lists read. A
--    rebuild fills the other set beside the live one, catches it up with the log, and
--    switches in one transaction; lists answer from the live set meanwhile. Each set
--    keeps its own tracking position: application 'ledger' (blue), 'ledger/green'.
--    A later migration that changes a view changes both sets.
-- 2. Households whose rules raise are parked per set: their rows keep their last good
--    state; the household, the log position of its newest event when parked, the
--    stream version, the error and since when are listed here (GET /v1/admin/parked).
CREATE TABLE read_models (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    live TEXT NOT NULL CHECK (live IN ('blue', 'green')),
    switched_at TEXT
);
INSERT INTO read_models (id, live) VALUES (1, 'blue');

CREATE TABLE parked_households (
    read_models TEXT NOT NULL CHECK (read_models IN ('blue', 'green')),
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    position INTEGER NOT NULL,
    version INTEGER NOT NULL,
    error TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (read_models, household_id)
) WITHOUT ROWID;
CREATE INDEX parked_households_village
    ON parked_households (read_models, village_code, household_id);

CREATE TABLE household_view_green (
    household_id TEXT PRIMARY KEY,
    village_code TEXT NOT NULL,
    status TEXT NOT NULL,
    monitoring_type TEXT,
    category TEXT NOT NULL,
    filed_card INTEGER NOT NULL,
    latest_income TEXT,
    latest_survey_year INTEGER,
    version INTEGER NOT NULL,
    config_version TEXT NOT NULL,
    violations INTEGER NOT NULL
);
CREATE INDEX household_view_green_village ON household_view_green (village_code, household_id);
CREATE INDEX household_view_green_status ON household_view_green (status, village_code);
CREATE INDEX household_view_green_village_status_type
    ON household_view_green (village_code, status, monitoring_type);

CREATE TABLE episode_view_green (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    marking_event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (household_id, marking_event_id)
);
CREATE INDEX episode_view_green_village ON episode_view_green (village_code, kind);

CREATE TABLE gap_view_green (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    status TEXT NOT NULL,
    episode TEXT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    step TEXT,
    severity TEXT NOT NULL
);
CREATE INDEX gap_view_green_household ON gap_view_green (household_id);
CREATE INDEX gap_view_green_code ON gap_view_green (code, village_code, household_id);
CREATE INDEX gap_view_green_village ON gap_view_green (village_code, household_id);

CREATE TABLE lookback_view_green (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    active_from TEXT,
    active_until TEXT
);
CREATE INDEX lookback_view_green_household ON lookback_view_green (household_id);
CREATE INDEX lookback_view_green_code ON lookback_view_green (code, village_code, household_id);
CREATE INDEX lookback_view_green_village ON lookback_view_green (village_code, household_id);
CREATE INDEX lookback_view_green_village_window
    ON lookback_view_green (village_code, household_id, active_from, active_until);

CREATE TABLE material_view_green (
    sha256 TEXT NOT NULL,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    event_id TEXT NOT NULL
);
CREATE INDEX material_view_green_sha256 ON material_view_green (sha256, village_code);
CREATE INDEX material_view_green_household ON material_view_green (household_id);
