-- Sessions of the web pages (issue 13): signing in with a token opens a session whose
-- random id is the cookie; only the id's SHA-256 is stored, so a copy of this table (a
-- backup, a replica) lets nobody sign in. A page authenticates the session, then its
-- token (expiry, revocation, rate limit, division) as before. Signing out deletes the row;
-- idle and absolute expiry are checked against last_seen_at and created_at.
CREATE TABLE web_sessions (
    session_sha256 TEXT PRIMARY KEY,
    token_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX web_sessions_token ON web_sessions (token_id);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);
