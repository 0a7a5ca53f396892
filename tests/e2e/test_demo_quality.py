"""After `ledger demo` (the default 5,000 households), every data-quality finding and every
formalism signal of CONTRACT §7.5 is in the read models, each finding on a few households
(planted, not the county's usual state), each signal a handful of times."""

from collections import Counter

from bootstrap import open_ledger, open_views
from ledger.domain.quality.codes import FindingCode, SignalCode
from ledger.persistence.database import Database
from tests.e2e.test_demo import run

HOUSEHOLDS = 5000


def test_the_demo_county_shows_every_finding_and_signal(database: Database) -> None:
    loaded = run(database)  # the default county
    assert loaded.exit_code == 0, loaded.stderr
    assert f"imported {HOUSEHOLDS:,}".replace(",", "") in loaded.stdout.replace(",", "")
    ledger = open_ledger(database, pool_size=2)
    try:
        views = open_views(ledger)
        households: Counter[str] = Counter()
        for table in ("finding_view", "derived_finding_view"):
            for row in views._rows(
                f"SELECT code, COUNT(DISTINCT household_id) AS n FROM {{{table}}} GROUP BY code"
            ):
                households[row["code"]] += row["n"]
        counted = "SELECT code, COUNT(*) AS n FROM {signal_view} GROUP BY code"
        signals = Counter({row["code"]: row["n"] for row in views._rows(counted)})
    finally:
        ledger.close()
    assert set(households) == {code.value for code in FindingCode}, households
    assert set(signals) == {code.value for code in SignalCode}, signals
    # A few in a hundred households at most: a finding is a slip, not the county's habit.
    assert max(households.values()) <= HOUSEHOLDS * 0.03, households.most_common(5)
    assert max(signals.values()) <= 30, signals
