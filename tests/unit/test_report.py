"""The readable report of a trace archive (痕迹资料报告): every event with its Chinese
label, every gap, the hostile text escaped, a self-contained page.

The household is recorded through the ledger's own ``decide_sealed`` (no database), its
personal values kept in a vault over a store in memory, and served with ``event_document``,
``state_document`` and ``assess``, opened for an auditor or committed for an evaluator
(CONTRACT §7.3), as the archive will be.
"""

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.gaps import GapCode
from ledger.domain.household import replay
from ledger.domain.labels import label
from ledger.domain.personal import MEMBER_FIELDS, is_commitment
from ledger.domain.serialization import event_document, state_document
from ledger.transparency.report import TITLE, render_report
from tests import factories as f
from tests.unit.memory_personal_store import vault_of
from tests.unit.test_completeness import (
    Stream,
    assisted,
    ev,
    identification,
    marked,
    notice,
    review,
    survey,
)

Json = dict[str, Any]
HOSTILE = "<script>alert('x')</script>"
GENERATED_AT = "2024-03-01T10:00:00+08:00"
ERASURE = {"member_id": "m2", "basis": "本人依《个人信息保护法》第四十七条申请删除"}
ERASED_NAME = "李梅"
SPOUSE = {"birth_date": "1982-06-15", "id_number": f.id_number(2, "19820615")}


def household_record(name: str = "张三") -> Stream:
    """A household of Shuangjiang through all 30 event types: enrolled with an objection
    and a voided notice, helped, then risk eliminated without the appraisal and with the
    informed consent completed afterwards (补齐); the spouse's personal data erased at her
    request at the end."""
    stream = Stream(
        f.registered(
            members=[
                f.member("m1", name=name),
                f.member("m2", "spouse", name=ERASED_NAME, sex="F", **SPOUSE),
            ]
        )
    )
    stream.add(
        ev(
            "AssistanceApplied",
            {"channel": "rescue_platform", "summary": "医疗支出大"},
            "2021-10-18",
        )
    )
    steps = identification()
    marking = steps.pop("marking")
    for name_, step in steps.items():
        if name_ == "notice":
            wrong = stream.add(notice("2021-10-24", "2021-10-25"))
            stream.add(
                ev(
                    "EntryVoided",
                    {"target_event_id": str(wrong.id), "reason": "公示日期填错"},
                    "2021-10-25",
                )
            )
        stream.add(step)
        if name_ == "notice":
            objection = stream.add(
                ev(
                    "ObjectionRaised",
                    {"purpose": "identification", "summary": "家中有车"},
                    "2021-10-26",
                )
            )
            stream.add(
                ev(
                    "ObjectionResolved",
                    {
                        "objection_id": str(objection.id),
                        "outcome": "dismissed",
                        "summary": "经公安部门核实无车",
                        "feedback_given": True,
                    },
                    "2021-10-28",
                )
            )
    enrolled = stream.add(marking)
    stream.run(assisted())
    stream.add(
        ev(
            "MemberAdded",
            {
                "member": f.member(
                    "m3",
                    "child",
                    name="张小宝",
                    birth_date="2022-03-01",
                    labor="not_applicable",
                    id_number=None,
                    id_missing_reason="新生儿未办证",
                ),
                "reason": "birth",
            },
            "2022-03-10",
        )
    )
    stream.add(ev("MemberUpdated", {"member_id": "m2", "health": "chronic"}, "2022-04-01"))
    stream.add(
        ev("LocationRecorded", {"lat": 23.47, "lon": 99.81, "accuracy_m": 12.5}, "2022-04-01")
    )
    issue = {
        "issue_id": "q1",
        "source": "national_feedback",
        "code": "ID_MISMATCH",
        "summary": "身份证号不一致",
        "member_id": "m2",
    }
    stream.add(ev("DataIssueRaised", issue, "2022-05-01"))
    stream.add(ev("DataIssueResolved", {"issue_id": "q1", "summary": "已更正"}, "2022-05-03"))
    stream.add(ev("AssistanceEnded", {"measure_id": "ms1", "reason": "已康复"}, "2023-09-01"))
    stream.add(
        ev("EffectivenessAppraised", {"result": "stable", "summary": "收入稳定"}, "2023-09-25")
    )
    elimination_survey = stream.add(
        survey("2023-09-26", "elimination", 9000, ("2022-10-01", "2023-09-30"))
    )
    stream.add(notice("2023-10-09", "2023-10-11", "elimination"))
    stream.add(review("2023-10-16", "elimination"))
    stream.add(
        ev("CountyConfirmed", {"purpose": "elimination", "decision": "confirmed"}, "2023-10-18")
    )
    eliminated = stream.add(marked("risk_eliminated", "2023-10-25"))
    stream.add(
        ev(
            "InformedConsentGiven",
            {"purpose": "elimination", "member_id": "m1"},
            "2023-11-02",
            ("consent_form",),
            remedies=str(eliminated.id),
        )
    )
    stream.add(
        ev(
            "MaterialAttached",
            {"target_event_id": str(elimination_survey.id), "note": "补充风险销号评估认定表"},
            "2023-11-03",
            ("elimination_assessment",),
        )
    )
    stream.add(ev("MemberRemoved", {"member_id": "m3", "reason": "moved_out"}, "2023-12-01"))
    stream.add(ev("PersonalDataErased", ERASURE, "2024-01-05"))
    assert enrolled.version < eliminated.version
    return stream


