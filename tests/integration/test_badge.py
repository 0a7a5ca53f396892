"""The household page's verification badge on the stored rows, on both databases, where
the transparency log is sequenced by someone else meanwhile."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.transparency.badge import Badges
from ledger.transparency.log import TransparencyLog
from tests import factories as f


class BeatenToIt(TransparencyLog):
    """This process's log, whose checkpointer thread (``other``) sequences every new event
    just before this instance's own ``catch_up`` does: that call then adds nothing."""

    def __init__(
        self, ledger: HouseholdLedger, key: Ed25519PrivateKey, other: TransparencyLog
    ) -> None:
        super().__init__(ledger, key)
        self.other = other

    def catch_up(self) -> int:
        self.other.catch_up()
        return super().catch_up()


def test_the_badge_holds_when_the_checkpointer_sequenced_the_last_event_first(
    ledger: HouseholdLedger, recorder_caller: Caller
) -> None:
    AppendPipeline(ledger).append(
        "hh-1",
        AppendBatch.model_validate({"events": [f.registered(), f.survey()]}).events,
        recorder_caller,
    )
    key = Ed25519PrivateKey.generate()
    log = BeatenToIt(ledger, key, TransparencyLog(ledger, key))
    assert log.catch_up() == 0  # as the page finds it: sequenced, but not by this call
    AppendPipeline(ledger).append(
        "hh-1", AppendBatch.model_validate({"events": [f.survey()]}).events, recorder_caller
    )
    badge = Badges().verify(ledger, log, "hh-1")
    assert (badge.events, badge.tree_size) == (3, 3)
