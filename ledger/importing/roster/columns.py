"""The roster template's sheets and columns (农户名册模板): what county staff fill in Excel.

One household is one row of 农户, its members rows of 家庭成员 and its surveys rows of
收入调查, joined by ``household_id``. Each column names the contract field it fills
(CONTRACT §1) by its path in the event (``data.income.wage``) or, on 家庭成员, in the
MEMBER; the template shows that path without ``data.`` under the Chinese header.
"""

from dataclasses import dataclass
from typing import Literal

from ledger.domain.labels import Vocabulary, field_label

Kind = Literal[
    "text", "id_number", "date", "datetime", "yuan", "integer", "flag", "choice", "choices"
]


@dataclass(frozen=True)
class Column:
    path: str
    kind: Kind
    required: bool = True
    header: str = ""  # the Chinese header; the field's own label when empty
    vocabulary: Vocabulary | None = None
    note: str = ""

    @property
    def field(self) -> str:
        """The contract's name of the field, as the template's second header row shows it."""
        return self.path.removeprefix("data.")

    @property
    def title(self) -> str:
        return self.header or field_label(self.field)

    def __str__(self) -> str:
        return f"{self.field} {self.title}"


@dataclass(frozen=True)
class Sheet:
    name: str
    about: str
    columns: tuple[Column, ...]

    def column(self, path: str) -> Column | None:
        return next((c for c in self.columns if c.path == path), None)


HOUSEHOLD_ID = Column(
    "household_id",
    "text",
    header="户编号",
    note="上游系统中的户编号：1–64 位字母、数字或 . _ : -（首位为字母或数字）；三张表以此关联",
)
_WHEN = "日期（视为当日 0 时）或日期时间；时区按导入时的 --utc-offset（默认 +08:00）"


def _actor(who: str) -> tuple[Column, ...]:
    return (
        Column("actor.id", "text", header=f"{who}编号", note="谁采集谁负责：经办人的编号"),
        Column("actor.name", "text", header=f"{who}姓名"),
        Column("actor.role", "choice", header=f"{who}角色", vocabulary="actor_role"),
        Column("actor.org", "text", header=f"{who}单位", note="12 位区划代码或部门名称"),
    )


HOUSEHOLDS = Sheet(
    "农户",
    "每户一行：建档登记（HouseholdRegistered）",
    (
        HOUSEHOLD_ID,
        Column(
            "data.village_code", "text", header="行政村代码", note="行政村的 12 位统计用区划代码"
        ),
        Column("data.group", "text"),
        Column(
            "data.category",
            "choice",
            header="农户类别",
            vocabulary="category",
            note="建档立卡（filed_card）随类别确定：脱贫户为是，一般农户为否",
        ),
        Column("occurred_at", "datetime", header="登记时间", note=_WHEN),
        *_actor("登记人"),
    ),
)

MEMBERS = Sheet(
    "家庭成员",
    "每人一行；每户至少一行，且恰有一名户主",
    (
        HOUSEHOLD_ID,
        Column("member_id", "text", note="户内不变的成员编号，如 m1"),
        Column("name", "text"),
        Column(
            "id_number",
            "id_number",
            required=False,
            header="身份证号码",
            note="18 位且校验位正确；单元格须为文本格式；无号码时留空并填写无身份证号原因",
        ),
        Column("id_missing_reason", "text", required=False),
        Column("relation", "choice", vocabulary="relation"),
        Column("sex", "choice", vocabulary="sex"),
        Column("birth_date", "date"),
        Column("labor", "choice", vocabulary="labor"),
        Column("health", "choice", vocabulary="health"),
        Column("disability_grade", "integer", required=False, note="1–4 级；无则留空"),
        Column("in_school", "flag", required=False),
    ),
)

_YUAN = "元，最多两位小数；没有填 0"
SURVEYS = Sheet(
    "收入调查",
    "每次入户调查一行（FieldSurveyConducted），如每户每年一行",
    (
        HOUSEHOLD_ID,
        Column("occurred_at", "datetime", header="调查时间", note=_WHEN),
        *_actor("调查人"),
        Column("data.purpose", "choice", header="调查事由", vocabulary="purpose"),
        Column("data.period.start", "date"),
        Column("data.period.end", "date"),
        *(
            Column(f"data.income.{part}", "yuan", note=_YUAN)
            for part in ("wage", "operating", "property", "transfer", "operating_cost")
        ),
        Column(
            "data.household_size", "integer", header="家庭人口数", note="共享收入的家庭人口，至少 1"
        ),
        Column(
            "data.per_capita_net_income",
            "yuan",
            required=False,
            note="留空则按（工资性+生产经营性+财产性+转移性−生产经营费用）÷ 家庭人口数计算，"
            "保留两位小数；填写则须与此相差不超过 1 元",
        ),
        *(
            Column(f"data.rigid_expenditure.{part}", "yuan", note=_YUAN)
            for part in ("medical", "education", "other")
        ),
        *(
            Column(f"data.guarantees.{part}", "choice", vocabulary="guarantee")
            for part in ("food_clothing", "education", "medical", "housing", "drinking_water")
        ),
        Column("data.whole_household_lacks_labor", "flag"),
        Column("data.stable_income_from_work", "flag", required=False),
        Column(
            "data.risk_types",
            "choices",
            required=False,
            vocabulary="risk_type",
            note="可填多个，以、或逗号分隔；留空为无",
        ),
        Column(
            "data.system_ref",
            "text",
            required=False,
            note="在全国防返贫监测 App 中采集的记录号（如有）",
        ),
    ),
)

SHEETS = (HOUSEHOLDS, MEMBERS, SURVEYS)
FIRST_DATA_ROW = 3
"""Row 1 holds the Chinese headers, row 2 the contract's field names."""
