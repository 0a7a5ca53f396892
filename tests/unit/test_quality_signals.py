"""Cross-household checks (CONTRACT §7.5): what ``derive`` shows for one group of facts —
duplicate persons and income outliers as findings, the four formalism signals — with
each threshold read from the division the group lies in, whatever the facts' order."""

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import localcontext

from hypothesis import given
from hypothesis import strategies as st

from ledger.config import load_default
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.quality import (
    Derived,
    Fact,
    FactKind,
    FindingCode,
    SignalCode,
    common_division,
    derive,
)
from ledger.domain.quality.frozen import holds_at, leaves
from ledger.domain.quality.signals import group_kinds, is_signal_of, owner

VILLAGE = "530925101201"  # Shuangjiang county
NEIGHBOUR = "530925102203"  # another village of the county
OTHER_COUNTY = "530921100200"
DEFAULTS = load_default()
MINIMAL_TOML = """
version = "t1"
[defaults]
trigger_followup_days = { value = 30, source = "CONTRACT §3" }
"""
OVERRIDDEN = RulesConfiguration.from_toml(
    MINIMAL_TOML
    + """
[divisions."530925".quality]
income_outlier_min_surveys = { value = 5, source = "county notice" }
batch_elimination_min = { value = 3, source = "county notice" }
identical_text_min_households = { value = 2, source = "county notice" }
enrolment_freeze_triggers = { value = 2, source = "county notice" }
enrolment_freeze_months = { value = 3, source = "county notice" }
household_material_kinds = { value = ["minutes"], source = "county notice" }
"""
)
SHA = "a" * 64


def fact(
    kind: FactKind,
    key: str,
    household: str,
    event: str,
    value: str = "",
    village: str = VILLAGE,
    day: date | None = None,
) -> Fact:
    return Fact(kind, key, household, village, event, value, day)


def households(derived: Derived) -> list[tuple[str, ...]]:
    return [tuple(h for h, _ in signal.households) for signal in derived.signals]


# DQ_DUPLICATE_PERSON


def test_an_id_number_in_two_households_gives_each_a_finding_naming_the_other() -> None:
    facts = [
        fact(FactKind.PERSON, "k1", "hh-a", "e1", "m1"),
        fact(FactKind.PERSON, "k1", "hh-b", "e7", "m3", NEIGHBOUR),
        fact(FactKind.PERSON, "k1", "hh-a", "e2", "m1"),
    ]
    derived = derive(FactKind.PERSON, "k1", facts, DEFAULTS)
    assert derived.signals == []
    assert [(h, f.code, f.events) for h, f in derived.findings] == [
        ("hh-a", FindingCode.DQ_DUPLICATE_PERSON, ("e1", "e2")),
        ("hh-b", FindingCode.DQ_DUPLICATE_PERSON, ("e7",)),
    ]
    a, b = (finding for _, finding in derived.findings)
    assert "hh-b" in a.detail
    assert "m3" in a.detail
    assert "m1" in a.detail
    assert "hh-a" in b.detail_zh
    assert "m1" in b.detail_zh
    assert "k1" not in a.detail + a.detail_zh


def test_an_id_number_twice_in_one_household_is_no_duplicate_person() -> None:
    facts = [
        fact(FactKind.PERSON, "k1", "hh-a", "e1", "m1"),
        fact(FactKind.PERSON, "k1", "hh-a", "e2", "m2"),
    ]
    assert derive(FactKind.PERSON, "k1", facts, DEFAULTS) == Derived()


# DQ_INCOME_OUTLIER

INCOMES = ["5000", "5200", "4800", "5100", "4900", "5300", "4700", "5050", "4950"]


def incomes(values: list[str], village: str = VILLAGE) -> list[Fact]:
    key = f"{village}/2021"
    return [
        fact(FactKind.INCOME, key, f"hh-{n:02}", f"s{n:02}", value, village)
        for n, value in enumerate(values)
    ]


def test_an_income_far_from_its_villages_median_is_an_outlier_with_its_score() -> None:
    derived = derive(FactKind.INCOME, f"{VILLAGE}/2021", incomes([*INCOMES, "20000"]), DEFAULTS)
    [(household, finding)] = derived.findings
    assert household == "hh-09"
    assert finding.code is FindingCode.DQ_INCOME_OUTLIER
    assert finding.events == ("s09",)
    # median 5025, deviations' median 150: 0.6745 × 14975 / 150 = 67.34
    assert "20000.00" in finding.detail
    assert "5025.00" in finding.detail
    assert "67.34" in finding.detail
    assert "10 surveys" in finding.detail
    assert "67.34" in finding.detail_zh
    assert "5025.00" in finding.detail_zh


