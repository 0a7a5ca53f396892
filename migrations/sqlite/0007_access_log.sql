-- The access log (CONTRACT §5: "reads of personal data are themselves logged"): one row
-- per household whose unmasked names and ID numbers a response carried — who (token and
-- role), which household (and its village, for admins' division scope), when, by which
-- endpoint. Append-only like the history (migration 0006): a log that can be edited
-- proves nothing.
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    token_id TEXT NOT NULL,
    role TEXT NOT NULL,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    endpoint TEXT NOT NULL
);
CREATE INDEX access_log_household ON access_log (household_id, id);
CREATE INDEX access_log_token ON access_log (token_id, id);

CREATE TRIGGER access_log_append_only_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only: UPDATE refused');
END;
CREATE TRIGGER access_log_append_only_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only: DELETE refused');
END;
