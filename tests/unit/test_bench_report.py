"""How ``python -m bench`` judges its results and rewrites its section of the document
(``bench/results_table.py``, ``bench/common.py``)."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.common import write_section
from bench.results_table import Result, Target, evaluate, render


def test_a_ratio_target_divides_by_its_reference_on_the_same_backend() -> None:
    results = [
        Result("postgres", "bare", "saves/s", 500.0, "library.single.1"),
        Result("postgres", "http", "events/s", 450.0, "http.single.1"),
        Result("sqlite", "bare", "saves/s", 4000.0, "library.single.1"),
    ]
    target = Target("http.single.1", "≥ 0.8×", 0.8, "library.single.1")

    row = evaluate(results, {"postgres": [target]})[1]

    assert row.ratio == 0.9
    assert row.met is True


def test_an_absolute_upper_bound_is_met_at_or_below_it_and_its_ratio_is_over_the_bound() -> None:
    target = Target("replay", "≤ 5 ms", 5, at_most=True)
    rows = evaluate(
        [
            Result("sqlite", "r", "p50 ms", 5.0, "replay"),
            Result("postgres", "r", "p50 ms", 7.5, "replay"),
        ],
        {"sqlite": [target], "postgres": [target]},
    )

    assert [(row.ratio, row.met) for row in rows] == [(1.0, True), (1.5, False)]


def test_a_comparison_or_an_unjudged_target_shows_a_ratio_but_no_verdict() -> None:
    results = [
        Result("sqlite", "raw", "rows/s", 200.0, "raw"),
        Result("sqlite", "bare", "saves/s", 50.0, "bare"),
        Result("sqlite", "http", "events/s", 100.0, "http"),
    ]
    targets = [
        Target("bare", "compared: raw", None, "raw"),
        Target("http", "≥ 3× (set for PostgreSQL)", 3.0, "bare", judged=False),
    ]

    rows = evaluate(results, {"sqlite": targets})

    assert [(row.ratio, row.met) for row in rows[1:]] == [(0.25, None), (2.0, None)]


def test_a_result_not_measured_keeps_its_reason_and_gets_no_verdict() -> None:
    result = Result(
        "postgres", "`ledger import`", "events/s", None, "import.rate", "not available yet"
    )
    rows = evaluate([result], {"postgres": [Target("import.rate", "≥ 0.3×", 0.3, "raw.copy")]})

    assert (rows[0].ratio, rows[0].met) == (None, None)
    assert "– (not available yet)" in render(rows)
    assert "| ≥ 0.3× |" in render(rows)


def test_a_missing_reference_leaves_the_ratio_empty_instead_of_failing() -> None:
    rows = evaluate(
        [Result("postgres", "http", "events/s", 100.0, "http.single.1")],
        {"postgres": [Target("http.single.1", "≥ 0.8×", 0.8, "library.single.1")]},
    )

    assert (rows[0].ratio, rows[0].met) == (None, None)


bodies = st.lists(
    st.sampled_from(["text", "| a | b |", "### Sub", "", "## not at start"]), max_size=5
).map(lambda lines: "\n".join(" " + x if x.startswith("## ") else x for x in lines))


@given(
    before=st.lists(bodies, max_size=3), old=bodies, new=bodies, after=st.lists(bodies, max_size=3)
)
def test_writing_a_section_replaces_only_it_and_keeps_every_other_section(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[str],
    old: str,
    new: str,
    after: list[str],
) -> None:
    path = tmp_path_factory.mktemp("doc") / "performance.md"
    others = [f"## Other {k}\n{body}\n" for k, body in enumerate(before)]
    later = [f"## Later {k}\n{body}\n" for k, body in enumerate(after)]
    path.write_text("# Performance\n\n" + "\n".join([*others, f"## Issue 6\n{old}\n", *later]))

    write_section("## Issue 6", f"## Issue 6\n{new}\n", path)

    text = path.read_text()
    assert text.count("## Issue 6\n") == 1
    assert f"## Issue 6\n{new}".rstrip() in text
    for section in [*others, *later]:
        assert section.strip() in text


def test_writing_a_section_appends_it_to_a_document_without_it(tmp_path: Path) -> None:
    path = tmp_path / "performance.md"
    path.write_text("# Performance\n\nPreamble.\n\n## Issue 4\nkept\n")

    write_section("## Issue 6", "## Issue 6\nnew\n", path)

    assert path.read_text() == "# Performance\n\nPreamble.\n\n## Issue 4\nkept\n\n## Issue 6\nnew\n"


def test_counts_render_as_whole_numbers_and_rates_with_separators() -> None:
    rows = evaluate(
        [
            Result("sqlite", "re-run", "events appended", 0, "import.rerun"),
            Result("sqlite", "raw", "rows/s", 123456.7, "raw.copy"),
            Result("sqlite", "replay", "p50 ms", 4.321, "replay"),
        ],
        {"sqlite": [Target("import.rerun", "= 0", 0, at_most=True)]},
    )

    assert rows[0].met is True
    assert [line.split(" | ")[3] for line in render(rows).splitlines()[2:]] == [
        "0",
        "123,457",
        "4.32",
    ]
