"""``LEDGER_DATABASE_URL`` → which database (its backend builds the library's settings)."""

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

EVENTS_TABLE = "ledger_events"


@dataclass(frozen=True)
class Database:
    """A parsed database URL: ``sqlite:///path`` or ``postgresql://user:pw@host:port/db``."""

    kind: Literal["sqlite", "postgres"]
    path: str = ""  # SQLite file
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    name: str = ""

    @classmethod
    def from_url(cls, url: str) -> "Database":
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            path = unquote(parts.path)
            if parts.netloc or not path.startswith("/") or len(path) < 2:
                raise ValueError(
                    f"expected sqlite:///relative/path or sqlite:////absolute/path, got {url!r}"
                )
            return cls(kind="sqlite", path=path[1:])
        if parts.scheme in ("postgresql", "postgres"):
            name = unquote(parts.path.lstrip("/"))
            if not name:
                raise ValueError("a PostgreSQL URL names its database: postgresql://host/db")
            return cls(
                kind="postgres",
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 5432,
                user=unquote(parts.username or "postgres"),
                password=unquote(parts.password or ""),
                name=name,
            )
        raise ValueError(
            f"unsupported database URL scheme {parts.scheme!r}: "
            "use sqlite:///path or postgresql://…"
        )

    def with_name(self, name: str) -> "Database":
        """The same PostgreSQL server, another database (tests create their own)."""
        return Database(
            kind=self.kind,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            name=name,
        )
