"""Steps completed afterwards (补齐): reported as information, never as missing or late."""

from collections.abc import Iterator

from ledger.domain.completeness.judging import Judging, Rule, ref
from ledger.domain.gaps import Gap, GapCode
from ledger.domain.wording import event_zh


def _remedied(j: Judging) -> Iterator[Gap]:
    seen: set[str] = set()
    for name, step in j.events.steps.items():
        for event in step.events:
            if event.remedies == j.marking.id and str(event.id) not in seen:
                seen.add(str(event.id))
                yield Gap(
                    GapCode.REMEDIED_LATE,
                    name,
                    f"{ref(event)} completed the {name} step afterwards (补齐), "
                    f"remedying {j.closing()}.",
                    f"{event_zh(event)}事后补齐了{name.label_zh}环节（补齐），补的是"
                    f"{j.closing_zh()}。",
                )


RULES: tuple[Rule, ...] = (_remedied,)
