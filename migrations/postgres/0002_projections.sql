-- Read models kept by the projection runner, and its tracking position (the library's
-- single-row tracking table; its '__migration__' row marks the single-row layout).
CREATE TABLE projection_tracking (
    application_name text,
    notification_id bigint,
    PRIMARY KEY (application_name)
);
INSERT INTO projection_tracking VALUES ('__migration__', 1);

CREATE TABLE household_view (
    household_id text PRIMARY KEY,
    village_code text NOT NULL,
    status text NOT NULL,
    monitoring_type text,
    category text NOT NULL,
    filed_card boolean NOT NULL,
    latest_income numeric,
    latest_survey_year integer,
    version integer NOT NULL,
    config_version text NOT NULL,
    violations integer NOT NULL
);
CREATE INDEX household_view_village ON household_view (village_code, household_id);
CREATE INDEX household_view_status ON household_view (status, village_code);

CREATE TABLE episode_view (
    household_id text NOT NULL,
    village_code text NOT NULL,
    marking_event_id text NOT NULL,
    kind text NOT NULL,
    PRIMARY KEY (household_id, marking_event_id)
);
CREATE INDEX episode_view_village ON episode_view (village_code, kind);

CREATE TABLE gap_view (
    household_id text NOT NULL,
    village_code text NOT NULL,
    status text NOT NULL,
    episode text NOT NULL,
    kind text NOT NULL,
    code text NOT NULL,
    step text,
    severity text NOT NULL
);
CREATE INDEX gap_view_household ON gap_view (household_id);
CREATE INDEX gap_view_code ON gap_view (code, village_code, household_id);
CREATE INDEX gap_view_village ON gap_view (village_code, household_id);

CREATE TABLE lookback_view (
    household_id text NOT NULL,
    village_code text NOT NULL,
    status text NOT NULL,
    code text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL,
    active_from date,
    active_until date
);
CREATE INDEX lookback_view_household ON lookback_view (household_id);
CREATE INDEX lookback_view_code ON lookback_view (code, village_code, household_id);
CREATE INDEX lookback_view_village ON lookback_view (village_code, household_id);
