"""``DQ_INCOME_OUTLIER`` (CONTRACT §7.5): a survey's per-capita income far from its
village's others of the same year, by Iglewicz & Hoaglin's modified z-score — DHIS2's
``MOD_Z_SCORE`` outlier detection:

    Mi = 0.6745 · (xi − median) / MAD,  MAD = median(|xi − median|)

When more than half the surveys give the same income, MAD is 0 and the score divides by
zero. Judging nothing then would hide the case it matters most for (incomes copied from
one template, and one household far off), so we take the variant Iglewicz & Hoaglin and
IBM (SPSS Modeler's anomaly node) give for it, with the mean absolute deviation from the
median instead:

    Mi = 0.7979 · (xi − median) / MeanAD   (0.7979 ≈ 1 / 1.253314)

When every income is the same, MeanAD is 0 too and no survey is an outlier.

All in ``Decimal`` under a fixed context, so the scores are the same on every machine,
live and after a rebuild.
"""

from collections.abc import Sequence
from decimal import Context, Decimal, InvalidOperation

from ledger.domain.configuration.quality import QualityThresholds
from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.model import Fact, Finding

# Exact for incomes of 15 digits whatever the thread's context: every operation that
# could round goes through this one (copy_abs and comparisons never round).
_CONTEXT = Context(prec=40)
_MAD_FACTOR = Decimal("0.6745")
_MEAN_AD_FACTOR = Decimal("0.7979")
_LIMIT = Decimal(10) ** 13  # an income has at most 15 digits, 2 of them decimals
_CENT = Decimal("0.01")


def income(text: str) -> Decimal | None:
    """The income a fact holds, None when it is no finite amount a survey could give."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value.copy_abs() >= _LIMIT:
        return None
    return value


def _total(values: Sequence[Decimal]) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = _CONTEXT.add(total, value)
    return total


def median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return _CONTEXT.divide(_CONTEXT.add(ordered[middle - 1], ordered[middle]), Decimal(2))


def scores(values: Sequence[Decimal]) -> tuple[Decimal, list[Decimal], bool] | None:
    """The median, each value's modified z-score and whether MeanAD stood in for a MAD of
    0; None when all values are equal."""
    centre = median(values)
    deviations = [_CONTEXT.subtract(x, centre).copy_abs() for x in values]
    mad = median(deviations)
    if mad:
        factor, spread = _MAD_FACTOR, mad
    else:
        spread = _CONTEXT.divide(_total(deviations), Decimal(len(values)))
        factor = _MEAN_AD_FACTOR
        if not spread:
            return None
    return (
        centre,
        [
            _CONTEXT.divide(_CONTEXT.multiply(factor, _CONTEXT.subtract(x, centre)), spread)
            for x in values
        ],
        not mad,
    )


def _money(value: Decimal) -> str:
    return f"{value.quantize(_CENT, context=_CONTEXT):f}"


def income_outliers(
    key: str, facts: Sequence[Fact], thresholds: QualityThresholds
) -> list[tuple[str, Finding]]:
    """Each survey of the group (a village's surveys whose income period ends in one year,
    ``key`` "<village>/<year>") whose |score| is above ``income_outlier_z``, when the group
    holds ``income_outlier_min_surveys`` surveys or more with an income."""
    surveys = [(fact, amount) for fact in facts if (amount := income(fact.value)) is not None]
    count = len(surveys)
    if count < thresholds.income_outlier_min_surveys.value or count == 0:
        return []
    judged = scores([amount for _, amount in surveys])
    if judged is None:
        return []
    centre, z_scores, by_mean = judged
    method = "mean absolute deviation, the MAD being 0; " if by_mean else ""
    method_zh = "（过半调查收入相同，按平均绝对偏差计算）" if by_mean else ""
    cut = thresholds.income_outlier_z.value
    village, _, year = key.rpartition("/")
    findings = []
    for (fact, amount), score in zip(surveys, z_scores, strict=True):
        if score.copy_abs() <= cut:
            continue
        shown = _money(score)
        detail = (
            f"per-capita income {_money(amount)} yuan against a median of {_money(centre)} "
            f"among the {count} surveys of village {village} for {year}: modified z-score "
            f"{shown}, beyond ±{cut} ({method}Iglewicz & Hoaglin, DHIS2 MOD_Z_SCORE)"
        )
        detail_zh = (
            f"本次调查人均纯收入 {_money(amount)} 元，本村 {year} 年度共 {count} 次调查的"
            f"中位数为 {_money(centre)} 元，修正 Z 分数为 {shown}{method_zh}，绝对值超过 {cut}，"
            f"明显偏离本村同年度水平，请核实"
        )
        finding = Finding(FindingCode.DQ_INCOME_OUTLIER, detail, detail_zh, (fact.event_id,))
        findings.append((fact.household_id, finding))
    return findings
