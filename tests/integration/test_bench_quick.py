"""``python -m bench --quick`` runs its cheapest sections on each database and reports
them: a smoke test of the harness, not a measurement (deselect with ``-m "not bench"``)."""

import json
from pathlib import Path

import pytest

from bench.__main__ import main

pytestmark = pytest.mark.bench


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_quick_run_measures_the_physical_limit_and_the_bare_library_and_writes_no_document(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend == "postgres":
        request.getfixturevalue("postgres_server")  # skips loudly without PostgreSQL
    raw = tmp_path / "run.json"
    written: list[str] = []
    monkeypatch.setattr("bench.__main__.write_section", lambda *a: written.append("doc"))

    assert (
        main(
            [
                "--quick",
                "--only",
                "limits,library",
                "--backends",
                backend,
                "--seconds",
                "0.5",
                "--warmup",
                "0.1",
                "--results",
                str(raw),
            ]
        )
        == 0
    )

    measured = {r["key"]: r["value"] for r in json.loads(raw.read_text())["results"]}
    expected = {
        "raw.batched",
        "raw.single.1",
        "library.single.1",
        "library.single.8",
        "library.batch",
    } | ({"raw.copy", "raw.single.8"} if backend == "postgres" else set())
    assert set(measured) == expected
    assert all(value > 0 for value in measured.values())
    table = capsys.readouterr().out
    assert f"| {backend} | raw: single-row commits, 1 connection | rows/s |" in table
    assert f"| {backend} | bare eventsourcing: single-event saves, 1 thread | saves/s |" in table
    assert written == []  # --quick figures mean nothing: never in docs/performance.md