def test_nine_surveys_are_one_too_few_to_judge_an_outlier() -> None:
    values = [*INCOMES[:8], "20000"]
    assert derive(FactKind.INCOME, f"{VILLAGE}/2021", incomes(values), DEFAULTS) == Derived()


def test_an_income_not_far_enough_is_no_outlier() -> None:
    # median 5025, MAD 150: 5700 scores 0.6745 × 675 / 150 = 3.04, within 3.5
    derived = derive(FactKind.INCOME, f"{VILLAGE}/2021", incomes([*INCOMES, "5700"]), DEFAULTS)
    assert derived.findings == []


def test_with_most_incomes_equal_the_mean_absolute_deviation_takes_over() -> None:
    values = ["5000"] * 6 + ["5100", "5200", "5300", "90000"]
    derived = derive(FactKind.INCOME, f"{VILLAGE}/2021", incomes(values), DEFAULTS)
    # MAD 0; MeanAD (100 + 200 + 300 + 85000) / 10 = 8560: 0.7979 × 85000 / 8560 = 7.92
    [(household, finding)] = derived.findings
    assert household == "hh-09"
    assert "7.92" in finding.detail
    assert "mean absolute deviation" in finding.detail
    assert "平均绝对偏差" in finding.detail_zh


def test_when_every_income_is_the_same_none_is_an_outlier() -> None:
    assert derive(FactKind.INCOME, f"{VILLAGE}/2021", incomes(["5000"] * 12), DEFAULTS) == Derived()


def test_an_income_that_is_no_amount_is_left_out_of_the_count() -> None:
    values = [*INCOMES[:8], "20000", "n/a", "NaN", ""]
    assert derive(FactKind.INCOME, f"{VILLAGE}/2021", incomes(values), DEFAULTS) == Derived()


def test_a_county_judges_outliers_among_fewer_surveys_when_it_says_so() -> None:
    values = ["5000", "5100", "4900", "5050", "30000"]
    assert derive(FactKind.INCOME, f"{VILLAGE}/2021", incomes(values), DEFAULTS).findings == []
    ours = derive(FactKind.INCOME, f"{VILLAGE}/2021", incomes(values), OVERRIDDEN)
    assert [h for h, _ in ours.findings] == ["hh-04"]
    theirs = incomes(values, OTHER_COUNTY)
    assert derive(FactKind.INCOME, f"{OTHER_COUNTY}/2021", theirs, OVERRIDDEN) == Derived()


# AF_MATERIAL_REUSED


def test_a_survey_form_cited_by_two_households_is_reused() -> None:
    facts = [
        fact(FactKind.MATERIAL, SHA, "hh-b", "e2", "survey_form"),
        fact(FactKind.MATERIAL, SHA, "hh-a", "e1", "survey_form"),
        fact(FactKind.MATERIAL, SHA, "hh-a", "e3", "minutes"),
    ]
    [signal] = derive(FactKind.MATERIAL, SHA, facts, DEFAULTS).signals
    assert signal.code is SignalCode.AF_MATERIAL_REUSED
    assert signal.key == SHA
    assert signal.division == VILLAGE
    assert signal.households == (("hh-a", VILLAGE), ("hh-b", VILLAGE))
    assert signal.events == ("e1", "e2", "e3")
    assert "信息采集表" in signal.detail_zh


def test_a_survey_form_cited_twice_by_one_household_is_not_reused() -> None:
    facts = [
        fact(FactKind.MATERIAL, SHA, "hh-a", "e1", "survey_form"),
        fact(FactKind.MATERIAL, SHA, "hh-a", "e2", "survey_form"),
    ]
    assert derive(FactKind.MATERIAL, SHA, facts, DEFAULTS) == Derived()


def test_minutes_shared_in_one_village_are_not_reused_but_across_villages_are() -> None:
    one_village = [
        fact(FactKind.MATERIAL, SHA, "hh-a", "e1", "minutes"),
        fact(FactKind.MATERIAL, SHA, "hh-b", "e2", "minutes"),
    ]
    assert derive(FactKind.MATERIAL, SHA, one_village, DEFAULTS) == Derived()
    two_villages = [
        *one_village,
        fact(FactKind.MATERIAL, SHA, "hh-c", "e3", "minutes", OTHER_COUNTY),
    ]
    [signal] = derive(FactKind.MATERIAL, SHA, two_villages, DEFAULTS).signals
    assert signal.division == "5309"
    assert [h for h, _ in signal.households] == ["hh-a", "hh-b", "hh-c"]


