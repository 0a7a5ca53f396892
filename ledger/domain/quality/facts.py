"""The facts of one household that the cross-household checks group by (CONTRACT §7.5;
``FactKind`` says each kind's key and value): its members' ID numbers (keyed, never in
clear), its surveyed incomes, eliminations, free texts, cited files, triggers and
enrolments. Voided events give none."""

import hashlib
from collections.abc import Iterator, Mapping
from datetime import date

from ledger.domain.events import HouseholdEvent
from ledger.domain.quality.context import Context, amount
from ledger.domain.quality.model import Fact, FactKind
from ledger.domain.record import day
from ledger.domain.vocabulary import CallerRole, Marking

TEXT_FIELDS = ("summary", "basis", "note")
TRIGGER_VALUE = {"WarningReceived": "warning", "AssistanceApplied": "application"}
# An erasure's basis is the administrator's legal ground (PIPL Art. 47), alike for every
# erasure by design: not a field record whose copying would be formalism.
NOT_FIELD_TEXT = frozenset({"PersonalDataErased"})


def facts(ctx: Context) -> list[Fact]:
    found = list(_people(ctx))
    for event in ctx.events:
        found += _of_event(ctx, event)
    return found


def _people(ctx: Context) -> Iterator[Fact]:
    """PERSON: each present member's opened ID number, keyed; the member id as value."""
    village = ctx.state.village_code or ""
    for member in ctx.present:
        number = ctx.opened(member, "id_number")
        if not isinstance(number, str) or not number.strip():
            continue
        key = ctx.openings.person_key(number)
        member_id = str(member.get("member_id"))
        recorded = ctx.recorded_by(member_id)
        if key is not None and recorded:
            yield Fact(FactKind.PERSON, key, ctx.household_id, village, recorded[0], member_id)


def _of_event(ctx: Context, event: HouseholdEvent) -> Iterator[Fact]:
    village, event_id, on = ctx.state.village_code or "", str(event.id), day(event)

    def fact(kind: FactKind, key: str, value: str = "", dated: date | None = None) -> Fact:
        return Fact(kind, key, ctx.household_id, village, event_id, value, dated)

    data = event.data
    if event.TYPE == "FieldSurveyConducted":
        period = data.get("period")
        end = period.get("end") if isinstance(period, Mapping) else None
        income = amount(data.get("per_capita_net_income"))
        if isinstance(end, date) and income is not None:
            yield fact(FactKind.INCOME, f"{village}/{end.year}", format(income, "f"))
    elif event.TYPE == "SystemMarked" and data.get("marking") == Marking.RISK_ELIMINATED:
        for actor in _eliminated_by(event):
            yield fact(FactKind.ELIMINATION, f"{actor}/{on.isoformat()}", dated=on)
    elif event.TYPE == "SystemMarked" and data.get("marking") == Marking.ENROLLED:
        yield fact(FactKind.ENROLMENT, village, dated=on)
    elif event.TYPE in TRIGGER_VALUE:
        yield fact(FactKind.TRIGGER, village, TRIGGER_VALUE[event.TYPE], on)
    if event.TYPE not in NOT_FIELD_TEXT:
        least = ctx.thresholds.identical_text_min_chars.value
        for name in TEXT_FIELDS:
            text = data.get(name)
            trimmed = text.strip() if isinstance(text, str) else ""
            if trimmed and len(trimmed) >= least:
                yield fact(FactKind.TEXT, hashlib.sha256(trimmed.encode()).hexdigest(), name)
    cited = dict.fromkeys(
        (str(m.get("sha256")), str(m.get("kind")))
        for m in event.materials
        if isinstance(m, Mapping) and isinstance(m.get("sha256"), str)
    )
    for sha256, kind in cited:
        yield fact(FactKind.MATERIAL, sha256, kind)


def _eliminated_by(event: HouseholdEvent) -> list[str]:
    """Who marked it: the actor (谁采集谁负责), and the token that recorded it."""
    found = []
    actor_id = (event.actor or {}).get("id")
    if isinstance(actor_id, str) and actor_id:
        found.append(f"actor:{actor_id}")
    recorded_by = event.recorded_by or {}
    token_id = recorded_by.get("token_id")
    if isinstance(token_id, str) and token_id and recorded_by.get("role") not in _BULK_ROLES:
        found.append(f"token:{token_id}")
    return found


_BULK_ROLES = frozenset({CallerRole.ADMIN, CallerRole.INTAKE})
"""Tokens that load what others recorded: the operator's console (``ledger import`` of a
county's history, ``ledger demo``) and upstream systems' feeds. A day's markings under one
of them are a migration's or a feed's, not one person's 数字消; their actors, who did
them, are still grouped."""
