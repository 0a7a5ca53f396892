"""The pages show each gap's and candidate's Chinese explanation (CONTRACT §7.5): the
division's gap and look-back lists and the household's procedures."""

import html
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests import factories as f
from tests.e2e.conftest import Append
from tests.e2e.test_web_pages import signed_in


def test_the_pages_show_the_chinese_detail_of_every_gap_and_candidate(
    client: TestClient, make_token: Callable[..., str], append: Append
) -> None:
    for n in range(4):
        response = append(f"hh-{n:03d}", *f.county_household(n))
        assert response.status_code == 201, response.text
    token = make_token("auditor", "530925")
    bearer = {"Authorization": f"Bearer {token}"}
    gaps = client.get("/v1/completeness?division=530925", headers=bearer).json()["items"]
    candidates = client.get(
        "/v1/lookback?division=530925&reference_date=2021-12-01", headers=bearer
    ).json()["items"]
    assert gaps
    assert candidates
    signed_in(client, token)

    county = html.unescape(client.get("/ui/divisions/530925?reference_date=2021-12-01").text)
    for item in gaps:
        for gap in item["gaps"]:
            assert gap["detail_zh"]
            assert gap["detail_zh"] in county
    for item in candidates:
        for candidate in item["candidates"]:
            assert candidate["detail_zh"] in county
            assert candidate["detail"] not in county  # the 依据 column is the Chinese one

    household = gaps[0]["household_id"]
    page = html.unescape(client.get(f"/ui/households/{household}").text)
    document = client.get(f"/v1/households/{household}/completeness", headers=bearer).json()
    own = [g for e in document["episodes"] for g in e["gaps"]]
    assert own
    assert all(g["detail_zh"] in page for g in own)
