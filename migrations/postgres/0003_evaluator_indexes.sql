-- Covering indexes for the evaluators' county-wide questions, chosen by measurement at
-- 100k households (docs/performance.md): the summary's status × type counts and the
-- look-back list's reference-date window are answered from the index alone.
CREATE INDEX household_view_village_status_type
    ON household_view (village_code, status, monitoring_type);
CREATE INDEX lookback_view_village_window
    ON lookback_view (village_code, household_id, active_from, active_until);
