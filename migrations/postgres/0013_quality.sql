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
    household_id text NOT NULL,
    village_code text NOT NULL,
    status text NOT NULL,
    code text NOT NULL,
    rule text NOT NULL,
    detail text NOT NULL,
    detail_zh text NOT NULL,
    events text NOT NULL,
    active_from date,
    active_until date
);
CREATE INDEX finding_view_household
    ON finding_view (household_id, village_code, code, active_from, active_until);
CREATE INDEX finding_view_code ON finding_view (code, village_code, household_id);
CREATE INDEX finding_view_village ON finding_view (village_code, household_id);

CREATE TABLE fact_view (
    household_id text NOT NULL,
    village_code text NOT NULL,
    kind text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    day date,
    event_id text NOT NULL
);
CREATE INDEX fact_view_group ON fact_view (kind, key);
CREATE INDEX fact_view_household ON fact_view (household_id);

CREATE TABLE derived_finding_view (
    kind text NOT NULL,
    key text NOT NULL,
    household_id text NOT NULL,
    village_code text NOT NULL,
    code text NOT NULL,
    rule text NOT NULL,
    detail text NOT NULL,
    detail_zh text NOT NULL,
    events text NOT NULL,
    active_from date,
    active_until date
);
CREATE INDEX derived_finding_view_group ON derived_finding_view (kind, key);
CREATE INDEX derived_finding_view_household
    ON derived_finding_view (household_id, village_code, code, active_from, active_until);
CREATE INDEX derived_finding_view_code
    ON derived_finding_view (code, village_code, household_id);
CREATE INDEX derived_finding_view_village ON derived_finding_view (village_code, household_id);

CREATE TABLE signal_view (
    group_kind text NOT NULL,
    group_key text NOT NULL,
    code text NOT NULL,
    key text NOT NULL,
    division text NOT NULL,
    detail text NOT NULL,
    detail_zh text NOT NULL,
    households text NOT NULL,
    events text NOT NULL,
    active_from date,
    active_until date,
    PRIMARY KEY (group_kind, group_key, code, key)
);
CREATE INDEX signal_view_code ON signal_view (code, key);

CREATE TABLE signal_household_view (
    group_kind text NOT NULL,
    group_key text NOT NULL,
    code text NOT NULL,
    key text NOT NULL,
    household_id text NOT NULL,
    village_code text NOT NULL,
    PRIMARY KEY (group_kind, group_key, code, key, household_id)
);
CREATE INDEX signal_household_view_village
    ON signal_household_view (village_code, code, key);
CREATE INDEX signal_household_view_signal
    ON signal_household_view (code, key, village_code);

CREATE TABLE finding_view_green (LIKE finding_view INCLUDING ALL);
CREATE TABLE fact_view_green (LIKE fact_view INCLUDING ALL);
CREATE TABLE derived_finding_view_green (LIKE derived_finding_view INCLUDING ALL);
CREATE TABLE signal_view_green (LIKE signal_view INCLUDING ALL);
CREATE TABLE signal_household_view_green (LIKE signal_household_view INCLUDING ALL);

ALTER TABLE gap_view ADD COLUMN detail text NOT NULL DEFAULT '';
ALTER TABLE gap_view ADD COLUMN detail_zh text NOT NULL DEFAULT '';
ALTER TABLE gap_view_green ADD COLUMN detail text NOT NULL DEFAULT '';
ALTER TABLE gap_view_green ADD COLUMN detail_zh text NOT NULL DEFAULT '';
ALTER TABLE lookback_view ADD COLUMN detail_zh text NOT NULL DEFAULT '';
ALTER TABLE lookback_view_green ADD COLUMN detail_zh text NOT NULL DEFAULT '';

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE
            ON finding_view, fact_view, derived_finding_view, signal_view,
               signal_household_view, finding_view_green, fact_view_green,
               derived_finding_view_green, signal_view_green, signal_household_view_green
            TO ledger_service;
    END IF;
END
$$;
