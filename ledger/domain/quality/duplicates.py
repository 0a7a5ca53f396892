"""``DQ_DUPLICATE_PERSON`` (CONTRACT §7.5, dedup): one ID number a present member of two
or more households. The group is every present member whose ID number has the same keyed
index (HMAC); the ID number itself is never seen here, nor named in a detail."""

from collections import defaultdict
from collections.abc import Sequence

from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.groups import listed, listed_zh
from ledger.domain.quality.model import Fact, Finding


def duplicate_person(facts: Sequence[Fact]) -> list[tuple[str, Finding]]:
    """Each household of the group gets the finding when the group spans two or more:
    its events are the ones its member rests on, its detail names the other households
    and their member ids (the facts' values)."""
    members: dict[str, set[str]] = defaultdict(set)
    events: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        members[fact.household_id].add(fact.value)
        events[fact.household_id].add(fact.event_id)
    if len(members) < 2:
        return []
    findings = []
    for household_id in sorted(members):
        own = sorted(members[household_id])
        others = [
            (other, sorted(members[other])) for other in sorted(members) if other != household_id
        ]
        elsewhere = "; ".join(f"household {o} (member {listed(m)})" for o, m in others)
        elsewhere_zh = "；".join(f"户 {o}（成员 {listed_zh(m)}）" for o, m in others)
        detail = (
            f"the ID number of member {listed(own)} is also that of a present member of "
            f"{len(others)} other household(s): {elsewhere} (dedup: one person, one household)"
        )
        detail_zh = (
            f"本户成员 {listed_zh(own)} 的身份证号同时是另外 {len(others)} 户现有成员的身份证号："
            f"{elsewhere_zh}。同一人只能在一户中，请核实"
        )
        finding = Finding(
            FindingCode.DQ_DUPLICATE_PERSON,
            detail,
            detail_zh,
            tuple(sorted(events[household_id])),
        )
        findings.append((household_id, finding))
    return findings