def test_a_county_may_count_minutes_as_made_for_one_household() -> None:
    facts = [
        fact(FactKind.MATERIAL, SHA, "hh-a", "e1", "minutes"),
        fact(FactKind.MATERIAL, SHA, "hh-b", "e2", "minutes"),
    ]
    assert len(derive(FactKind.MATERIAL, SHA, facts, OVERRIDDEN).signals) == 1


# AF_BATCH_ELIMINATION

BATCH_KEY = "actor:u-7/2021-11-03"


def eliminations(count: int, village: str = VILLAGE) -> list[Fact]:
    return [
        fact(FactKind.ELIMINATION, BATCH_KEY, f"hh-{n % 7}", f"m{n:02}", village=village)
        for n in range(count)
    ]


def test_twenty_eliminations_by_one_actor_on_one_date_are_a_batch() -> None:
    [signal] = derive(FactKind.ELIMINATION, BATCH_KEY, eliminations(20), DEFAULTS).signals
    assert signal.code is SignalCode.AF_BATCH_ELIMINATION
    assert signal.key == BATCH_KEY
    assert len(signal.events) == 20
    assert len(signal.households) == 7
    assert "2021-11-03" in signal.detail
    assert "actor:u-7" in signal.detail
    assert "2021年11月3日" in signal.detail_zh
    assert "工作人员 u-7" in signal.detail_zh


def test_nineteen_eliminations_are_no_batch_even_when_a_fact_comes_twice() -> None:
    facts = eliminations(19)
    assert derive(FactKind.ELIMINATION, BATCH_KEY, [*facts, facts[0]], DEFAULTS) == Derived()


def test_a_county_may_set_a_smaller_batch() -> None:
    assert len(derive(FactKind.ELIMINATION, BATCH_KEY, eliminations(3), OVERRIDDEN).signals) == 1
    other = eliminations(3, OTHER_COUNTY)
    assert derive(FactKind.ELIMINATION, BATCH_KEY, other, OVERRIDDEN) == Derived()


# AF_IDENTICAL_TEXT


def texts(households: int, events_each: int = 1) -> list[Fact]:
    return [
        fact(FactKind.TEXT, SHA, f"hh-{h}", f"e{h}-{n}", "summary")
        for h in range(households)
        for n in range(events_each)
    ]


def test_one_text_in_five_households_is_identical_text() -> None:
    [signal] = derive(FactKind.TEXT, SHA, texts(5), DEFAULTS).signals
    assert signal.code is SignalCode.AF_IDENTICAL_TEXT
    assert len(signal.households) == 5
    assert len(signal.events) == 5
    assert SHA in signal.detail
    assert "摘要" in signal.detail_zh


def test_one_text_in_many_events_of_four_households_is_not() -> None:
    assert derive(FactKind.TEXT, SHA, texts(4, events_each=5), DEFAULTS) == Derived()
    assert len(derive(FactKind.TEXT, SHA, texts(2), OVERRIDDEN).signals) == 1


# AF_ENROLMENT_FROZEN


def village_facts(triggers: list[str], enrolments: Sequence[str] = ()) -> list[Fact]:
    made = [
        fact(FactKind.TRIGGER, VILLAGE, f"hh-t{n}", f"t{n}", "warning", day=date.fromisoformat(d))
        for n, d in enumerate(triggers)
    ]
    made += [
        fact(FactKind.ENROLMENT, VILLAGE, f"hh-e{n}", f"n{n}", day=date.fromisoformat(d))
        for n, d in enumerate(enrolments)
    ]
    return made


def frozen(
    facts: list[Fact], configuration: RulesConfiguration = DEFAULTS
) -> list[tuple[str, date | None, date | None]]:
    signals = derive(FactKind.TRIGGER, VILLAGE, facts, configuration).signals
    return [(s.key, s.active_from, s.active_until) for s in signals]


def active(facts: list[Fact], day: str) -> bool:
    signals = derive(FactKind.TRIGGER, VILLAGE, facts, DEFAULTS).signals
    reference = date.fromisoformat(day)
    return any(
        s.active_from is not None
        and s.active_from <= reference
        and (s.active_until is None or reference < s.active_until)
        for s in signals
    )


