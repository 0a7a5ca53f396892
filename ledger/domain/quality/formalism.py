"""Three formalism signals (形式主义 signs, CONTRACT §7.5) over one group of facts each:
one file cited by many households (``AF_MATERIAL_REUSED``), one person eliminating many
risks on one date (``AF_BATCH_ELIMINATION``), one free text in many households' events
(``AF_IDENTICAL_TEXT``). Each signal's key is its group's key, its households and events
those of every fact of the group."""

from collections.abc import Sequence
from datetime import date

from ledger.domain.configuration.quality import QualityThresholds
from ledger.domain.labels import field_label, label
from ledger.domain.quality.codes import SignalCode
from ledger.domain.quality.groups import (
    division_of,
    events_of,
    households_of,
    listed,
    listed_zh,
    zh_date,
)
from ledger.domain.quality.model import Fact, Signal


def _signal(code: SignalCode, key: str, facts: Sequence[Fact], detail: str, zh: str) -> Signal:
    return Signal(code, key, division_of(facts), detail, zh, households_of(facts), events_of(facts))


def material_reused(key: str, facts: Sequence[Fact], thresholds: QualityThresholds) -> list[Signal]:
    """The file ``key`` (its SHA-256) cited with a kind made for one household by two or
    more households, or with any kind by households of two or more villages."""
    specific = set(thresholds.household_material_kinds.value)
    as_specific = {fact.household_id for fact in facts if fact.value in specific}
    households = households_of(facts)
    villages = sorted({village for _, village in households})
    if len(as_specific) < 2 and len(villages) < 2:
        return []
    kinds = sorted({fact.value for fact in facts})
    detail = (
        f"file {key} (cited as {listed(kinds)}) is cited by {len(households)} households in "
        f"{len(villages)} village(s) ({listed(villages)}), {len(as_specific)} of them with a "
        f"kind made for one household"
    )
    kinds_zh = listed_zh(label("material_kind", kind) for kind in kinds)
    zh = (
        f"同一份痕迹资料（SHA-256 {key}，作为{kinds_zh}）"
        f"被 {len(households)} 户引用，涉及 {len(villages)} 个村（{listed_zh(villages)}），"
        f"其中 {len(as_specific)} 户将其作为一户一份的资料，请核实是否套用"
    )
    return [_signal(SignalCode.AF_MATERIAL_REUSED, key, facts, detail, zh)]


def _actor_zh(actor: str) -> str:
    kind, _, name = actor.partition(":")
    if kind == "actor":
        return f"工作人员 {name} "
    if kind == "token":
        return f"令牌 {name}（录入凭证）"
    return f"{actor} "


def batch_elimination(
    key: str, facts: Sequence[Fact], thresholds: QualityThresholds
) -> list[Signal]:
    """``batch_elimination_min`` or more ``risk_eliminated`` markings (distinct events) by
    one actor (``actor:<id>`` or ``token:<id>``) on one date (``key`` "<actor>/<date>")."""
    markings = events_of(facts)
    if len(markings) < thresholds.batch_elimination_min.value:
        return []
    actor, _, day_text = key.rpartition("/")
    households = households_of(facts)
    try:
        day_zh = zh_date(date.fromisoformat(day_text))
    except ValueError:
        day_zh = day_text
    detail = (
        f"{len(markings)} risk_eliminated markings of {len(households)} households by {actor} "
        f"on {day_text} (at least {thresholds.batch_elimination_min.value} on one date)"
    )
    zh = (
        f"{_actor_zh(actor)}于 {day_zh} 一天内对 {len(households)} 户"
        f"作出 {len(markings)} 次风险消除标注"
        f"（同一人同一天 {thresholds.batch_elimination_min.value} 次及以上），"
        f"请核实是否逐户入户核查"
    )
    return [_signal(SignalCode.AF_BATCH_ELIMINATION, key, facts, detail, zh)]


def identical_text(key: str, facts: Sequence[Fact], thresholds: QualityThresholds) -> list[Signal]:
    """One free text (``key`` its SHA-256 after trimming) in events of
    ``identical_text_min_households`` or more households."""
    households = households_of(facts)
    least = thresholds.identical_text_min_households.value
    if len(households) < least:
        return []
    fields = sorted({fact.value for fact in facts})
    events = events_of(facts)
    detail = (
        f"one text (SHA-256 {key}) in the {listed(fields)} of {len(events)} events of "
        f"{len(households)} households ({least} or more households)"
    )
    zh = (
        f"同一段文字（SHA-256 {key}）出现在 {len(households)} 户的 {len(events)} 个事件的"
        f"{listed_zh(field_label(f) for f in fields)}中（{least} 户及以上），请核实是否照抄套用"
    )
    return [_signal(SignalCode.AF_IDENTICAL_TEXT, key, facts, detail, zh)]
