-- Read models kept by the projection runner, and its tracking position (the library's
-- single-row tracking table; its '__migration__' row marks the single-row layout).
CREATE TABLE tracking (
    application_name TEXT,
    notification_id INTEGER,
    PRIMARY KEY (application_name)
) WITHOUT ROWID;
INSERT INTO tracking VALUES ('__migration__', 1);

CREATE TABLE household_view (
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
CREATE INDEX household_view_village ON household_view (village_code, household_id);
CREATE INDEX household_view_status ON household_view (status, village_code);

CREATE TABLE episode_view (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    marking_event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (household_id, marking_event_id)
);
CREATE INDEX episode_view_village ON episode_view (village_code, kind);

CREATE TABLE gap_view (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    status TEXT NOT NULL,
    episode TEXT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    step TEXT,
    severity TEXT NOT NULL
);
CREATE INDEX gap_view_household ON gap_view (household_id);
CREATE INDEX gap_view_code ON gap_view (code, village_code, household_id);
CREATE INDEX gap_view_village ON gap_view (village_code, household_id);

CREATE TABLE lookback_view (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    active_from TEXT,
    active_until TEXT
);
CREATE INDEX lookback_view_household ON lookback_view (household_id);
CREATE INDEX lookback_view_code ON lookback_view (code, village_code, household_id);
CREATE INDEX lookback_view_village ON lookback_view (village_code, household_id);
