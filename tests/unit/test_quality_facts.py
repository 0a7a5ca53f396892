"""The facts of one household that the cross-household checks group by (CONTRACT §7.5,
``FactKind``), for a realistic household recorded through the ledger's own rules by a
recorder's token."""

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from ledger.domain.commands import AppendBatch
from ledger.domain.configuration.values import Sourced
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import apply_all
from ledger.domain.quality import NO_OPENINGS, Fact, FactKind, Openings, assess_quality
from ledger.domain.rules import Recording, decide_sealed
from tests import factories as f
from tests.unit.test_completeness import (
    CONFIG,
    ORIGIN,
    Stream,
    assisted,
    elimination,
    ev,
    identification,
)

TOKEN = {"token_id": "tok-7", "name": "录入员", "role": "recorder", "division": "530925"}
INDEX_KEY = b"an index key for the tests"
LONG_TEXT = "经入户核查，该户因病导致家庭刚性支出较大，收入不稳定"  # 26 characters


class RecordedByToken(Stream):
    """A stream whose events a recorder's token appends (``recorded_by.token_id``)."""

    token: dict[str, Any] = TOKEN

    def add(self, event: dict[str, Any]) -> HouseholdEvent:
        self._clock += timedelta(minutes=1)
        decision = decide_sealed(
            self.household,
            AppendBatch.model_validate({"events": [event]}).events,
            Recording(self._clock, self.token),
            originator_id=ORIGIN,
            opened={s.commitment: s.value for s in self.sealed},
        )
        [recorded] = decision.events
        self.household = apply_all(self.household, [recorded])
        self.events.append(recorded)
        self.sealed += decision.sealed
        return recorded


def realistic(token: dict[str, Any] = TOKEN) -> tuple[RecordedByToken, dict[str, HouseholdEvent]]:
    """Enrolled after a warning, helped, eliminated; one summary long enough to compare,
    one padded with white space, one voided."""
    stream = RecordedByToken()
    stream.token = token
    steps = {**identification(), **{f"help_{k}": v for k, v in assisted().items()}}
    steps["trigger"] = ev(
        "WarningReceived",
        {"department": "medical_insurance", "code": "medical_self_pay_high", "summary": LONG_TEXT},
        "2021-10-19",
    )
    events = stream.run(steps)
    events["application"] = stream.add(
        ev(
            "AssistanceApplied",
            {"channel": "rescue_platform", "summary": f"  {LONG_TEXT}\n"},
            "2021-10-30",
        )
    )
    voided = stream.add(
        ev("AssistanceApplied", {"channel": "village", "summary": "作废的申请" * 5}, "2021-10-31")
    )
    stream.add(
        ev("EntryVoided", {"target_event_id": str(voided.id), "reason": "重复录入"}, "2021-11-01")
    )
    events["voided"] = voided
    events.update({f"exit_{k}": v for k, v in stream.run(elimination()).items()})
    return stream, events


def facts_of(stream: Stream, openings: Openings) -> list[Fact]:
    return assess_quality(
        stream.household_id, stream.events, stream.household, CONFIG, openings
    ).facts


def test_the_facts_of_a_realistic_household() -> None:
    stream, events = realistic()
    opened = Openings({s.commitment: s.value for s in stream.sealed}, INDEX_KEY)
    facts = facts_of(stream, opened)
    by_kind: dict[FactKind, set[tuple[str, str, str, date | None]]] = {}
    for fact in facts:
        assert (fact.household_id, fact.village_code) == (stream.household_id, f.VILLAGE)
        by_kind.setdefault(fact.kind, set()).add((fact.key, fact.value, fact.event_id, fact.day))
    registration = str(stream.events[0].id)
    assert by_kind[FactKind.PERSON] == {
        (opened.person_key(f.id_number(1)) or "", "m1", registration, None),
        (opened.person_key(f.id_number(2)) or "", "m2", registration, None),
    }
    assert by_kind[FactKind.INCOME] == {
        (f"{f.VILLAGE}/2021", "5000", str(events["field_survey"].id), None),
        (f"{f.VILLAGE}/2023", "9000", str(events["exit_field_survey"].id), None),
    }
    eliminated, on = str(events["exit_marking"].id), date(2023, 10, 25)
    assert by_kind[FactKind.ELIMINATION] == {
        ("actor:w-0042/2023-10-25", "", eliminated, on),
        ("token:tok-7/2023-10-25", "", eliminated, on),
    }
    assert by_kind[FactKind.ENROLMENT] == {
        (f.VILLAGE, "", str(events["marking"].id), date(2021, 11, 20))
    }
    assert by_kind[FactKind.TRIGGER] == {
        (f.VILLAGE, "warning", str(events["trigger"].id), date(2021, 10, 19)),
        (f.VILLAGE, "application", str(events["application"].id), date(2021, 10, 30)),
    }
    # Only texts of 20 characters or more, trimmed; the voided application gives none.
    digest = hashlib.sha256(LONG_TEXT.encode()).hexdigest()
    assert by_kind[FactKind.TEXT] == {
        (digest, "summary", str(events["trigger"].id), None),
        (digest, "summary", str(events["application"].id), None),
    }
    survey_form = hashlib.sha256(b"survey_form").hexdigest()
    cited = {(key, value, event_id) for key, value, event_id, _ in by_kind[FactKind.MATERIAL]}
    assert (survey_form, "survey_form", str(events["field_survey"].id)) in cited
    assert (survey_form, "survey_form", str(events["exit_field_survey"].id)) in cited
    expected = {
        (m["sha256"], m["kind"], str(e.id))
        for e in stream.events
        if str(e.id) != str(events["voided"].id)
        for m in e.materials
    }
    assert cited == expected
    assert all(x.event_id != str(events["voided"].id) for x in facts)


def test_without_openings_or_an_index_key_no_person_is_indexed() -> None:
    stream, _ = realistic()
    values = {s.commitment: s.value for s in stream.sealed}
    for openings in (NO_OPENINGS, Openings(values), Openings({}, INDEX_KEY)):
        kinds = {x.kind for x in facts_of(stream, openings)}
        assert FactKind.PERSON not in kinds
        assert FactKind.INCOME in kinds


def test_the_text_threshold_comes_from_the_configuration() -> None:
    stream, _ = realistic()
    stricter = replace(
        CONFIG, quality=replace(CONFIG.quality, identical_text_min_chars=Sourced(30, "test"))
    )
    facts = assess_quality(
        stream.household_id, stream.events, stream.household, stricter, NO_OPENINGS
    ).facts
    assert FactKind.TEXT not in {x.kind for x in facts}


def test_eliminations_loaded_by_the_console_or_a_feed_are_grouped_by_their_actor_alone() -> None:
    # ``ledger import`` of a county's history (the console, an admin) or an upstream
    # system's feed (intake) records many people's markings under one token: one day of
    # them is a migration, not one person's 数字消. Their actors are still grouped.
    for role in ("admin", "intake"):
        stream, _ = realistic({**TOKEN, "token_id": "cli", "role": role})
        keys = {x.key for x in facts_of(stream, Openings()) if x.kind is FactKind.ELIMINATION}
        assert keys == {"actor:w-0042/2023-10-25"}, role
