-- The event store (the shape of eventsourcing's PostgreSQL application recorder, with
-- the composite type its insert uses), and our own tables: idempotency keys and tokens.
CREATE TABLE ledger_events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);

CREATE UNIQUE INDEX ledger_events_notification_id_idx ON ledger_events (notification_id ASC);

CREATE TYPE stored_event_uuid AS (
    originator_id uuid,
    originator_version bigint,
    topic text,
    state bytea
);

CREATE TABLE idempotency_keys (
    idempotency_key text PRIMARY KEY,
    request_digest text NOT NULL,
    household_id text NOT NULL,
    response text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    token_id text PRIMARY KEY,
    secret_sha256 text NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    division text NOT NULL,
    department text,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);
