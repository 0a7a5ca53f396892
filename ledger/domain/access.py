"""Which caller may append which event, and which households a caller can see.

The complete role × endpoint × scope rules come with CONTRACT §5's access issue; these
are the ones that keep the record honest from the start: readers never write, intake
and departments write only their own kinds of fact (each type's ``appended_by`` in the
catalog), and a token sees only its division.
"""

from collections.abc import Sequence

from ledger.domain.callers import Caller
from ledger.domain.catalog import CATALOG
from ledger.domain.commands import Envelope
from ledger.domain.errors import Forbidden
from ledger.domain.vocabulary import CallerRole


def check_append(caller: Caller, commands: Sequence[Envelope]) -> None:
    for index, command in enumerate(commands):
        if caller.role not in CATALOG[command.type].appended_by:
            raise Forbidden(f"events[{index}]: a {caller.role} token may not append {command.type}")
        if caller.role == CallerRole.DEPARTMENT:
            department = getattr(command.data, "department", None)
            if department != caller.department:
                raise Forbidden(
                    f"events[{index}]: a {caller.department} token may only "
                    f"record its own department's facts, not {department}'s"
                )


READING_ROLES = frozenset(
    {CallerRole.ADMIN, CallerRole.RECORDER, CallerRole.AUDITOR, CallerRole.EVALUATOR}
)


def check_read(caller: Caller) -> None:
    """Households' data is read by admins, recorders (field apps need it), auditors and
    evaluators; intake platforms and department feeds only deliver facts."""
    if caller.role not in READING_ROLES:
        raise Forbidden(
            f"a {caller.role} token may not read households' data; it may only "
            "append its own kinds of fact"
        )


def in_scope(caller: Caller, village_code: str | None) -> bool:
    """A household is visible when its village code starts with the token's division."""
    return village_code is not None and village_code.startswith(caller.division)


def chosen_division(caller: Caller, division: str | None) -> str:
    """The division a question is about: the token's own unless a part of it is named."""
    chosen = caller.division if division is None else division
    if not chosen.startswith(caller.division):
        raise Forbidden(f"division '{chosen}' is outside this token's division '{caller.division}'")
    return chosen
