-- A read side that never goes dark (CONTRACT §7.1, issue 13):
--
-- 1. Two sets of read-model tables, "blue" (the tables of 0002-0005) and "green" (the
--    same with the suffix _green, made LIKE them: columns, constraints and indexes), and
--    a one-row switch saying which set lists read. A rebuild fills the other set beside
--    the live one, catches it up with the log, and switches in one transaction; lists
--    answer from the live set meanwhile. Each set keeps its own tracking position:
--    application 'ledger' (blue), 'ledger/green'. A later migration that changes a view
--    changes both sets.
-- 2. Households whose rules raise are parked per set: their rows keep their last good
--    state; the household, the log position of its newest event when parked, the
--    stream version, the error and since when are listed here (GET /v1/admin/parked).
CREATE TABLE read_models (
    id integer PRIMARY KEY CHECK (id = 1),
    live text NOT NULL CHECK (live IN ('blue', 'green')),
    switched_at timestamptz
);
INSERT INTO read_models (id, live) VALUES (1, 'blue');

CREATE TABLE parked_households (
    read_models text NOT NULL CHECK (read_models IN ('blue', 'green')),
    household_id text NOT NULL,
    village_code text NOT NULL,
    position bigint NOT NULL,
    version integer NOT NULL,
    error text NOT NULL,
    since timestamptz NOT NULL,
    PRIMARY KEY (read_models, household_id)
);
CREATE INDEX parked_households_village
    ON parked_households (read_models, village_code, household_id);

CREATE TABLE household_view_green (LIKE household_view INCLUDING ALL);
CREATE TABLE episode_view_green (LIKE episode_view INCLUDING ALL);
CREATE TABLE gap_view_green (LIKE gap_view INCLUDING ALL);
CREATE TABLE lookback_view_green (LIKE lookback_view INCLUDING ALL);
CREATE TABLE material_view_green (LIKE material_view INCLUDING ALL);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE
            ON household_view_green, episode_view_green, gap_view_green,
               lookback_view_green, material_view_green, parked_households
            TO ledger_service;
        GRANT SELECT, UPDATE ON read_models TO ledger_service;
    END IF;
END
$$;
