"""The rows of a household's report and web page: the documents as served shaped into
what ``templates/_sections.html`` shows (Chinese labels, events linked by their number,
each text value checked for what it is, since names, summaries and details are user
input). Personal fields show as ``report_people`` says."""

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.domain.labels import field_label, label, value_vocabulary
from ledger.domain.procedure import REQUIRED_STEPS
from ledger.domain.status import next_status
from ledger.domain.vocabulary import Marking, Status
from ledger.transparency.report_people import erased_commitments, shown_commitment

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


# Values


def dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_text(value: object) -> str:
    """Plain text of a JSON value: booleans as 是/否, amounts as the numbers given."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _time(value: object) -> str:
    return as_text(value).replace("T", " ", 1)


def short(digest: object, length: int = 12) -> str:
    text = as_text(digest)
    return text if len(text) <= length else f"{text[:length]}…"


def personal_text(value: object, erased: Collection[str] = frozenset()) -> str:
    """A personal field as shown: its value, or its commitment shortened, or 已删除."""
    shown = shown_commitment(value, erased)
    return as_text(value) if shown is None else shown


def household_fields(state: Mapping[str, Any]) -> dict[str, str]:
    survey = as_dict(state.get("latest_survey"))
    period = as_dict(survey.get("period"))
    income = (
        "—"
        if not survey
        else (
            f"{as_text(survey.get('per_capita_net_income'))} 元"
            f"（收入计算期止 {as_text(period.get('end'))}）"
        )
    )
    return {
        "household_id": as_text(state.get("household_id")),
        "village_code": as_text(state.get("village_code")),
        "group": as_text(state.get("group")),
        "category": label("category", state.get("category")) or "—",
        "filed_card": as_text(state.get("filed_card")),
        "status": label("status", state.get("status")) or "—",
        "monitoring_type": label("monitoring_type", state.get("monitoring_type")) or "—",
        "version": as_text(state.get("version")),
        "latest_income": income,
    }


def member_fields(
    member: Mapping[str, Any], erased: Collection[str] = frozenset()
) -> dict[str, str]:
    id_number = member.get("id_number")
    return {
        "name": personal_text(member.get("name"), erased),
        "id_number": personal_text(id_number, erased)
        if id_number is not None
        else f"无（{as_text(member.get('id_missing_reason'))}）",
        "relation": label("relation", member.get("relation")),
        "sex": label("sex", member.get("sex")),
        "birth_date": personal_text(member.get("birth_date"), erased),
        "labor": label("labor", member.get("labor")),
        "health": label("health", member.get("health")),
    }


def _after(marking: object, status: Status | None) -> Status | None:
    """The status a marking leads to (CONTRACT §2), or None where that is not known."""
    try:
        return next_status(Marking(str(marking)), status) if status else None
    except ValueError:
        return None


class ReportRows:
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
        self.erased = erased_commitments(events)
        self.included = {str(m.get("sha256")): bool(m.get("included")) for m in materials}
        self.href = href or (lambda _: "")
        numbers = range(1, len(events) + 1) if shown is None else shown
        self.rows = [self._row(n, events[n - 1]) for n in numbers]
        by_id = {
            str(events[n - 1].get("id")): row for n, row in zip(numbers, self.rows, strict=True)
        }
        for event in events:
            if event.get("type") == "EntryVoided":
                target = by_id.get(str(as_dict(event.get("data")).get("target_event_id")))
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
            f"第{as_text(row.get('version'))}条 {label('event_type', row.get('type'))}",
            f"{self.href(number)}#{anchor}",
        )

    def _row(self, n: int, event: Mapping[str, Any]) -> EventRow:
        event_type = as_text(event.get("type"))
        actor, recorder = as_dict(event.get("actor")), as_dict(event.get("recorded_by"))
        remedies = event.get("remedies")
        return EventRow(
            anchor=f"ev-{n}",
            version=as_text(event.get("version")),
            event_type=event_type,
            type_label=label("event_type", event_type),
            occurred_at=_time(event.get("occurred_at")),
            recorded_at=_time(event.get("recorded_at")),
            actor=self._personal(actor.get("name")),
            actor_role=label("actor_role", actor.get("role")),
            actor_org=as_text(actor.get("org")),
            recorded_by=self._personal(
                recorder.get("name") or label("caller_role", recorder.get("role")) or None
            ),
            summary=list(self._summary(event_type, as_dict(event.get("data")))),
            materials=[self.material(m) for m in dicts(event.get("materials"))],
            hash=as_text(event.get("hash")),
            prev_hash=as_text(event.get("prev_hash")),
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
            name = self._personal(value.get("name"))
            return f"{name}（{label('relation', value.get('relation'))}）"
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
        return Piece(self._personal(value) if value != {} else "—")

    def _personal(self, value: object) -> str:
        """A value as shown; a commitment (personal fields only hold them) shortened, or
        已删除."""
        return personal_text(value, self.erased)

    def material(self, material: Mapping[str, Any]) -> dict[str, Any]:
        sha = as_text(material.get("sha256"))
        return {
            "kind": label("material_kind", material.get("kind")),
            "name": self._personal(material.get("name")),
            "media_type": as_text(material.get("media_type")),
            "size": as_text(material.get("size")),
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
                data = as_dict(event.get("data"))
                status = _after(data.get("marking"), status)
                found.append(
                    {
                        "occurred_at": _time(event.get("occurred_at")),
                        "recorded_at": _time(event.get("recorded_at")),
                        "marking": label("marking", data.get("marking")),
                        "monitoring_type": label("monitoring_type", data.get("monitoring_type"))
                        or "—",
                        "status": label("status", status) if status else "—",
                        "system_ref": as_text(data.get("system_ref")),
                        "link": Piece(
                            f"第{as_text(event.get('version'))}条",
                            f"{self.href(number)}#ev-{number}",
                        ),
                    }
                )
        return found

    def episode(self, episode: Mapping[str, Any]) -> dict[str, Any]:
        kind = as_text(episode.get("kind"))
        gaps = dicts(episode.get("gaps"))
        flagged = {str(g.get("step")) for g in gaps if g.get("severity") == "violation"}
        required = REQUIRED_STEPS.get(kind, ())
        steps = [
            {
                "label": label("step", step),
                "required": step in required,
                "flagged": step in flagged,
                "events": [self.link(i) for i in (ids if isinstance(ids, list) else [ids])],
            }
            for step, ids in as_dict(episode.get("steps")).items()
        ]
        return {
            "kind": label("episode_kind", kind),
            "marking": self.link(episode.get("marking_event_id")),
            "steps": steps,
            "gaps": [self._gap(g) for g in gaps],
        }

    def _gap(self, gap: Mapping[str, Any]) -> dict[str, Any]:
        severity = as_text(gap.get("severity"))
        return {
            "code": as_text(gap.get("code")),
            "label": label("gap_code", gap.get("code")),
            "step": label("step", gap.get("step")),
            "severity": severity,
            "severity_label": label("severity", severity),
            "detail": list(self._linked(as_text(gap.get("detail")))),
            # absent from reports served before CONTRACT §7.5: then only the English shows
            "detail_zh": str(gap.get("detail_zh") or ""),
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
