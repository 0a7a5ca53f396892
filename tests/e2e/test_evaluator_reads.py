"""Everything an evaluator can read, gathered in one place (the attacks of
``test_evaluator_attacks`` search it), and what is recorded of who read what (CONTRACT §5,
§7.3): an evaluator is served commitments, and pages at most display masks (张*, an ID
number's first six digits and asterisks) — never a name, an ID number or a birth date;
every response that carries values in clear is in the access log; an evaluator's reads
are counted per token and day, without any household or value, for admins to see."""

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ledger.domain.idnumber import with_check_digit
from tests import factories as f
from tests.e2e.conftest import Append, problem_code
from tests.e2e.test_web_sessions import sign_in
from tests.integration.test_audit import Sql, sql  # noqa: F401 (fixture)

# Names within the attacks' dictionaries (a surname and one or two common characters), so
# that the search would find them if anything served were an unsalted hash of them.
HEAD, SPOUSE, CHILD, ELDER = "王芳", "李爱冰", "张安", "陈"
ACTOR_NAME, RECORDER = "赵强", "周杰"
FILE_NAME = f"{HEAD}采集表.jpg"
BIRTHS = {"m1": "1978-06-15", "m2": "1981-11-03", "m3": "2009-02-27", "m4": "1946-08-30"}
ID_NUMBERS = {
    member_id: with_check_digit(f"530925{born.replace('-', '')}{serial:03d}")
    for serial, (member_id, born) in enumerate(BIRTHS.items(), start=21)
}
NAMES = (HEAD, SPOUSE, CHILD, ELDER, ACTOR_NAME, RECORDER)
ACTOR = {**f.ACTOR, "name": ACTOR_NAME}
MATERIAL_BYTES = b"scan of a survey form of hh-1"

Served = list[tuple[str, str]]
"""(what was read, its text) for every document an evaluator was served."""


def _event(type_: str, data: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return {**f.event(type_, data, **envelope), "actor": ACTOR}


def _member(member_id: str, relation: str, name: str, **overrides: Any) -> dict[str, Any]:
    return f.member(
        member_id,
        relation,
        name=name,
        id_number=ID_NUMBERS[member_id],
        birth_date=BIRTHS[member_id],
        **overrides,
    )


@pytest.fixture
def seeded(append: Append, client: TestClient, make_token: Callable[..., str]) -> str:
    """hh-1: four named members with ID numbers and birth dates, a survey citing a stored
    file named after the head, an enrollment without its procedure (gaps) and an
    unanswered application (a look-back candidate), by a named actor and recorder."""
    recorder = {"Authorization": f"Bearer {make_token(name=RECORDER)}"}
    upload = client.post(
        "/v1/materials",
        headers=recorder,
        files={"file": (FILE_NAME, MATERIAL_BYTES, "image/jpeg")},
    )
    assert upload.status_code == 201, upload.text
    material = {
        "sha256": upload.json()["sha256"],
        "kind": "survey_form",
        "name": FILE_NAME,
        "media_type": "image/jpeg",
        "size": len(MATERIAL_BYTES),
    }
    registration = f.registered(
        members=[
            _member("m1", "head", HEAD),
            _member("m2", "spouse", SPOUSE, sex="F"),
            _member("m4", "parent", ELDER, labor="none"),
        ]
    )
    registration["actor"] = ACTOR
    child = _member("m3", "child", CHILD, labor="not_applicable")
    response = append(
        "hh-1",
        registration,
        _event("MemberAdded", {"member": child, "reason": "birth"}),
        _event("AssistanceApplied", {"channel": "village", "summary": "医疗支出大"}),
        {**f.survey(), "actor": ACTOR, "materials": [material]},
        f.marked("enrolled", "sudden_hardship"),
        headers=recorder,
    )
    assert response.status_code == 201, response.text
    return str(material["sha256"])


def evaluator_token(make_token: Callable[..., str]) -> str:
    return str(make_token(role="evaluator", division="53", name="评估组"))


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, follow_redirects=False)
    assert response.status_code == 200, (path, params, response.text)
    return response