def materials_index(events: Iterable[Json]) -> list[Json]:
    """The archive's materials index: every material, every other one included."""
    found = [{**m, "event_id": e["id"]} for e in events for m in e["materials"]]
    return [{**m, "included": n % 2 == 0} for n, m in enumerate(found)]


def checkpoint(tree_size: int) -> Json:
    return {
        "tree_size": tree_size,
        "root_hash": hashlib.sha256(b"root").hexdigest(),
        "timestamp": "2024-03-01T02:00:00Z",
        "signature": base64.b64encode(bytes(range(64))).decode(),
    }


def documents(stream: Stream, *, personal: bool = True) -> Json:
    """What the archive renders: opened for a reader of personal data (``personal``), or
    committed for an evaluator; the erasures done as the service does them."""
    vault = vault_of(stream.household_id, stream.sealed)
    for event in stream.events:
        if event.TYPE == "PersonalDataErased":
            vault.erase_member(stream.household_id, event.data["member_id"], event.timestamp)
    stored = [event_document(e) for e in stream.events]
    openings = vault.of_events(stored)
    events = [openings.opened(d) if personal else openings.committed(d) for d in stored]
    state = state_document(replay(stream.household_id, stream.events))
    return {
        "household": vault.opened_state(state) if personal else state,
        "events": events,
        "completeness": stream.report().to_document(),
        "checkpoint": checkpoint(len(events) + 40),
        "materials": materials_index(events),
        "generated_at": GENERATED_AT,
    }


@pytest.fixture(scope="module")
def served() -> Json:
    return documents(household_record(name=HOSTILE))


@pytest.fixture(scope="module")
def page(served: Json) -> str:
    return render_report(**served)


