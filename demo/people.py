"""Members of synthetic households: names, ages, labour, health and valid ID numbers.

ID numbers (公民身份号码, GB 11643) are the county's 6-digit code, the birth date, a
3-digit sequence whose last digit is odd for men and even for women, and the check digit;
unique within a household. Names mix common surnames with given names of one or two
characters. Household size averages about 3 people (2,833 people in 940 households, 000
§二(六)).
"""

from datetime import date, timedelta
from random import Random
from typing import Any

from ledger.domain.idnumber import with_check_digit

_SURNAMES = (
    "李" * 14
    + "杨" * 9
    + "张" * 8
    + "王" * 6
    + "罗" * 6
    + "陈" * 5
    + "赵" * 5
    + "字" * 4
    + "俸" * 3
    + "鲁" * 3
    + "刘" * 3
    + "周" * 3
    + "段" * 2
    + "石" * 2
    + "田" * 2
    + "胡" * 2
    + "施"
    + "毕"
    + "魏"
    + "彭"
    + "尹"
    + "鲍"
)
_GIVEN = {
    "M": "国建明文春华永兴学成忠德云志荣光福海军新顺发平安伟强",
    "F": "美丽芳秀兰英琴梅燕玉萍仙花娟艳香春桂珍凤丹琼霞娜",
}
_SIZES = (1, 2, 3, 4, 5, 6)
_SIZE_WEIGHTS = (12, 22, 30, 22, 10, 4)  # mean 3.1
AGES_AT = date(2020, 6, 30)
"""Ages are counted at this date, before any synthetic registration."""


def person_name(rng: Random, sex: str, surname: str | None = None) -> str:
    given = "".join(rng.choice(_GIVEN[sex]) for _ in range(rng.choice((1, 2, 2))))
    return (surname or rng.choice(_SURNAMES)) + given


def household_size(rng: Random) -> int:
    return rng.choices(_SIZES, weights=_SIZE_WEIGHTS)[0]


def _labor(rng: Random, age: int) -> str:
    if age < 16:
        return "not_applicable"
    if age < 60:
        return "full" if rng.random() < 0.88 else "partial"
    if age < 70:
        return rng.choices(("full", "partial", "none"), weights=(2, 6, 2))[0]
    return rng.choices(("partial", "none"), weights=(4, 6))[0]


def _health(rng: Random, age: int) -> str:
    chronic = 0.05 + age / 400  # more common with age
    return rng.choices(
        ("healthy", "chronic", "serious_illness", "disabled"),
        weights=(1 - chronic - 0.05, chronic, 0.025, 0.025),
    )[0]


def _id_number(rng: Random, county: str, born: date, sex: str, taken: set[str]) -> str:
    while True:
        sequence = rng.randrange(0, 100) * 10 + rng.randrange(1 if sex == "M" else 0, 10, 2)
        number = with_check_digit(f"{county}{born:%Y%m%d}{sequence:03d}")
        if number not in taken:
            taken.add(number)
            return number


class _Household:
    def __init__(self, rng: Random, county: str) -> None:
        self.rng, self.county = rng, county
        self.members: list[dict[str, Any]] = []
        self.taken: set[str] = set()

    def add(self, relation: str, age: int, sex: str, surname: str | None = None) -> str:
        rng = self.rng
        age = max(0, min(age, 95))
        born = AGES_AT - timedelta(days=age * 365 + rng.randrange(365))
        member_id = f"m{len(self.members) + 1}"
        member: dict[str, Any] = {
            "member_id": member_id,
            "name": person_name(rng, sex, surname),
            "id_number": _id_number(rng, self.county, born, sex, self.taken),
            "relation": relation,
            "sex": sex,
            "birth_date": born.isoformat(),
            "labor": _labor(rng, age),
            "health": _health(rng, age),
        }
        if member["health"] == "disabled":
            member["disability_grade"] = rng.randint(1, 4)
        if 6 <= age <= 18:
            member["in_school"] = rng.random() < 0.9
        self.members.append(member)
        return str(member["name"])[0]


def members(
    rng: Random, county: str, size: int, head_ages: tuple[int, int]
) -> list[dict[str, Any]]:
    """A household of ``size`` members: a head aged within ``head_ages``, a spouse, then
    children (grandchildren under an old head) and parents."""
    house = _Household(rng, county)
    head_age = rng.randint(*head_ages)
    head_sex = "M" if rng.random() < 0.85 else "F"
    surname = house.add("head", head_age, head_sex)
    if size > 1 and rng.random() < 0.9:
        house.add("spouse", head_age + rng.randint(-6, 4), "F" if head_sex == "M" else "M")
    while len(house.members) < size:
        sex = rng.choice("MF")
        if head_age < 50 and rng.random() < 0.25:
            house.add("parent", head_age + rng.randint(22, 32), sex)
        elif head_age >= 62 and rng.random() < 0.5:
            house.add("grandchild", rng.randint(0, 16), sex, surname)
        else:
            house.add("child", head_age - rng.randint(22, 36), sex, surname)
    return house.members


def newborn(
    rng: Random,
    county: str,
    member_id: str,
    born: date,
    surname: str,
    relation: str,
    taken: set[str],
) -> dict[str, Any]:
    """A child born after the registration, with the ID number issued at its 户口 entry."""
    sex = rng.choice("MF")
    return {
        "member_id": member_id,
        "name": person_name(rng, sex, surname),
        "id_number": _id_number(rng, county, born, sex, taken),
        "relation": relation,
        "sex": sex,
        "birth_date": born.isoformat(),
        "labor": "not_applicable",
        "health": "healthy",
    }
