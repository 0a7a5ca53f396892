"""The data-quality findings (``DQ_*``) and formalism signals (``AF_*``) of CONTRACT §7.5,
each code with the national rule it rests on and its Chinese label.

A new code is one member here and its rule (``household.py`` for a finding judged on one
household, ``signals.py`` for what is judged across households); labels, exports and the
pages' filters derive from these enums.
"""

from enum import StrEnum
from typing import Self

from ledger.domain.labelled import LabelledEnum


class FindingCode(StrEnum):
    """A household's data-quality finding: ``rule`` is the national rule number (or the
    source of the rule where there is none), ``label_zh`` what a county reader sees."""

    rule: str
    label_zh: str

    def __new__(cls, value: str, rule: str = "", label_zh: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.rule = rule
        member.label_zh = label_zh
        return member

    DQ_ID_BIRTH_MISMATCH = "DQ_ID_BIRTH_MISMATCH", "1_12", "身份证号出生日期与出生日期不符"
    DQ_ID_SEX_MISMATCH = "DQ_ID_SEX_MISMATCH", "1_12", "身份证号性别位与性别不符"
    DQ_DUPLICATE_PERSON = "DQ_DUPLICATE_PERSON", "dedup", "同一身份证号在多户中"
    DQ_HEAD_COUNT = "DQ_HEAD_COUNT", "3_11_001/002", "户主人数不为一人"
    DQ_HEAD_SPOUSE_SAME_SEX = "DQ_HEAD_SPOUSE_SAME_SEX", "2_02_001", "户主与配偶性别相同"
    DQ_AGE_LABOR = "DQ_AGE_LABOR", "2_12_005/014", "劳动能力与年龄不符"
    DQ_WORKING_AGE_NO_LABOR = (
        "DQ_WORKING_AGE_NO_LABOR",
        "2_01_010",
        "劳动年龄内健康非在校成员无劳动能力",
    )
    DQ_DISABILITY_RISK_NO_DISABLED = (
        "DQ_DISABILITY_RISK_NO_DISABLED",
        "2_11_001",
        "因残风险但无残疾成员",
    )
    DQ_ILLNESS_RISK_NO_HEALTH_MEASURE = (
        "DQ_ILLNESS_RISK_NO_HEALTH_MEASURE",
        "3_11_003",
        "因病风险但无健康帮扶或兜底保障措施",
    )
    DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE = (
        "DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE",
        "3_11_004",
        "因学风险但无教育帮扶措施",
    )
    DQ_GUARANTEE_RISK_MISMATCH = (
        "DQ_GUARANTEE_RISK_MISMATCH",
        "4_11_006/007",
        "“三保障”和饮水安全有风险但风险类型未标注",
    )
    DQ_LABOR_NO_DEVELOPMENTAL_MEASURE = (
        "DQ_LABOR_NO_DEVELOPMENTAL_MEASURE",
        "5_12_007",
        "有劳动力但无开发式帮扶措施",
    )
    DQ_TOKEN_MEASURES_ONLY = "DQ_TOKEN_MEASURES_ONLY", "5_12_011", "仅有象征性帮扶措施"
    DQ_MEASURE_NO_WORKER = "DQ_MEASURE_NO_WORKER", "4_11_014", "就业类帮扶但无劳动力"
    DQ_EMPLOYMENT_NO_WAGE = "DQ_EMPLOYMENT_NO_WAGE", "4_11_012", "就业类帮扶已落实但无工资性收入"
    DQ_LACK_OF_LABOR_CLAIM = "DQ_LACK_OF_LABOR_CLAIM", "5_11_029", "缺劳力风险但劳动力过半"
    DQ_MEASURE_NOT_DELIVERED = "DQ_MEASURE_NOT_DELIVERED", "5_11_030", "帮扶措施长期未落实"
    DQ_QUICK_EXIT = "DQ_QUICK_EXIT", "Guizhou rule", "纳入当月或次月即消除风险"
    DQ_WAGE_IMPLAUSIBLE = "DQ_WAGE_IMPLAUSIBLE", "5_16_001/002", "人均月工资性收入异常"
    DQ_INCOME_OUTLIER = "DQ_INCOME_OUTLIER", "DHIS2 MOD_Z_SCORE", "人均纯收入在本村同年度中异常"
    DQ_INCOME_JUMP = "DQ_INCOME_JUMP", "数字脱贫", "人均纯收入较上次调查陡增"


CROSS_HOUSEHOLD_FINDINGS = frozenset(
    {FindingCode.DQ_DUPLICATE_PERSON, FindingCode.DQ_INCOME_OUTLIER}
)
"""Findings judged across households (``signals.py``), kept apart from a household's own."""


class SignalCode(LabelledEnum):
    """A formalism signal across households (形式主义 signs an inspection looks for)."""

    AF_MATERIAL_REUSED = "AF_MATERIAL_REUSED", "同一痕迹资料被多户引用"
    AF_BATCH_ELIMINATION = "AF_BATCH_ELIMINATION", "同一人同一天批量消除风险"
    AF_IDENTICAL_TEXT = "AF_IDENTICAL_TEXT", "多户文字材料雷同"
    AF_ENROLMENT_FROZEN = "AF_ENROLMENT_FROZEN", "有预警和申请但长期无新纳入"