class Structure(HTMLParser):
    """Counts tags and checks that the page's main elements open and close in order."""

    CHECKED = frozenset(
        {
            "html",
            "head",
            "body",
            "header",
            "main",
            "section",
            "footer",
            "table",
            "thead",
            "tbody",
            "tr",
            "td",
            "th",
            "div",
            "ul",
            "li",
            "a",
            "s",
            "dl",
            "h1",
            "h2",
            "h3",
            "p",
            "strong",
            "span",
            "style",
            "title",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name == "href" and value:
                self.hrefs.append(value)
        if tag in self.CHECKED:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.CHECKED:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> Structure:
    parser = Structure()
    parser.feed(page)
    parser.close()
    return parser


def text_of(page: str) -> str:
    return "".join(parsed(page).text)


# The household and its timeline


def test_the_recorded_household_goes_through_all_30_event_types(served: Json) -> None:
    assert {e["type"] for e in served["events"]} == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == 30


def test_the_page_is_titled_and_describes_the_household_in_chinese(page: str, served: Json) -> None:
    text = text_of(page)
    assert '<html lang="zh-CN">' in page
    assert '<meta charset="utf-8">' in page
    assert TITLE == "防止返贫动态监测 痕迹资料报告"
    assert TITLE in text
    household = served["household"]
    for shown in (
        f"户编号{household['household_id']}",
        f"村代码{f.VILLAGE}",
        "类别一般农户",
        "当前状态风险已消除",
        "监测类型边缘易致贫户",
        f"版本{household['version']}",
        f"生成时间 {GENERATED_AT}",
    ):
        assert shown in text, shown


def test_every_member_appears_with_relation_labor_and_health(page: str, served: Json) -> None:
    text = text_of(page)
    for member in served["household"]["members"]:  # opened, or erased: 已删除
        assert member["id_number"] in text or is_commitment(member["id_number"])
    assert f.id_number(1) in text  # the head's, opened
    assert "已删除" in text  # the spouse's, erased
    for shown in (
        "户主",
        "配偶",
        "有劳动能力",
        "长期慢性病",
        "已减少成员",
        "张小宝",
        "无（新生儿未办证）",
    ):
        assert shown in text, shown


def test_every_event_appears_in_the_timeline_with_its_chinese_label(
    page: str, served: Json
) -> None:
    structure = parsed(page)
    rows = [i for i in structure.ids if i.startswith("ev-")]
    assert len(rows) == len(served["events"])
    text = text_of(page)
    for event in served["events"]:
        assert label("event_type", event["type"]) in text
        assert event["hash"][:12] in text
        assert f'title="{event["hash"]}"' in page


def test_the_summaries_use_chinese_labels_for_fields_and_values(page: str) -> None:
    text = text_of(page)
    for shown in (
        "收入（元）·工资性收入",
        "两不愁三保障及饮水安全·基本医疗",
        "有风险",
        "因病",
        "村民小组公开场所",
        "政府救助平台",
        "异议不成立",
        "健康帮扶",
        "救助金",
        "3000",
        "列为重点核查",
        "参会人数·党员",
        "结果",
    ):
        assert shown in text, shown


def test_a_voided_entry_is_struck_through_and_points_to_its_void(page: str, served: Json) -> None:
    [void] = [e for e in served["events"] if e["type"] == "EntryVoided"]
    target = next(
        n for n, e in enumerate(served["events"], 1) if e["id"] == void["data"]["target_event_id"]
    )
    row = re.search(rf'<tr id="ev-{target}" class="voided">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "<s>公示</s>" in row.group(1)
    assert "已作废" in row.group(1)
    assert f'href="#ev-{served["events"].index(void) + 1}"' in row.group(1)


def test_the_status_history_lists_every_marking(page: str) -> None:
    section = page[page.index('id="status-history"') : page.index('id="timeline"')]
    assert "纳入监测" in section
    assert "风险消除" in section


def test_a_remedying_event_links_to_the_marking_it_completes(page: str, served: Json) -> None:
    [consent] = [e for e in served["events"] if e["type"] == "InformedConsentGiven"]
    marking = next(n for n, e in enumerate(served["events"], 1) if e["id"] == consent["remedies"])
    row = re.search(
        rf'<tr id="ev-{served["events"].index(consent) + 1}"[^>]*>(.*?)</tr>', page, re.S
    )
    assert row is not None
    assert "补齐" in row.group(1)
    assert f'href="#ev-{marking}"' in row.group(1)


# Completeness


def test_every_gap_appears_with_its_chinese_label_severity_and_detail(
    page: str, served: Json
) -> None:
    gaps = [g for e in served["completeness"]["episodes"] for g in e["gaps"]]
    codes = {g["code"] for g in gaps}
    assert {"MISSING_APPRAISAL", "NOTICE_TOO_SHORT", "REMEDIED_LATE"} <= codes
    text = text_of(page)
    for gap in gaps:
        assert label("gap_code", gap["code"]) in text
        assert gap["detail"][:40] in text
    assert page.count('<div class="gap violation">') == sum(
        g["severity"] == "violation" for g in gaps
    )
    assert page.count('<div class="gap info">') == sum(g["severity"] == "info" for g in gaps)


def test_the_label_of_every_gap_code_shows_when_it_occurs(served: Json) -> None:
    gaps = [
        {
            "code": code.value,
            "step": "notice",
            "severity": code.severity.value,
            "detail": f"{code} 说明",
        }
        for code in GapCode
    ]
    completeness = {
        "household_id": "hh-test",
        "episodes": [
            {
                "kind": "identification",
                "marking_event_id": served["events"][-1]["id"],
                "steps": {},
                "gaps": gaps,
            }
        ],
    }
    text = text_of(render_report(**{**served, "completeness": completeness}))
    assert [c for c in GapCode if label("gap_code", c) not in text] == []


def test_the_steps_of_each_episode_link_to_their_timeline_rows(page: str, served: Json) -> None:
    anchors = {e["id"]: f"#ev-{n}" for n, e in enumerate(served["events"], 1)}
    hrefs = set(parsed(page).hrefs)
    for episode in served["completeness"]["episodes"]:
        for ids in episode["steps"].values():
            assert {anchors[i] for i in ids} <= hrefs
    assert "民主评议" in text_of(page)


def test_the_event_ids_in_a_gap_detail_become_links(page: str, served: Json) -> None:
    [missing] = [
        g
        for e in served["completeness"]["episodes"]
        for g in e["gaps"]
        if g["code"] == "MISSING_APPRAISAL"
    ]
    [marking] = [
        n
        for n, e in enumerate(served["events"], 1)
        if e["id"] in missing["detail"]
        and e["type"] == "SystemMarked"
        and e["data"]["marking"] == "risk_eliminated"
    ]
    assert f'href="#ev-{marking}"' in page


# Materials and integrity


def test_the_materials_index_says_whether_each_file_is_in_the_archive(
    page: str, served: Json
) -> None:
    section = page[page.index('id="materials"') : page.index('id="integrity"')]
    assert section.count("已收录</span>") == sum(m["included"] for m in served["materials"])
    assert section.count("未收录</span>") == sum(not m["included"] for m in served["materials"])
    for material in served["materials"]:
        assert label("material_kind", material["kind"]) in section


def test_the_footer_shows_the_checkpoint_and_how_to_verify_offline(page: str, served: Json) -> None:
    footer = page[page.index('<footer id="integrity">') :]
    point = served["checkpoint"]
    for shown in (
        "树大小",
        "根哈希",
        "签名",
        str(point["tree_size"]),
        point["root_hash"],
        point["timestamp"],
        point["signature"][:16],
        "ledger verify 文件.zip",
    ):
        assert shown in footer, shown
    assert f'title="{point["signature"]}"' in footer


# Safety and shape


def test_a_hostile_member_name_is_escaped(page: str) -> None:
    assert HOSTILE not in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert HOSTILE in text_of(page)


def test_the_page_is_balanced_html(page: str) -> None:
    structure = parsed(page)
    assert structure.errors == []
    assert structure.stack == []
    assert structure.tags.count("main") == 1
    assert len(structure.ids) == len(set(structure.ids))
    assert {h[1:] for h in structure.hrefs} <= set(structure.ids)


def test_the_page_is_self_contained(page: str) -> None:
    structure = parsed(page)
    assert "http" not in page
    assert "src=" not in page
    assert not {"script", "img", "link", "iframe", "object"} & set(structure.tags)
    assert all(name != "src" and not name.startswith("on") for name, _ in structure.attributes)
    assert all(h.startswith("#") for h in structure.hrefs)
    assert "@import" not in page
    assert "url(" not in page


# Personal data (CONTRACT §7.3)


def test_an_erased_members_values_are_nowhere_on_the_page_which_says_they_were_erased(
    page: str, served: Json
) -> None:
    [spouse] = [m for m in served["household"]["members"] if m["member_id"] == "m2"]
    assert all(is_commitment(spouse[k]) for k in ("name", "id_number", "birth_date"))
    assert spouse["id_number"] not in text_of(page)  # an erased value reads 已删除
    assert "已删除" in text_of(page)
    for value in (ERASED_NAME, SPOUSE["id_number"], SPOUSE["birth_date"]):
        assert value not in page
    registration = served["events"][0]
    assert registration["erased"] == [f"/data/members/1/{k}" for k in MEMBER_FIELDS]
    assert "/data/members/0/name" in registration["openings"]
    assert "个人信息删除" in text_of(page)


def test_an_evaluators_report_carries_no_name_id_number_or_birth_date() -> None:
    stream = household_record()
    committed = documents(stream, personal=False)
    page = render_report(**committed)
    assert parsed(page).errors == []
    # What the documents carry besides personal fields may repeat a value by chance (a
    # birth date that is also an event's date): only the others can be looked for.
    public = json.dumps(committed, ensure_ascii=False)
    values = {s.value for s in stream.sealed if isinstance(s.value, str)}
    looked_for = {v for v in values if v not in public}
    assert {"张三", f.id_number(1), "1980-01-01", "张小宝", "李四"} <= looked_for
    assert [v for v in looked_for if v in page] == []


# Never raising


_TEXT = st.text(max_size=60)


@st.composite
def _odd_documents(draw: st.DrawFn) -> Json:
    """The served documents with arbitrary text in names, summaries and gap details."""
    served = _served()
    household = {
        **served["household"],
        "members": [{**m, "name": draw(_TEXT)} for m in served["household"]["members"]],
    }
    events = [
        {
            **e,
            "actor": {**e["actor"], "name": draw(_TEXT), "org": draw(_TEXT)},
            "data": {
                **e["data"],
                "summary": draw(_TEXT),
                draw(_TEXT): draw(
                    st.none()
                    | st.booleans()
                    | st.integers()
                    | st.floats()
                    | _TEXT
                    | st.lists(_TEXT, max_size=3)
                    | st.dictionaries(_TEXT, _TEXT, max_size=2)
                ),
            },
            "materials": [{**m, "name": draw(_TEXT)} for m in e["materials"]],
        }
        for e in served["events"][:8]
    ]
    completeness = {
        **served["completeness"],
        "episodes": [
            {
                **episode,
                "gaps": [
                    {
                        "code": draw(_TEXT),
                        "step": draw(_TEXT),
                        "severity": draw(st.sampled_from(["violation", "info"]) | _TEXT),
                        "detail": draw(_TEXT),
                    }
                ],
            }
            for episode in served["completeness"]["episodes"]
        ],
    }
    return {
        **served,
        "household": household,
        "events": events,
        "completeness": completeness,
        "generated_at": draw(_TEXT),
    }


@cache
def _served() -> Json:
    return documents(household_record())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents=_odd_documents())
def test_rendering_never_raises_and_escapes_whatever_the_text(documents: Json) -> None:
    page = render_report(**documents)
    assert parsed(page).errors == []
    assert "<script" not in page


def test_a_long_history_shows_its_last_events_and_says_where_the_others_are(served: Json) -> None:
    last = 5  # the report's limit, made small: the same rule as for 1,000 of 30,000
    page = render_report(**served, timeline_limit=last)
    omitted = len(served["events"]) - last
    text = text_of(page)
    assert f"此前的 {omitted} 条记录在归档包的 events.jsonl 中" in text
    shown = served["events"][-last:]
    assert f'id="ev-{last}"' in page
    assert f'id="ev-{last + 1}"' not in page
    assert shown[-1]["hash"] in page
    earlier = {m["sha256"] for e in served["events"][:omitted] for m in e["materials"]} - {
        m["sha256"] for e in shown for m in e["materials"]
    }
    assert earlier
    assert not any(sha in page for sha in earlier), "an earlier event's material is listed"
