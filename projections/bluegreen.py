"""Two sets of read-model tables, one live (migration 0008): lists read the live set while
a rebuild fills the other beside it, and one transaction switches them when the other
has caught up with the log. Each set has its own tracking position and parked households.
"""

from dataclasses import dataclass
from typing import Literal

APPLICATION = "ledger"  # the tracked upstream: the ledger's event log


@dataclass(frozen=True)
class ReadModels:
    """One set: ``blue`` is the tables of the first migrations, ``green`` their twins."""

    name: Literal["blue", "green"]

    def table(self, view: str) -> str:
        """The set's table of the view named ``view`` (``household_view``, …)."""
        return view if self.name == "blue" else f"{view}_green"

    @property
    def application(self) -> str:
        """Its tracking row's application name (blue keeps the one it always had)."""
        return APPLICATION if self.name == "blue" else f"{APPLICATION}/green"

    @property
    def other(self) -> "ReadModels":
        return GREEN if self.name == "blue" else BLUE


BLUE, GREEN = ReadModels("blue"), ReadModels("green")
SETS = {models.name: models for models in (BLUE, GREEN)}
