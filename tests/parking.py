"""Households whose rules raise, made the ways they arise: a rules configuration an
earlier release accepted, and a stored event that passed an older validator."""

import dataclasses
from collections.abc import Callable
from typing import Any

from ledger.application import HouseholdLedger, originator_id
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.household import replay
from ledger.domain.rules import Recording, decide
from tests import factories as f


def broken_for(village_code: str, base: RulesConfiguration) -> RulesConfiguration:
    """``base`` with a setting this release does not know for one village: resolving that
    village's configuration raises, for its households only."""
    divisions = {
        **base._divisions,
        village_code: {"retired_setting": {"value": 1, "source": "2019 file"}},
    }
    return RulesConfiguration(base.version, base._defaults, divisions)


def plant(
    ledger: HouseholdLedger,
    household_id: str,
    caller: Caller,
    sent: dict[str, Any],
    edit: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """Stores the event ``sent`` as the rules decide it, its data then changed by ``edit``:
    what an upstream bug that passed an older validator left in the log."""
    household = replay(household_id, ledger.stream(household_id))
    commands = AppendBatch.model_validate({"events": [sent]}).events
    [event] = decide(
        household,
        commands,
        Recording(ledger.clock(), caller.recorded_by()),
        originator_id=originator_id(household_id),
    )
    ledger.save(dataclasses.replace(event, data=edit(dict(event.data))))


def plant_text_dated_survey(ledger: HouseholdLedger, household_id: str, caller: Caller) -> None:
    """A survey whose income period ends on a date kept as text (as a writer that did not
    transcode dates would have stored it): the rules cannot read it. A later survey
    supersedes it."""
    plant(
        ledger,
        household_id,
        caller,
        f.survey(),
        lambda data: {**data, "period": {**data["period"], "end": "2021-09-30"}},
    )


def plant_nul_member(ledger: HouseholdLedger, household_id: str, caller: Caller) -> None:
    """A registration whose second member's id holds a NUL, and a department's finding
    naming that member: the look-back names the member in its detail, text PostgreSQL
    cannot store (the issue's reproduction)."""
    member_id = "m\x002"

    def nul_member(data: dict[str, Any]) -> dict[str, Any]:
        members = [dict(m) for m in data["members"]]
        members[1]["member_id"] = member_id
        return {**data, "members": members}

    plant(ledger, household_id, caller, f.registered(), nul_member)
    plant(
        ledger,
        household_id,
        caller,
        f.event(
            "DepartmentVerified",
            {
                "purpose": "identification",
                "department": "public_security",
                "consistent": False,
                "findings": [{"exclusion": "absent_member", "member_id": "m1"}],
                "summary": "外出",
            },
        ),
        lambda data: {**data, "findings": [{**data["findings"][0], "member_id": member_id}]},
    )
