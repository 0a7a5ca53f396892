"""Households whose rules raise, made the ways they arise: a rules configuration an
earlier release accepted, and a stored event that passed an older validator."""

import dataclasses
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
    divisions = {**base._divisions, village_code: {"retired_setting": {"value": 1,
                                                                       "source": "2019 file"}}}
    return RulesConfiguration(base.version, base._defaults, divisions)


def plant_text_dated_survey(ledger: HouseholdLedger, household_id: str,
                            caller: Caller) -> None:
    """Stores, past the rules and the validator, a survey whose income period ends on a
    date kept as text (as a writer that did not transcode dates would have stored it):
    the rules cannot read it. A later survey supersedes it."""
    household = replay(household_id, ledger.stream(household_id))
    commands = AppendBatch.model_validate({"events": [f.survey()]}).events
    [event] = decide(household, commands, Recording(ledger.clock(), caller.recorded_by()),
                     originator_id=originator_id(household_id))
    data: dict[str, Any] = {**event.data, "period": {**event.data["period"],
                                                     "end": "2021-09-30"}}
    ledger.save(dataclasses.replace(event, data=data))