def _sheet(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    assert sheet is not None
    return "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def _api_reads(client: TestClient) -> Iterator[tuple[str, str]]:
    now = datetime.now(UTC).isoformat()
    for path, params in (
        ("/v1/households/hh-1", {}),
        ("/v1/households/hh-1", {"as_of": now}),
        ("/v1/households/hh-1/events", {}),
        ("/v1/households/hh-1/completeness", {}),
        ("/v1/feed", {}),
        ("/v1/completeness", {}),
        ("/v1/lookback", {}),
        ("/v1/reports/summary", {}),
    ):
        yield f"{path} {params}", _get(client, path, **params).text
    for path in ("/v1/completeness", "/v1/lookback", "/v1/reports/summary"):
        yield f"{path} csv", _get(client, path, format="csv").content.decode("utf-8")
        yield f"{path} xlsx", _sheet(_get(client, path, format="xlsx").content)


def _archive(client: TestClient) -> Iterator[tuple[str, str]]:
    content = _get(client, "/v1/households/hh-1/archive").content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            yield f"archive {name}", archive.read(name).decode("utf-8", errors="replace")


def _material(client: TestClient, sha256: str) -> Iterator[tuple[str, str]]:
    response = _get(client, f"/v1/materials/{sha256}")
    yield "material headers", "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    yield "material file", response.content.decode("utf-8", errors="replace")


def _pages(client: TestClient, token: str) -> Iterator[tuple[str, str]]:
    sign_in(client, token)
    try:
        for path in (
            "/ui/divisions/53",
            "/ui/divisions/530925",
            "/ui/households/hh-1",
            f"/ui/households/hh-1?as_of={date.today().isoformat()}",
        ):
            yield f"page {path}", _get(client, path).text
        for name in ("completeness", "lookback"):
            yield f"page export {name}.csv", _get(client, f"/ui/divisions/53/{name}.csv").text
            yield (
                f"page export {name}.xlsx",
                _sheet(_get(client, f"/ui/divisions/53/{name}.xlsx").content),
            )
    finally:
        client.cookies.clear()


def everything_an_evaluator_reads(client: TestClient, token: str, material: str) -> Served:
    """Every document an evaluator's token reads of the seeded household: the API's reads
    and exports, the archive's every file, the material file and its headers, the pages."""
    client.headers.update(_auth(token))
    try:
        served = [*_api_reads(client), *_archive(client), *_material(client, material)]
    finally:
        del client.headers["Authorization"]
    return [*served, *_pages(client, token)]


def _leaks(text: str) -> list[str]:
    births = [*BIRTHS.values(), *(born.replace("-", "") for born in BIRTHS.values())]
    return [secret for secret in (*NAMES, *ID_NUMBERS.values(), *births) if secret in text]


def test_no_document_an_evaluator_reads_carries_a_name_an_id_number_or_a_birth_date(
    seeded: str, client: TestClient, make_token: Callable[..., str]
) -> None:
    served = everything_an_evaluator_reads(client, evaluator_token(make_token), seeded)
    assert len(served) > 30
    assert {what: _leaks(text) for what, text in served if _leaks(text)} == {}
    # Not vacuous: the household is in every list an evaluator reads.
    texts = dict(served)
    for what in ("/v1/completeness csv", "/v1/lookback csv", "page /ui/divisions/53"):
        assert "hh-1" in texts[what], what


ID_LIKE = re.compile(r"(?<![0-9a-fA-F*])[0-9]{6}[0-9*]{8}[0-9Xx*]{4}(?![0-9a-fA-F*])")
NAME_MASK = re.compile(r"(?<![\w*])[\u4e00-\u9fff]\*+")


def test_an_evaluators_pages_show_at_most_display_masks(
    seeded: str, client: TestClient, make_token: Callable[..., str]
) -> None:
    served = everything_an_evaluator_reads(client, evaluator_token(make_token), seeded)
    pages = [text for what, text in served if what.startswith("page")]
    # Members are shown by display masks, opened and masked on the server: never the
    # commitments the evaluator's state carries, nor a value.
    state = json.loads(dict(served)["/v1/households/hh-1 {}"])
    household_page = dict(served)["page /ui/households/hh-1"]
    for member in state["members"]:
        assert member["name"] not in household_page, member["member_id"]
    assert NAME_MASK.findall(household_page), "the members' names are shown masked"
    for text in pages:
        for shown in ID_LIKE.findall(text):
            assert re.fullmatch(r"[0-9]{6}\*{12}", shown), shown
        for mask in NAME_MASK.findall(text):
            assert mask[0] in {name[0] for name in NAMES}, mask


# Accountability: who read what.

OPENED_READS = (
    ("/v1/households/hh-1", "GET /v1/households/{household_id}"),
    ("/v1/households/hh-1/events", "GET /v1/households/{household_id}/events"),
    ("/v1/feed", "GET /v1/feed"),
    ("/v1/households/hh-1/archive", "GET /v1/households/{household_id}/archive"),
)
PAGE = ("/ui/households/hh-1", "GET /ui/households/{household_id}")


def _token_id(token: str) -> str:
    return token.split("_")[1]


def _access_log(client: TestClient, admin: dict[str, str], token: str) -> list[Any]:
    response = client.get("/v1/access-log", params={"token_id": _token_id(token)}, headers=admin)
    assert response.status_code == 200, response.text
    return [
        (row["household_id"], row["endpoint"], row["material"]) for row in response.json()["items"]
    ]


def _read_as(client: TestClient, token: str, material: str) -> None:
    """Every read that carries personal data: the API's, the page's, the material's."""
    for path, _ in OPENED_READS:
        assert client.get(path, headers=_auth(token)).status_code == 200, path
    response = client.get(f"/v1/materials/{material}", headers=_auth(token))
    assert response.status_code == 200, response.text
    sign_in(client, token)
    assert client.get(PAGE[0]).status_code == 200
    client.cookies.clear()


@pytest.mark.parametrize("role", ["auditor", "recorder", "admin"])
def test_every_response_carrying_values_in_clear_is_in_the_access_log(
    seeded: str, client: TestClient, make_token: Callable[..., str], role: str
) -> None:
    reader = make_token(role=role)
    _read_as(client, reader, seeded)
    admin = _auth(make_token(role="admin"))
    assert _access_log(client, admin, reader) == [
        *(("hh-1", endpoint, None) for _, endpoint in OPENED_READS),
        ("hh-1", "GET /v1/materials/{sha256}", seeded),
        ("hh-1", PAGE[1], None),
    ]


def test_each_evaluator_read_is_counted_for_its_token_and_day_without_any_value(
    seeded: str, client: TestClient, make_token: Callable[..., str], sql: Sql
) -> None:
    evaluator, other = evaluator_token(make_token), evaluator_token(make_token)
    _read_as(client, evaluator, seeded)
    assert client.get("/v1/households/hh-1", headers=_auth(other)).status_code == 200
    for _ in range(2):  # reads without personal data are not counted
        assert client.get("/v1/completeness", headers=_auth(evaluator)).status_code == 200
    admin = _auth(make_token(role="admin"))
    today = datetime.now(UTC).date().isoformat()
    response = client.get("/v1/admin/evaluator-reads", headers=admin)
    assert response.status_code == 200, response.text
    # The four API reads and the page; the material download is in the access log.
    assert response.json() == {
        "items": [
            {"token_id": _token_id(evaluator), "day": today, "reads": len(OPENED_READS) + 1},
            {"token_id": _token_id(other), "day": today, "reads": 1},
        ],
        "next": None,
    }
    assert _access_log(client, admin, evaluator) == [("hh-1", "GET /v1/materials/{sha256}", seeded)]
    rows = sql("SELECT * FROM evaluator_reads", ())
    assert sorted((row[0], str(row[1]), row[2]) for row in rows) == sorted(
        [(_token_id(evaluator), today, 5), (_token_id(other), today, 1)]
    )


def test_evaluator_reads_are_for_admins_of_the_evaluators_division_and_paged(
    seeded: str, client: TestClient, make_token: Callable[..., str]
) -> None:
    here = [evaluator_token(make_token) for _ in range(3)]
    elsewhere = make_token(role="evaluator", division="44")
    for count, token in enumerate([*here, elsewhere], start=1):
        for _ in range(count):
            assert client.get("/v1/feed", headers=_auth(token)).status_code == 200
    admin = _auth(make_token(role="admin", division="53"))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/admin/evaluator-reads", params=params, headers=admin)
        assert response.status_code == 200, response.text
        seen += [(row["token_id"], row["reads"]) for row in response.json()["items"]]
        if (cursor := response.json()["next"]) is None:
            break
    assert seen == [(_token_id(t), n) for n, t in reversed(list(enumerate(here, start=1)))]
    for role in ("auditor", "evaluator", "recorder"):
        refused = client.get("/v1/admin/evaluator-reads", headers=_auth(make_token(role=role)))
        assert (refused.status_code, problem_code(refused)) == (403, "FORBIDDEN")
    assert client.get("/v1/admin/evaluator-reads").status_code == 401
