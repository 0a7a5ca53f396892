"""The risks that bring a household into monitoring (返贫致贫风险), the department that warns
of each and the measure that answers it; incomes on either side of the monitoring floor."""

from dataclasses import dataclass
from random import Random

FLOOR = 6000  # both rounds' monitoring floor (rules.toml, 53: 2020 and 2021)


@dataclass(frozen=True)
class Risk:
    """A risk, the department that warns of it and the measure that answers it."""

    risk_type: str
    department: str
    warning: str
    summary: str
    measure: str
    measure_summary: str
    guarantee: str | None  # the guarantee it puts at risk (两不愁三保障)


RISKS = (
    Risk(
        "illness",
        "medical_insurance",
        "medical_self_pay_high",
        "住院自付费用超过1万元",
        "health",
        "大病救助和医疗保障",
        "medical",
    ),
    Risk(
        "disability",
        "disabled_federation",
        "disability",
        "家庭成员新增重度残疾",
        "social_assistance",
        "残疾人两项补贴",
        None,
    ),
    Risk("education", "education", "other", "子女就学支出大", "education", "教育资助", "education"),
    Risk("disaster", "emergency", "disaster", "房屋受灾受损", "housing", "农房修缮", "housing"),
    Risk("accident", "emergency", "accident", "意外事故致伤", "temporary_relief", "临时救助", None),
    Risk(
        "unstable_employment",
        "human_resources",
        "unemployment",
        "务工人员失业返乡",
        "employment",
        "就业帮扶和公益性岗位",
        None,
    ),
    Risk(
        "industry_failure",
        "agriculture",
        "crop_loss",
        "茶叶减产收入骤减",
        "industry",
        "产业奖补",
        None,
    ),
)
RISK_WEIGHTS = (40, 10, 12, 8, 6, 14, 10)


def income_above(rng: Random) -> int:
    return rng.randrange(FLOOR + 500, 30_000, 10)


def income_below(rng: Random) -> int:
    return rng.randrange(2500, FLOOR - 100, 10)
