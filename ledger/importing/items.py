"""What ``ledger import`` appends: a keyed ``Line`` ready to append, or the ``Failure``
that refuses it, numbered as its file (a line) or roster (a household) numbers it."""

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.domain.commands import AppendBatch, request_digest
from ledger.idempotency import IMPORT_KEY_PREFIX, Idempotency


@dataclass(frozen=True)
class Failure:
    """A line that was not imported, and why (the contract's error code); ``where`` names
    the place when it is not a line (``家庭成员!row 7 (id_number 身份证号码)``)."""

    line: int
    code: str
    detail: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where or f'line {self.line}'}: {self.code}: {self.detail}"


@dataclass(frozen=True)
class Line:
    """A valid line, ready to append."""

    number: int
    household_id: str
    batch: AppendBatch
    where: str = ""  # as in Failure

    def idempotency(self, request_key: bytes) -> Idempotency:
        """The key its content fixes: ``import:`` and its request digest, so a second run,
        or one resumed after a crash or Ctrl-C, appends nothing twice."""
        digest = request_digest(self.household_id, self.batch, request_key)
        return Idempotency(f"{IMPORT_KEY_PREFIX}{digest}", digest)


def keyed(number: int, household_id: str, batch: AppendBatch, where: str = "") -> Line:
    """An append under the key its content fixes (``Line.idempotency``)."""
    return Line(number, household_id, batch, where)


Item = Line | Failure | Sequence[Failure]
"""One append: ready, or refused whole by one failure or several."""
