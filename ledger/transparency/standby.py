"""The transparency log read on a hot standby: checkpoints, leaves and proofs are read
there, while sequencing and signing — writes — happen on the primary, after which the
standby is waited for until it has replayed them."""

from collections.abc import Callable

from ledger.application import HouseholdLedger
from ledger.persistence.log_tables import StoredCheckpoint
from ledger.transparency.log import TransparencyLog


class StandbyTransparencyLog(TransparencyLog):
    def __init__(
        self, standby: HouseholdLedger, primary: TransparencyLog, replay: Callable[[], None]
    ) -> None:
        """``replay`` returns once the standby has replayed what the primary committed
        before the call (or raises)."""
        super().__init__(standby, primary.key, identity=primary.identity, policy=primary.policy)
        self.primary = primary
        self._replay = replay

    def catch_up(self) -> int:
        """Sequences on the primary; returns how many leaves this standby gained (the
        primary's own count misses leaves its checkpointer sequenced meanwhile)."""
        before, _ = self.tables.size()
        self.primary.catch_up()
        self._replay()
        after, _ = self.tables.size()
        return after - before

    def checkpoint(self, *, fresh: bool = False) -> StoredCheckpoint:
        latest = self.tables.latest_checkpoint()
        if latest is not None and not fresh:
            return latest
        signed = self.primary.checkpoint(fresh=True)
        self._replay()
        return signed
