-- Sessions of the web pages (issue 13): signing in with a token opens a session whose
-- random id is the cookie; only the id's SHA-256 is stored, so a copy of this table (a
-- backup, a replica) lets nobody sign in. A page authenticates the session, then its
-- token (expiry, revocation, rate limit, division) as before. Signing out deletes the row;
-- idle and absolute expiry are checked against last_seen_at and created_at.
CREATE TABLE web_sessions (
    session_sha256 text PRIMARY KEY,
    token_id text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_token ON web_sessions (token_id);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);

-- The service opens, touches and ends sessions (0006 creates ledger_service; the guard
-- keeps this migration working where the role does not exist).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON web_sessions TO ledger_service;
    END IF;
END
$$;
