-- Data-quality findings and formalism signals (CONTRACT §7.5, issue 17), in both sets of
-- read models (blue: no suffix, green: _green). Existing ledgers get them filled by
-- `ledger projections rebuild` after upgrading: until then the new lists are empty.
--
-- Per household, replaced whole with its other rows:
--   finding_view   its findings judged on its own events (and opened personal values)
--   fact_view      what cross-household checks group by: an ID number's keyed index,
--                  a survey's per-capita income by village and year, an elimination by
--                  actor and date, a free text's hash, a cited file, a village's triggers
--                  and enrolments
-- Per group of facts (kind, key), recomputed in the same transaction as any change to the
-- group's facts:
--   derived_finding_view   findings of a group's households (a duplicate person, an
--                          income outlier)
--   signal_view            formalism signals; signal_household_view their households
--                          (a division's list finds them by village code); both keep
--                          the group that gave them (group_kind, group_key: a signal's
--                          own key may differ), to be replaced with it
-- A finding table's household index holds the columns a list filters on: a county's
-- first page is read in household order from the index alone, stopping at the page.
-- Gaps get their explanations (detail, and detail_zh in Chinese); look-back candidates
-- their Chinese one.
CREATE TABLE finding_view (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT NOT NULL,
    rule TEXT NOT NULL,
    detail TEXT NOT NULL,
    detail_zh TEXT NOT NULL,
    events TEXT NOT NULL,
    active_from TEXT,
    active_until TEXT
);
CREATE INDEX finding_view_household
    ON finding_view (household_id, village_code, code, active_from, active_until);
CREATE INDEX finding_view_code ON finding_view (code, village_code, household_id);
CREATE INDEX finding_view_village ON finding_view (village_code, household_id);

CREATE TABLE fact_view (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    day TEXT,
    event_id TEXT NOT NULL
);
CREATE INDEX fact_view_group ON fact_view (kind, key);
CREATE INDEX fact_view_household ON fact_view (household_id);

CREATE TABLE derived_finding_view (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    code TEXT NOT NULL,
    rule TEXT NOT NULL,
    detail TEXT NOT NULL,
    detail_zh TEXT NOT NULL,
    events TEXT NOT NULL,
    active_from TEXT,
    active_until TEXT
);
CREATE INDEX derived_finding_view_group ON derived_finding_view (kind, key);
CREATE INDEX derived_finding_view_household
    ON derived_finding_view (household_id, village_code, code, active_from, active_until);
CREATE INDEX derived_finding_view_code
    ON derived_finding_view (code, village_code, household_id);
CREATE INDEX derived_finding_view_village ON derived_finding_view (village_code, household_id);

CREATE TABLE signal_view (
    group_kind TEXT NOT NULL,
    group_key TEXT NOT NULL,
    code TEXT NOT NULL,
    key TEXT NOT NULL,
    division TEXT NOT NULL,
    detail TEXT NOT NULL,
    detail_zh TEXT NOT NULL,
    households TEXT NOT NULL,
    events TEXT NOT NULL,
    active_from TEXT,
    active_until TEXT,
    PRIMARY KEY (group_kind, group_key, code, key)
);
CREATE INDEX signal_view_code ON signal_view (code, key);

CREATE TABLE signal_household_view (
    group_kind TEXT NOT NULL,
    group_key TEXT NOT NULL,
    code TEXT NOT NULL,
    key TEXT NOT NULL,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    PRIMARY KEY (group_kind, group_key, code, key, household_id)
);
CREATE INDEX signal_household_view_village
    ON signal_household_view (village_code, code, key);
CREATE INDEX signal_household_view_signal
    ON signal_household_view (code, key, village_code);

CREATE TABLE finding_view_green (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT NOT NULL,
    rule TEXT NOT NULL,
    detail TEXT NOT NULL,
    detail_zh TEXT NOT NULL,
    events TEXT NOT NULL,
    active_from TEXT,
    active_until TEXT
);
CREATE INDEX finding_view_green_household
    ON finding_view_green (household_id, village_code, code, active_from, active_until);
CREATE INDEX finding_view_green_code ON finding_view_green (code, village_code, household_id);
CREATE INDEX finding_view_green_village ON finding_view_green (village_code, household_id);

CREATE TABLE fact_view_green (
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    day TEXT,
    event_id TEXT NOT NULL
);
CREATE INDEX fact_view_green_group ON fact_view_green (kind, key);
CREATE INDEX fact_view_green_household ON fact_view_green (household_id);

CREATE TABLE derived_finding_view_green (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    code TEXT NOT NULL,
    rule TEXT NOT NULL,
    detail TEXT NOT NULL,
    detail_zh TEXT NOT NULL,
    events TEXT NOT NULL,
    active_from TEXT,
    active_until TEXT
);
CREATE INDEX derived_finding_view_green_group ON derived_finding_view_green (kind, key);
CREATE INDEX derived_finding_view_green_household
    ON derived_finding_view_green (household_id, village_code, code, active_from, active_until);
CREATE INDEX derived_finding_view_green_code
    ON derived_finding_view_green (code, village_code, household_id);
CREATE INDEX derived_finding_view_green_village ON derived_finding_view_green (village_code, household_id);

CREATE TABLE signal_view_green (
    group_kind TEXT NOT NULL,
    group_key TEXT NOT NULL,
    code TEXT NOT NULL,
    key TEXT NOT NULL,
    division TEXT NOT NULL,
    detail TEXT NOT NULL,
    detail_zh TEXT NOT NULL,
    households TEXT NOT NULL,
    events TEXT NOT NULL,
    active_from TEXT,
    active_until TEXT,
    PRIMARY KEY (group_kind, group_key, code, key)
);
CREATE INDEX signal_view_green_code ON signal_view_green (code, key);

CREATE TABLE signal_household_view_green (
    group_kind TEXT NOT NULL,
    group_key TEXT NOT NULL,
    code TEXT NOT NULL,
    key TEXT NOT NULL,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    PRIMARY KEY (group_kind, group_key, code, key, household_id)
);
CREATE INDEX signal_household_view_green_village
    ON signal_household_view_green (village_code, code, key);
CREATE INDEX signal_household_view_green_signal
    ON signal_household_view_green (code, key, village_code);

ALTER TABLE gap_view ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE gap_view ADD COLUMN detail_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE gap_view_green ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE gap_view_green ADD COLUMN detail_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE lookback_view ADD COLUMN detail_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE lookback_view_green ADD COLUMN detail_zh TEXT NOT NULL DEFAULT '';
