"""The ledger as the library's ``Application``: its stored events, their transcoding and
the listeners told of each write. Appends go through ``ledger.appending``, reads through
``ledger.reading``.

One ``HouseholdLedger`` per process, built at the composition root with the library's
settings for the configured database (its backend's ``env``, ``bootstrap.open_ledger``).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import Environment, EnvType

from ledger.domain.events import HouseholdEvent
from ledger.persistence.ports import LedgerStores, LedgerTables, PersonalDataStore, stores_of
from ledger.persistence.transcoding import register_ledger_transcodings
from ledger.personal.vault import PersonalVault

HOUSEHOLD_NAMESPACE = UUID("6f1f2a52-3c1e-5b0e-9d49-530925000000")


def originator_id(household_id: str) -> UUID:
    """The stream id of a household: a UUID derived from its id, stable forever."""
    return uuid5(HOUSEHOLD_NAMESPACE, household_id)


class HouseholdLedger(Application[UUID]):
    name = "ledger"

    def __init__(
        self,
        env: EnvType | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        personal_key: bytes | Callable[[PersonalDataStore], bytes],
    ) -> None:
        super().__init__(env)
        self.clock = clock  # the service's now: appends' recorded_at, the access log's
        self.stores: LedgerStores = stores_of(self.recorder)  # tokens, keys, logs, sessions
        self.tables: LedgerTables = self.stores.tables
        # Personal values, sealed apart from the events (CONTRACT §7.3).
        # The key may be given as a function of the store: a key file may be created only
        # while the store holds nothing sealed with another.
        key = personal_key(self.stores.personal) if callable(personal_key) else personal_key
        self.personal = PersonalVault(self.stores.personal, key)
        # Told how many events each write stored: wake the projection runner, count them.
        self.on_append: list[Callable[[int], object]] = []

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        for listener in self.on_append:
            listener(len(recordings))

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Settings come from the composition root only, never from os.environ here.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)

    def stream(self, household_id: str, **selection: Any) -> list[HouseholdEvent]:
        """The household's events, oldest first (``gt``, ``lte``, ``limit`` select)."""
        return cast(
            list[HouseholdEvent], list(self.events.get(originator_id(household_id), **selection))
        )

    def ping(self) -> None:
        self.tables.ping()