def test_three_triggers_in_twelve_months_without_enrolment_freeze_the_village() -> None:
    facts = village_facts(["2021-01-10", "2021-03-05", "2021-06-01"])
    assert frozen(facts) == [(f"{VILLAGE}/2021-06-01", date(2021, 6, 1), date(2022, 1, 10))]
    [signal] = derive(FactKind.TRIGGER, VILLAGE, facts, DEFAULTS).signals
    assert signal.code is SignalCode.AF_ENROLMENT_FROZEN
    assert signal.division == VILLAGE
    assert signal.events == ("t0", "t1", "t2")
    assert [h for h, _ in signal.households] == ["hh-t0", "hh-t1", "hh-t2"]
    assert "2021年6月1日" in signal.detail_zh
    assert "应纳尽纳" in signal.detail_zh
    for day, holds in [
        ("2021-05-31", False),
        ("2021-06-01", True),
        ("2021-12-31", True),
        ("2022-01-09", True),
        ("2022-01-10", False),
    ]:
        assert active(facts, day) is holds, day


def test_two_triggers_do_not_freeze_a_village() -> None:
    assert frozen(village_facts(["2021-01-10", "2021-06-01"])) == []


def test_triggers_further_apart_than_the_window_do_not_freeze_it() -> None:
    assert frozen(village_facts(["2020-01-10", "2020-06-01", "2021-01-10"])) == []


def test_an_enrolment_ends_the_freeze_on_its_date() -> None:
    facts = village_facts(["2021-01-10", "2021-03-05", "2021-06-01"], ["2021-09-01"])
    assert frozen(facts) == [(f"{VILLAGE}/2021-06-01", date(2021, 6, 1), date(2021, 9, 1))]
    assert active(facts, "2021-08-31")
    assert not active(facts, "2021-09-01")


def test_an_earlier_enrolment_holds_the_freeze_off_until_it_leaves_the_window() -> None:
    facts = village_facts(["2021-01-10", "2021-03-05", "2021-06-01", "2021-12-01"], ["2021-02-01"])
    assert frozen(facts) == [(f"{VILLAGE}/2022-02-01", date(2022, 2, 1), date(2022, 3, 5))]
    [signal] = derive(FactKind.TRIGGER, VILLAGE, facts, DEFAULTS).signals
    assert signal.events == ("t1", "t2", "t3")  # the January trigger had left the window
    for day, holds in [
        ("2021-12-01", False),
        ("2022-01-31", False),
        ("2022-02-01", True),
        ("2022-03-04", True),
        ("2022-03-05", False),
    ]:
        assert active(facts, day) is holds, day


def test_each_stretch_of_a_freeze_is_its_own_signal() -> None:
    facts = village_facts(["2021-01-10", "2021-03-05", "2021-06-01"], ["2021-09-01"])
    facts += village_facts([])  # nothing
    later = [
        fact(FactKind.TRIGGER, VILLAGE, "hh-x", f"x{n}", "application", day=date(2023, m, 1))
        for n, m in enumerate((2, 4, 6))
    ]
    assert [key for key, _, _ in frozen([*facts, *later])] == [
        f"{VILLAGE}/2021-06-01",
        f"{VILLAGE}/2023-06-01",
    ]


def test_a_county_may_freeze_on_fewer_triggers_in_a_shorter_window() -> None:
    facts = village_facts(["2021-01-10", "2021-03-05"])
    assert frozen(facts) == []
    assert frozen(facts, OVERRIDDEN) == [
        (f"{VILLAGE}/2021-03-05", date(2021, 3, 5), date(2021, 4, 10))
    ]


def test_a_fact_dated_the_31st_leaves_a_one_month_window_on_the_1st_after_next() -> None:
    assert leaves(date(2021, 1, 31), 1) == date(2021, 3, 1)
    assert leaves(date(2021, 1, 10), 12) == date(2022, 1, 10)
    assert leaves(date(2020, 2, 29), 12) == date(2021, 3, 1)


