"""The synthetic county's divisions and the people who act in them.

Twelve-digit statistical codes (province 2, city 2, county 2, township 3, village 3):
towns (镇) 100…, townships (乡) 200…, villages (村委会) 201… within each. The codes
follow the pattern of the statistical division table; the names are generated, not the
official ones.
"""

from dataclasses import dataclass
from functools import lru_cache
from random import Random
from typing import Any

from demo.people import person_name
from ledger.domain.labels import DEPARTMENTS

TOWNS, TOWNSHIPS, VILLAGES_EACH = 2, 4, 12  # Shuangjiang has six township-level divisions
_SYLLABLES = (
    "勐",
    "邦",
    "忙",
    "南",
    "大",
    "小",
    "坝",
    "那",
    "帕",
    "允",
    "丙",
    "糯",
    "公",
    "冰",
    "户",
    "章",
    "东",
    "弄",
    "等",
    "亥",
    "来",
    "卡",
    "外",
    "华",
)
# Shuangjiang's villages lie between these (latitude, longitude), roughly.
_BOX = ((23.20, 23.70), (99.60, 100.10))


@dataclass(frozen=True)
class County:
    code: str  # 6 digits
    name: str

    def __post_init__(self) -> None:
        if not (len(self.code) == 6 and self.code.isdigit()):
            raise ValueError("a county code has 6 digits")

    @property
    def division(self) -> str:
        """The county's own 12-digit code, as an actor's ``org``."""
        return f"{self.code}000000"


SHUANGJIANG = County("530925", "双江县")


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    township_code: str  # 12 digits
    township_name: str
    groups: int  # villager groups (村民小组)
    lat: float
    lon: float
    cadres: tuple[dict[str, Any], ...]  # village cadre, work team member, info officer

    def group(self, k: int) -> str:
        return f"{self.name.removesuffix('村')}{_numeral(k % self.groups + 1)}组"


def _numeral(k: int) -> str:
    digits = "零一二三四五六七八九"
    if k < 10:
        return digits[k]
    return f"{'' if k < 20 else digits[k // 10]}十{'' if k % 10 == 0 else digits[k % 10]}"


def _place(rng: Random, suffix: str, taken: set[str]) -> str:
    """A two-syllable place name not yet given in the county."""
    while (name := "".join(rng.sample(_SYLLABLES, 2)) + suffix) in taken:
        pass
    taken.add(name)
    return name


@lru_cache(maxsize=4)
def villages(county: County = SHUANGJIANG) -> tuple[Village, ...]:
    """The county's villages, the same for every seed."""
    rng = Random(f"ledger.demo divisions {county.code}")
    found: list[Village] = []
    names: set[str] = set()
    for t, number in enumerate([*range(100, 100 + TOWNS), *range(200, 200 + TOWNSHIPS)]):
        township_code = f"{county.code}{number:03d}000"
        township_name = _place(rng, "镇" if t < TOWNS else "乡", names)
        for v in range(201, 201 + VILLAGES_EACH):
            code = f"{township_code[:9]}{v:03d}"
            cadres = tuple(
                {
                    "id": f"{role[0]}-{code}-{i}",
                    "name": person_name(rng, "M"),
                    "role": role,
                    "org": code,
                }
                for i, role in enumerate(("village_cadre", "work_team", "info_officer"))
            )
            found.append(
                Village(
                    code,
                    _place(rng, "村", names),
                    township_code,
                    township_name,
                    rng.randint(6, 14),
                    round(rng.uniform(*_BOX[0]), 5),
                    round(rng.uniform(*_BOX[1]), 5),
                    cadres,
                )
            )
    return tuple(found)


def township_official(village: Village) -> dict[str, Any]:
    return {
        "id": f"t-{village.township_code}",
        "name": f"{village.township_name}审核人",
        "role": "township_official",
        "org": village.township_code,
    }


def county_official(county: County) -> dict[str, Any]:
    return {
        "id": f"c-{county.code}",
        "name": f"{county.name}乡村振兴局",
        "role": "county_official",
        "org": county.division,
    }


def department_official(county: County, department: str) -> dict[str, Any]:
    return {
        "id": f"d-{department}",
        "name": f"{county.name}{DEPARTMENTS[department]}",
        "role": "department_official",
        "org": f"{county.name}{DEPARTMENTS[department]}",
    }
