"""The web pages' sessions (migration 0010): the SHA-256 of each session id, the token it
was opened with, when it was opened and last used. Written once for both databases (``?``
placeholders)."""

from dataclasses import dataclass
from datetime import datetime

from ledger.persistence.tables import SQLTables, _as_moment


@dataclass(frozen=True)
class WebSession:
    session_sha256: str
    token_id: str
    created_at: datetime
    last_seen_at: datetime


class WebSessions(SQLTables):
    def open(self, session: WebSession) -> None:
        self._write(
            "INSERT INTO web_sessions (session_sha256, token_id, created_at, "
            "last_seen_at) VALUES (?, ?, ?, ?)",
            (
                session.session_sha256,
                session.token_id,
                self.encode_datetime(session.created_at),
                self.encode_datetime(session.last_seen_at),
            ),
        )

    def find(self, session_sha256: str) -> WebSession | None:
        for row in self._rows(
            "SELECT session_sha256, token_id, created_at, last_seen_at "
            "FROM web_sessions WHERE session_sha256 = ?",
            (session_sha256,),
        ):
            return WebSession(
                row["session_sha256"],
                row["token_id"],
                _as_moment(row["created_at"]),
                _as_moment(row["last_seen_at"]),
            )
        return None

    def touch(self, session_sha256: str, when: datetime) -> None:
        self._write(
            "UPDATE web_sessions SET last_seen_at = ? WHERE session_sha256 = ?",
            (self.encode_datetime(when), session_sha256),
        )

    def end(self, session_sha256: str) -> None:
        self._write("DELETE FROM web_sessions WHERE session_sha256 = ?", (session_sha256,))

    def end_idle(self, last_seen_before: datetime, created_before: datetime) -> None:
        """Deletes the sessions that expired (idle, or open too long): housekeeping, the
        checks at each page do not depend on it."""
        self._write(
            "DELETE FROM web_sessions WHERE last_seen_at < ? OR created_at < ?",
            (self.encode_datetime(last_seen_before), self.encode_datetime(created_before)),
        )