def test_triggers_and_enrolments_are_one_group_owned_by_the_triggers() -> None:
    assert owner(FactKind.ENROLMENT) is FactKind.TRIGGER
    assert owner(FactKind.TRIGGER) is FactKind.TRIGGER
    assert owner(FactKind.TEXT) is FactKind.TEXT
    assert group_kinds(FactKind.TRIGGER) == (FactKind.TRIGGER, FactKind.ENROLMENT)
    assert group_kinds(FactKind.ENROLMENT) == ()
    assert group_kinds(FactKind.MATERIAL) == (FactKind.MATERIAL,)
    facts = village_facts(["2021-01-10", "2021-03-05", "2021-06-01"])
    assert derive(FactKind.ENROLMENT, VILLAGE, facts, DEFAULTS) == Derived()
    assert is_signal_of(FactKind.TRIGGER, VILLAGE, "AF_ENROLMENT_FROZEN", f"{VILLAGE}/2021-06-01")
    assert not is_signal_of(FactKind.TRIGGER, VILLAGE, "AF_IDENTICAL_TEXT", VILLAGE)
    assert is_signal_of(FactKind.MATERIAL, SHA, "AF_MATERIAL_REUSED", SHA)
    assert not is_signal_of(FactKind.PERSON, "k1", "AF_MATERIAL_REUSED", "k1")


# Properties, over any group of valid facts (small thresholds, so signals do occur)

SMALL = RulesConfiguration.from_toml(
    """
version = "t1"
[defaults]
trigger_followup_days = { value = 30, source = "CONTRACT §3" }
[divisions."53".quality]
income_outlier_min_surveys = { value = 3, source = "test" }
income_outlier_z = { value = 1, source = "test" }
batch_elimination_min = { value = 2, source = "test" }
identical_text_min_households = { value = 2, source = "test" }
enrolment_freeze_triggers = { value = 2, source = "test" }
enrolment_freeze_months = { value = 2, source = "test" }
"""
)
HOUSEHOLDS = {"hh-0": VILLAGE, "hh-1": VILLAGE, "hh-2": NEIGHBOUR, "hh-3": OTHER_COUNTY}
KEYS = {
    FactKind.PERSON: "k1",
    FactKind.INCOME: f"{VILLAGE}/2021",
    FactKind.ELIMINATION: BATCH_KEY,
    FactKind.TEXT: SHA,
    FactKind.MATERIAL: SHA,
    FactKind.TRIGGER: VILLAGE,
    FactKind.ENROLMENT: VILLAGE,
}
VALUES = {
    FactKind.PERSON: st.sampled_from(["m1", "m2"]),
    FactKind.INCOME: st.one_of(
        st.decimals(-1000, 100000, places=2, allow_nan=False).map(str),
        st.sampled_from(["", "abc", "NaN", "Infinity", "1E+30", "5000"]),
    ),
    FactKind.ELIMINATION: st.just(""),
    FactKind.TEXT: st.sampled_from(["summary", "basis", "note"]),
    FactKind.MATERIAL: st.sampled_from(["survey_form", "minutes", "roster", "consent_form"]),
    FactKind.TRIGGER: st.sampled_from(["warning", "application"]),
    FactKind.ENROLMENT: st.just(""),
}
DAYS = st.one_of(st.none(), st.dates(date(2021, 1, 1), date(2021, 12, 31)))


@st.composite
def group_facts(draw: st.DrawFn, kind: FactKind) -> list[Fact]:
    kinds = [FactKind.TRIGGER, FactKind.ENROLMENT] if kind is FactKind.TRIGGER else [kind]
    made = []
    for _ in range(draw(st.integers(0, 12))):
        of = draw(st.sampled_from(kinds))
        household = draw(st.sampled_from(sorted(HOUSEHOLDS)))
        event = draw(st.sampled_from([f"e{n}" for n in range(15)]))
        made.append(
            Fact(
                of,
                KEYS[of],
                household,
                HOUSEHOLDS[household],
                f"{household}-{event}",
                draw(VALUES[of]),
                draw(DAYS),
            )
        )
    return made


GROUP_KINDS = [k for k in FactKind if k is not FactKind.ENROLMENT]


@given(
    st.sampled_from(GROUP_KINDS).flatmap(lambda k: st.tuples(st.just(k), group_facts(k))),
    st.randoms(),
)
def test_derive_never_crashes_and_ignores_the_facts_order(
    case: tuple[FactKind, list[Fact]], shuffler: random.Random
) -> None:
    kind, facts = case
    derived = derive(kind, KEYS[kind], facts, SMALL)
    shuffled = list(facts)
    shuffler.shuffle(shuffled)
    assert derive(kind, KEYS[kind], shuffled, SMALL) == derived
    assert derive(kind, KEYS[kind], facts, DEFAULTS) == derive(kind, KEYS[kind], shuffled, DEFAULTS)


