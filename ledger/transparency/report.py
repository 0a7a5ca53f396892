"""The readable report of a household's trace archive (痕迹资料报告): one self-contained,
printable HTML page with Chinese labels, beside the archive's machine-readable files.

``render_report`` takes the documents as served (state, events, completeness, checkpoint,
materials index) and shapes them into rows for ``templates/report.html``, which Jinja2
renders with autoescaping on: names, summaries and details are user input. The page has
no scripts and no external resources, so it reads the same offline and in ten years.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ledger.domain.labels import field_label, label, value_vocabulary
from ledger.domain.procedure import REQUIRED_STEPS
from ledger.domain.status import next_status
from ledger.domain.vocabulary import Marking, Status

TITLE = "防止返贫动态监测 痕迹资料报告"
_REFERENCES = frozenset({"target_event_id", "objection_id"})  # data fields naming an event
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class Piece:
    """A piece of text, linked to a timeline row when ``href`` is set."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Item:
    """One line of an event's summary: a labelled value."""

    label: str
    value: Piece


@dataclass
class EventRow:
    anchor: str
    version: str
    event_type: str
    type_label: str
    occurred_at: str
    recorded_at: str
    actor: str
    actor_role: str
    actor_org: str
    recorded_by: str
    summary: list[Item]
    materials: list[dict[str, Any]]
    hash: str
    prev_hash: str
    remedies: Piece | None
    voided_by: list[Piece] = field(default_factory=list)


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
        **household_sections(
            household=household, events=events, completeness=completeness, materials=materials
        ),
        checkpoint={
            key: _text(checkpoint.get(key))
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
    rows = _Rows(events, materials, shown=shown, href=href)
    return {
        "household": _household(household),
        "members": [_member(m) for m in _dicts(household.get("members"))],
        "former_members": [_member(m) for m in _dicts(household.get("former_members"))],
        "markings": rows.markings(),
        "events": rows.rows,
        "episodes": [rows.episode(e) for e in _dicts(completeness.get("episodes"))],
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


# Values


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    """Plain text of a JSON value: booleans as 是/否, amounts as the numbers given."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _time(value: object) -> str:
    return _text(value).replace("T", " ", 1)


def short(digest: object, length: int = 12) -> str:
    text = _text(digest)
    return text if len(text) <= length else f"{text[:length]}…"


def _household(state: Mapping[str, Any]) -> dict[str, str]:
    survey = _dict(state.get("latest_survey"))
    period = _dict(survey.get("period"))
    income = (
        "—"
        if not survey
        else (
            f"{_text(survey.get('per_capita_net_income'))} 元"
            f"（收入计算期止 {_text(period.get('end'))}）"
        )
    )
    return {
        "household_id": _text(state.get("household_id")),
        "village_code": _text(state.get("village_code")),
        "group": _text(state.get("group")),
        "category": label("category", state.get("category")) or "—",
        "filed_card": _text(state.get("filed_card")),
        "status": label("status", state.get("status")) or "—",
        "monitoring_type": label("monitoring_type", state.get("monitoring_type")) or "—",
        "version": _text(state.get("version")),
        "latest_income": income,
    }


def _member(member: Mapping[str, Any]) -> dict[str, str]:
    id_number = member.get("id_number")
    return {
        "name": _text(member.get("name")),
        "id_number": _text(id_number)
        if id_number is not None
        else f"无（{_text(member.get('id_missing_reason'))}）",
        "relation": label("relation", member.get("relation")),
        "sex": label("sex", member.get("sex")),
        "birth_date": _text(member.get("birth_date")),
        "labor": label("labor", member.get("labor")),
        "health": label("health", member.get("health")),
    }


def _after(marking: object, status: Status | None) -> Status | None:
    """The status a marking leads to (CONTRACT §2), or None where that is not known."""
    try:
        return next_status(Marking(str(marking)), status) if status else None
    except ValueError:
        return None


class _Rows:
    """The timeline rows, indexed by event id for the links of the other sections."""

    def __init__(
        self,
        events: list[dict[str, Any]],
        materials: list[dict[str, Any]],
        *,
        shown: range | None = None,
        href: Callable[[int], str] | None = None,
    ) -> None:
        self.anchors = {str(e.get("id")): f"ev-{n}" for n, e in enumerate(events, 1)}
        self.events = events
        self.included = {str(m.get("sha256")): bool(m.get("included")) for m in materials}
        self.href = href or (lambda _: "")
        numbers = range(1, len(events) + 1) if shown is None else shown
        self.rows = [self._row(n, events[n - 1]) for n in numbers]
        by_id = {
            str(events[n - 1].get("id")): row for n, row in zip(numbers, self.rows, strict=True)
        }
        for event in events:
            if event.get("type") == "EntryVoided":
                target = by_id.get(str(_dict(event.get("data")).get("target_event_id")))
                if target is not None:
                    target.voided_by.append(self.link(event.get("id")))

    def link(self, event_id: object) -> Piece:
        """A link to the timeline row of an event: 第N条（事项）."""
        anchor = self.anchors.get(str(event_id))
        if anchor is None:
            return Piece(short(event_id))
        number = int(anchor[3:])
        row = self.events[number - 1]
        return Piece(
            f"第{_text(row.get('version'))}条 {label('event_type', row.get('type'))}",
            f"{self.href(number)}#{anchor}",
        )

    def _row(self, n: int, event: Mapping[str, Any]) -> EventRow:
        event_type = _text(event.get("type"))
        actor, recorder = _dict(event.get("actor")), _dict(event.get("recorded_by"))
        remedies = event.get("remedies")
        return EventRow(
            anchor=f"ev-{n}",
            version=_text(event.get("version")),
            event_type=event_type,
            type_label=label("event_type", event_type),
            occurred_at=_time(event.get("occurred_at")),
            recorded_at=_time(event.get("recorded_at")),
            actor=_text(actor.get("name")),
            actor_role=label("actor_role", actor.get("role")),
            actor_org=_text(actor.get("org")),
            recorded_by=_text(
                recorder.get("name") or label("caller_role", recorder.get("role")) or None
            ),
            summary=list(self._summary(event_type, _dict(event.get("data")))),
            materials=[self.material(m) for m in _dicts(event.get("materials"))],
            hash=_text(event.get("hash")),
            prev_hash=_text(event.get("prev_hash")),
            remedies=None if remedies is None else self.link(remedies),
        )

    def _summary(
        self, event_type: str, data: Mapping[str, Any], prefix: str = "", heading: str = ""
    ) -> Iterator[Item]:
        for key, value in data.items():
            path = f"{prefix}{key}"
            name = field_label(path, event_type)
            title = f"{heading}·{name}" if heading else name
            if isinstance(value, dict) and value:
                yield from self._summary(event_type, value, f"{path}.", title)
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                yield Item(
                    title, Piece("；".join(self._record(event_type, path, v) for v in value))
                )
            else:
                yield Item(title, self._value(event_type, path, value))

    def _record(self, event_type: str, path: str, value: Mapping[str, Any]) -> str:
        """A list item (a member, a finding) on one line."""
        if path == "members":  # shown in full in the members table
            return f"{_text(value.get('name'))}（{label('relation', value.get('relation'))}）"
        return "，".join(
            f"{i.label}：{i.value.text}" for i in self._summary(event_type, value, f"{path}.")
        )

    def _value(self, event_type: str, path: str, value: object) -> Piece:
        if path.rpartition(".")[2] in _REFERENCES:
            return self.link(value)
        vocabulary = value_vocabulary(event_type, path)
        if isinstance(value, list):
            return Piece("、".join(self._value(event_type, path, v).text for v in value) or "无")
        if vocabulary and isinstance(value, str):
            return Piece(label(vocabulary, value))
        return Piece(_text(value) if value != {} else "—")

    def material(self, material: Mapping[str, Any]) -> dict[str, Any]:
        sha = _text(material.get("sha256"))
        return {
            "kind": label("material_kind", material.get("kind")),
            "name": _text(material.get("name")),
            "media_type": _text(material.get("media_type")),
            "size": _text(material.get("size")),
            "sha256": sha,
            "short": short(sha),
            "included": bool(material.get("included", self.included.get(sha, False))),
            "event": self.link(material["event_id"]) if "event_id" in material else None,
        }

    def markings(self) -> list[dict[str, Any]]:
        """The status history (系统标注记录), from the SystemMarked events."""
        found: list[dict[str, Any]] = []
        status: Status | None = Status.NOT_MONITORED
        for number, event in enumerate(self.events, 1):
            if event.get("type") == "SystemMarked":
                data = _dict(event.get("data"))
                status = _after(data.get("marking"), status)
                found.append(
                    {
                        "occurred_at": _time(event.get("occurred_at")),
                        "recorded_at": _time(event.get("recorded_at")),
                        "marking": label("marking", data.get("marking")),
                        "monitoring_type": label("monitoring_type", data.get("monitoring_type"))
                        or "—",
                        "status": label("status", status) if status else "—",
                        "system_ref": _text(data.get("system_ref")),
                        "link": Piece(
                            f"第{_text(event.get('version'))}条", f"{self.href(number)}#ev-{number}"
                        ),
                    }
                )
        return found

    def episode(self, episode: Mapping[str, Any]) -> dict[str, Any]:
        kind = _text(episode.get("kind"))
        gaps = _dicts(episode.get("gaps"))
        flagged = {str(g.get("step")) for g in gaps if g.get("severity") == "violation"}
        required = REQUIRED_STEPS.get(kind, ())
        steps = [
            {
                "label": label("step", step),
                "required": step in required,
                "flagged": step in flagged,
                "events": [self.link(i) for i in (ids if isinstance(ids, list) else [ids])],
            }
            for step, ids in _dict(episode.get("steps")).items()
        ]
        return {
            "kind": label("episode_kind", kind),
            "marking": self.link(episode.get("marking_event_id")),
            "steps": steps,
            "gaps": [self._gap(g) for g in gaps],
        }

    def _gap(self, gap: Mapping[str, Any]) -> dict[str, Any]:
        severity = _text(gap.get("severity"))
        return {
            "code": _text(gap.get("code")),
            "label": label("gap_code", gap.get("code")),
            "step": label("step", gap.get("step")),
            "severity": severity,
            "severity_label": label("severity", severity),
            "detail": list(self._linked(_text(gap.get("detail")))),
        }

    def _linked(self, text: str) -> Iterable[Piece]:
        """The text with the ids of this household's events linked to their rows."""
        start = 0
        for match in _UUID.finditer(text):
            if match.group() in self.anchors:
                anchor = self.anchors[match.group()]
                yield Piece(text[start : match.start()])
                yield Piece(match.group(), f"{self.href(int(anchor[3:]))}#{anchor}")
                start = match.end()
        yield Piece(text[start:])
