"""A rebuild fills the other set of read models beside the live one: lists and summaries
keep answering, whole, from the live set until the switch, and the serving process follows
the new set after it (CONTRACT §7.1)."""

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap import open_ledger, open_views
from bootstrap.settings import Settings
from ledger.config import load_default
from ledger.persistence.database import Database
from projections.runner import ProjectionRunner
from tests import factories as f
from tests.conftest import _url, services_of
from tests.e2e.conftest import Append

HOUSEHOLDS = 24
# A list and a summary answered at once, not after the rebuild: a read held until the end
# of the rebuild (4-6 s, paced below) takes longer than this; a read of a machine under the
# whole suite's load has taken 1.66 s, so the bound is not a speed target.
READ_BOUND_S = 3.0


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    """The app without its per-token rate limit: the test reads as fast as it can."""
    with TestClient(create_app(Settings(database_url=_url(database), rate_limit_per_s=0))) as c:
        yield c


def test_lists_answer_whole_throughout_a_rebuild_of_the_county(
    client: TestClient,
    append: Append,
    auth: dict[str, str],
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(HOUSEHOLDS):
        assert append(f"hh-{n:02d}", *f.county_household(n)).status_code == 201
    county = {"division": "530925"}

    def read() -> tuple[list[str], int]:
        started = time.monotonic()
        summary = client.get("/v1/reports/summary", params=county, headers=auth)
        listed = client.get("/v1/completeness", params=county, headers=auth)
        took = time.monotonic() - started
        assert took < READ_BOUND_S, f"a list and a summary took {took:.2f} s"
        assert (summary.status_code, listed.status_code) == (200, 200), (summary.text, listed.text)
        return ([i["household_id"] for i in listed.json()["items"]], summary.json()["households"])

    before, households = read()
    assert households == HOUSEHOLDS
    assert before

    # The rebuild as `ledger projections rebuild` runs it: its own ledger and pool, here
    # in a thread, in pages of a few events (many transactions), slowed between pages so
    # that it lasts longer than the read bound (4-6 s).
    monkeypatch.setattr("projections.runner.REBUILD_PAGE", 6)
    # With the serving process's personal-data key, as the command's settings give it:
    # the quality rules open members' ID numbers and birth dates.
    key = services_of(client).ledger.personal.key
    ledger = open_ledger(database, pool_size=2, personal_key=key)
    rebuilding = ProjectionRunner(ledger, open_views(ledger), load_default())
    pause: Callable[[int], None] = lambda _: time.sleep(0.16)  # noqa: E731
    failure: list[BaseException] = []

    def rebuild() -> None:
        try:
            rebuilding.rebuild(pause)
        except BaseException as error:  # reported by the test below
            failure.append(error)

    thread = threading.Thread(target=rebuild)
    answers = []
    try:
        thread.start()
        while thread.is_alive():
            answers.append(read())
    finally:
        thread.join(60)
        ledger.close()
    assert not failure, failure
    assert len(answers) >= 3, "the rebuild ended before the lists were read during it"
    assert all(answer == (before, HOUSEHOLDS) for answer in answers), [
        answer for answer in answers if answer != (before, HOUSEHOLDS)
    ][:3]
    assert open_views(services_of(client).ledger).live().name == "green"

    # The serving process's runner follows the new set.
    assert append("hh-new", f.registered(), f.survey()).status_code == 201
    assert read()[1] == HOUSEHOLDS + 1
    ready = client.get("/readyz").json()
    assert ready["parked"] == 0, [
        (p.household_id, p.error) for p in open_views(services_of(client).ledger).parked()
    ][:3]