@given(st.sampled_from(GROUP_KINDS).flatmap(lambda k: st.tuples(st.just(k), group_facts(k))))
def test_a_signals_households_and_events_are_those_of_its_facts(
    case: tuple[FactKind, list[Fact]],
) -> None:
    kind, facts = case
    derived = derive(kind, KEYS[kind], facts, SMALL)
    pairs = {(f.household_id, f.village_code) for f in facts}
    for household_id, finding in derived.findings:
        assert household_id in {h for h, _ in pairs}
        assert set(finding.events) <= {f.event_id for f in facts if f.household_id == household_id}
    for signal in derived.signals:
        assert list(signal.households) == sorted(set(signal.households))
        assert list(signal.events) == sorted(set(signal.events))
        assert signal.key == KEYS[kind] or signal.key.startswith(f"{KEYS[kind]}/")
        if kind is FactKind.TRIGGER:
            triggers = [f for f in facts if f.kind is FactKind.TRIGGER]
            assert set(signal.households) <= {(f.household_id, f.village_code) for f in triggers}
            assert {h for h, _ in signal.households} == {
                f.household_id for f in triggers if f.event_id in signal.events
            }
        else:
            assert set(signal.households) == pairs
            assert set(signal.events) == {f.event_id for f in facts}
        assert len(set(signal.households)) == len({h for h, _ in signal.households})
        assert signal.division == common_division([v for _, v in signal.households])


@given(group_facts(FactKind.TRIGGER), st.dates(date(2020, 11, 1), date(2022, 3, 31)))
def test_the_freeze_windows_say_what_the_rule_says_at_any_reference_date(
    facts: list[Fact], reference: date
) -> None:
    thresholds = SMALL.for_division(VILLAGE).quality
    signals = derive(FactKind.TRIGGER, VILLAGE, facts, SMALL).signals
    held = [
        s
        for s in signals
        if s.active_from is not None
        and s.active_from <= reference
        and (s.active_until is None or reference < s.active_until)
    ]
    assert len(held) <= 1
    assert bool(held) is holds_at(reference, facts, thresholds)
    for signal in signals:  # each stretch is maximal
        assert signal.active_from is not None
        assert signal.active_until is not None
        assert not holds_at(signal.active_from - timedelta(days=1), facts, thresholds)
        assert not holds_at(signal.active_until, facts, thresholds)
        assert holds_at(signal.active_from, facts, thresholds)
        assert holds_at(signal.active_until - timedelta(days=1), facts, thresholds)


def test_thresholds_of_a_group_are_those_of_its_common_division() -> None:
    # Shuangjiang's override does not reach a group that also spans another county.
    facts = [
        *eliminations(2),
        fact(FactKind.ELIMINATION, BATCH_KEY, "hh-x", "m99", village=OTHER_COUNTY),
    ]
    assert derive(FactKind.ELIMINATION, BATCH_KEY, facts, OVERRIDDEN) == Derived()


def test_facts_of_another_group_are_left_out() -> None:
    strays = [fact(FactKind.TEXT, "b" * 64, f"hh-{n}", f"x{n}", "summary") for n in range(5)] + [
        fact(FactKind.MATERIAL, SHA, f"hh-{n}", f"y{n}", "survey_form") for n in range(5)
    ]
    assert derive(FactKind.TEXT, SHA, [*texts(4), *strays], DEFAULTS) == Derived()


def test_an_event_counts_once_however_many_facts_it_gave() -> None:
    [first, *_] = village_facts(["2021-01-10"])
    twice = replace(first, value="application")  # one event, two facts
    facts = [first, twice, *village_facts(["2021-01-10", "2021-03-05"])[1:]]
    assert frozen(facts) == []


def test_outlier_scores_do_not_depend_on_the_threads_decimal_context() -> None:
    facts = incomes([*INCOMES, "20000"])
    expected = derive(FactKind.INCOME, f"{VILLAGE}/2021", facts, DEFAULTS)
    with localcontext() as context:
        context.prec = 3
        assert derive(FactKind.INCOME, f"{VILLAGE}/2021", facts, DEFAULTS) == expected


def test_a_window_longer_than_the_calendar_never_closes() -> None:
    endless = RulesConfiguration.from_toml(
        MINIMAL_TOML
        + '[divisions."530925".quality]\n'
        + 'enrolment_freeze_months = { value = 1000000, source = "test" }\n'
    )
    facts = village_facts(["2001-01-10", "2011-03-05", "2021-06-01"])
    assert frozen(facts, endless) == [(f"{VILLAGE}/2021-06-01", date(2021, 6, 1), None)]
