"""The readable report of a household's trace archive (痕迹资料报告): one self-contained,
printable HTML page with Chinese labels, beside the archive's machine-readable files.

``render_report`` takes the documents as served (state, events, completeness, checkpoint,
materials index) and shapes them into rows for ``templates/report.html``, which Jinja2
renders with autoescaping on: names, summaries and details are user input. The page has
no scripts and no external resources, so it reads the same offline and in ten years.
"""

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ledger.transparency.report_people import shows_commitments
from ledger.transparency.report_rows import (
    ReportRows,
    as_text,
    dicts,
    household_fields,
    member_fields,
)

TITLE = "防止返贫动态监测 痕迹资料报告"


TIMELINE_LIMIT = 1000
"""The most recent events a report shows; a longer history is in ``events.jsonl`` whole
(a page of 30,000 events took minutes and a gigabyte to render, and nobody reads it)."""


def render_report(
    *,
    household: dict[str, Any],
    events: list[dict[str, Any]],
    completeness: dict[str, Any],
    checkpoint: dict[str, Any],
    materials: list[dict[str, Any]],
    generated_at: str,
    timeline_limit: int = TIMELINE_LIMIT,
) -> str:
    """The report page (UTF-8 HTML text) of one household's trace archive: its timeline
    and materials of the last ``timeline_limit`` events."""
    # People as commitments (an evaluator's archive): the page says what they are.
    committed = shows_commitments(household, events)
    omitted = max(0, len(events) - timeline_limit)
    if omitted:
        events = events[omitted:]
        shown = {str(e.get("id")) for e in events}
        materials = [m for m in materials if str(m.get("event_id")) in shown]
    template = environment().get_template("report.html")
    return template.render(
        title=TITLE,
        generated_at=generated_at,
        omitted=omitted,
        committed=committed,
        **household_sections(
            household=household, events=events, completeness=completeness, materials=materials
        ),
        checkpoint={
            key: as_text(checkpoint.get(key))
            for key in ("tree_size", "root_hash", "timestamp", "signature")
        },
    )


def household_sections(
    *,
    household: dict[str, Any],
    events: list[dict[str, Any]],
    completeness: dict[str, Any],
    materials: list[dict[str, Any]],
    shown: range | None = None,
    href: Callable[[int], str] | None = None,
) -> dict[str, Any]:
    """What ``templates/_sections.html`` shows of a household (the report's sections one to
    six; the web page shows the same).

    ``shown``: the timeline rows to build (event numbers from 1; default all), for a page
    of a long history; the other events then need only ``id``, ``version`` and ``type``
    (and their ``data`` for ``SystemMarked`` and ``EntryVoided``, and the times for
    ``SystemMarked``). ``href(n)``: where event ``n``'s row is, before its ``#ev-n``
    anchor (default: this page)."""
    rows = ReportRows(events, materials, shown=shown, href=href)
    members, former = (
        [member_fields(m, rows.erased) for m in dicts(household.get(group))]
        for group in ("members", "former_members")
    )
    return {
        "household": household_fields(household),
        "members": members,
        "former_members": former,
        "markings": rows.markings(),
        "events": rows.rows,
        "episodes": [rows.episode(e) for e in dicts(completeness.get("episodes"))],
        "materials": [rows.material(m) for m in materials],
    }


TEMPLATES = Path(__file__).parent / "templates"


def environment(*extra_folders: Path) -> jinja2.Environment:
    """Jinja2 with autoescaping (names, summaries and details are user input), finding
    templates in ``extra_folders`` first, then the report's own."""
    return _environment(extra_folders)


@cache
def _environment(extra_folders: tuple[Path, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([*extra_folders, TEMPLATES]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
