"""A table (one mapping of Chinese labels per vocabulary, three lookups): hence its length.

Chinese labels (中文名称) for the contract's vocabulary: event types, statuses and
markings, monitoring types, completeness steps and gap codes, look-back codes, data-quality
finding and formalism signal codes (§7.5), roles, material kinds and every other
enumeration of CONTRACT §1–§3.

Pure data for readers (the trace archive's report, web pages). The terms follow the
seeds (云巩固振兴组〔2021〕1号 and the Shuangjiang and Xiaozhongdian plans): 六个程序,
痕迹资料, 回头看. ``label(vocabulary, value)`` falls back to the raw value, so a code
the labels do not know yet still shows; ``tests/unit/test_labels.py`` makes sure every
code of the domain has its label. Episode kinds, steps, gap codes, severities and the
quality codes carry their own labels (``label_zh``, in ``procedure``, ``gaps`` and
``quality.codes``); their vocabularies here are derived from those enums.
"""

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Final, Literal

from ledger.domain.catalog import CATALOG
from ledger.domain.gaps import GapCode, Severity
from ledger.domain.procedure import EpisodeKind, Step
from ledger.domain.vocabulary import (
    ActorRole,
    ApplicationChannel,
    AppraisalResult,
    CallerRole,
    Category,
    CommitteeDecision,
    CountyDecision,
    DataIssueSource,
    Department,
    EffectivenessResult,
    Exclusion,
    Guarantee,
    Health,
    Labor,
    Marking,
    MaterialKind,
    Measure,
    MemberAddedReason,
    MemberRemovedReason,
    MonitoringType,
    NoticeChannel,
    ObjectionOutcome,
    Purpose,
    Relation,
    RiskType,
    ScreeningDecision,
    Sex,
    Status,
    TownshipDecision,
    WarningCode,
)

Vocabulary = Literal[
    "event_type",
    "status",
    "marking",
    "monitoring_type",
    "category",
    "purpose",
    "episode_kind",
    "step",
    "gap_code",
    "severity",
    "lookback_code",
    "lookback_action",
    "finding_code",
    "signal_code",
    "actor_role",
    "caller_role",
    "material_kind",
    "relation",
    "sex",
    "labor",
    "health",
    "department",
    "risk_type",
    "exclusion",
    "measure",
    "member_added_reason",
    "member_removed_reason",
    "application_channel",
    "warning_code",
    "screening_decision",
    "guarantee",
    "appraisal_result",
    "committee_decision",
    "notice_channel",
    "objection_outcome",
    "township_decision",
    "county_decision",
    "effectiveness_result",
    "data_issue_source",
    "field",
]

EVENT_TYPE_LABELS: Final[Mapping[str, str]] = {name: entry.label for name, entry in CATALOG.items()}
"""The label of each event type, from the catalog."""

STATUSES: Final[Mapping[str, str]] = {
    Status.NOT_MONITORED: "未纳入监测",
    Status.MONITORED: "监测中（风险未消除）",
    Status.RISK_ELIMINATED: "风险已消除",
    Status.WITHDRAWN: "已清退",
}

MARKINGS: Final[Mapping[str, str]] = {
    Marking.ENROLLED: "纳入监测",
    Marking.RISK_ELIMINATED: "风险消除",
    Marking.RISK_REMARKED: "风险再标注",
    Marking.ELIMINATION_ROLLED_BACK: "风险消除回退",
    Marking.WITHDRAWN: "清退",
    Marking.RISK_MARK_ROLLED_BACK: "风险标注回退",
    Marking.TYPE_ADJUSTED: "类型调整",
}

MONITORING_TYPES: Final[Mapping[str, str]] = {
    MonitoringType.UNSTABLE_ALLEVIATED: "脱贫不稳定户",
    MonitoringType.MARGINAL: "边缘易致贫户",
    MonitoringType.SUDDEN_HARDSHIP: "突发严重困难户",
}

CATEGORIES: Final[Mapping[str, str]] = {
    Category.POVERTY_ALLEVIATED: "脱贫户（建档立卡）",
    Category.GENERAL: "一般农户",
}

PURPOSES: Final[Mapping[str, str]] = {
    Purpose.IDENTIFICATION: "识别纳入",
    Purpose.ELIMINATION: "风险消除",
    Purpose.ASSISTANCE: "帮扶",
    Purpose.LOOKBACK: "回头看",
    Purpose.ANNUAL: "年度动态调整",
    Purpose.EFFECTIVENESS: "帮扶成效评议",
}

EPISODE_KINDS: Final[Mapping[str, str]] = {k.value: k.label_zh for k in EpisodeKind}
STEPS: Final[Mapping[str, str]] = {s.value: s.label_zh for s in Step}
GAP_CODES: Final[Mapping[str, str]] = {c.value: c.label_zh for c in GapCode}
SEVERITIES: Final[Mapping[str, str]] = {s.value: s.label_zh for s in Severity}


class _QualityCodeLabels(Mapping[str, str]):
    """The labels (``label_zh``) of ``FindingCode`` or ``SignalCode``, read when first
    asked: the quality rules word their explanations with this module's labels, so
    importing ``ledger.domain.quality`` while this module loads would be a cycle."""

    def __init__(self, enum_name: Literal["FindingCode", "SignalCode"]) -> None:
        self._enum_name = enum_name

    @cached_property
    def _labels(self) -> dict[str, str]:
        from ledger.domain.quality import codes  # here, not at the top: see the docstring

        return {code.value: code.label_zh for code in getattr(codes, self._enum_name)}

    def __getitem__(self, code: str) -> str:
        return self._labels[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


FINDING_CODES: Final[Mapping[str, str]] = _QualityCodeLabels("FindingCode")
SIGNAL_CODES: Final[Mapping[str, str]] = _QualityCodeLabels("SignalCode")

LOOKBACK_CODES: Final[Mapping[str, str]] = {
    "LB_REMARK_INCOME_BELOW_FLOOR": "风险已消除但收入低于监测底线",
    "LB_ROLLBACK_NO_LABOR": "风险已消除但无劳动能力且无稳定收入",
    "LB_ROLLBACK_UNSTABLE": "风险已消除但仍依赖帮扶（消除不稳定）",
    "LB_WITHDRAW_EXCLUSION": "非建档立卡户存在不纳入情形",
    "LB_ROLLBACK_MARK_EXCLUSION": "建档立卡户存在不纳入情形",
    "LB_MEMBER_CHANGE": "家庭成员应变更",
    "LB_TYPE_MISMATCH": "监测对象类型不符",
    "LB_SHOULD_ENROLL": "应纳未纳",
    "LB_TRIGGER_UNVERIFIED": "申报或预警未核实",
    "LB_NO_ANNUAL_EFFECTIVENESS": "全年未开展帮扶成效评议",
    "LB_MISSING_PROCEDURE": "程序或痕迹资料需补齐",
}

LOOKBACK_ACTIONS: Final[Mapping[str, str]] = {
    **MARKINGS,
    "MemberRemoved or a correction": "人口减少或更正",
    "enrolled after the procedure": "按程序纳入监测",
    "screen and survey": "研判并入户核查",
    "appraise": "开展帮扶成效评议",
    "complete the procedure": "补齐程序",
}

ACTOR_ROLES: Final[Mapping[str, str]] = {
    ActorRole.HOUSEHOLD: "农户",
    ActorRole.VILLAGE_CADRE: "村干部（村两委）",
    ActorRole.WORK_TEAM: "驻村工作队",
    ActorRole.LINKED_CADRE: "挂钩干部",
    ActorRole.INFO_OFFICER: "信息员",
    ActorRole.TOWNSHIP_OFFICIAL: "乡镇干部",
    ActorRole.COUNTY_OFFICIAL: "县级干部",
    ActorRole.DEPARTMENT_OFFICIAL: "行业部门人员",
    ActorRole.SYSTEM: "系统",
}

CALLER_ROLES: Final[Mapping[str, str]] = {
    CallerRole.ADMIN: "管理员",
    CallerRole.RECORDER: "录入员",
    CallerRole.INTAKE: "申报受理",
    CallerRole.DEPARTMENT: "行业部门",
    CallerRole.AUDITOR: "审计检查",
    CallerRole.EVALUATOR: "第三方评估",
}

MATERIAL_KINDS: Final[Mapping[str, str]] = {
    MaterialKind.SURVEY_FORM: "信息采集表",
    MaterialKind.INCOME_SHEET: "收入测算表",
    MaterialKind.APPLICATION_FORM: "纳入监测申请书",
    MaterialKind.AUTHORIZATION_LETTER: "授权承诺书",
    MaterialKind.CONSENT_FORM: "知情同意书",
    MaterialKind.MINUTES: "会议记录",
    MaterialKind.SIGN_IN_SHEET: "签到册",
    MaterialKind.MEETING_PHOTO: "会议图片",
    MaterialKind.NOTICE_TEXT: "公示公告材料",
    MaterialKind.NOTICE_PHOTO: "公示图片",
    MaterialKind.REVIEW_RECORD: "审核记录",
    MaterialKind.DEPARTMENT_REPLY: "部门比对复核回复",
    MaterialKind.POPULATION_CHANGE_FORM: "人口增减表",
    MaterialKind.ELIMINATION_ASSESSMENT: "风险销号评估认定表",
    MaterialKind.ENTRY_SIGNOFF: "录入签字确认",
    MaterialKind.ROSTER: "三类监测对象名册",
    MaterialKind.OTHER: "其他材料",
}

RELATIONS: Final[Mapping[str, str]] = {
    Relation.HEAD: "户主",
    Relation.SPOUSE: "配偶",
    Relation.CHILD: "子女",
    Relation.PARENT: "父母",
    Relation.GRANDCHILD: "孙子女",
    Relation.SIBLING: "兄弟姐妹",
    Relation.OTHER: "其他",
}

SEXES: Final[Mapping[str, str]] = {Sex.M: "男", Sex.F: "女"}

LABOR: Final[Mapping[str, str]] = {
    Labor.FULL: "有劳动能力",
    Labor.PARTIAL: "部分丧失劳动能力",
    Labor.NONE: "无劳动能力",
    Labor.NOT_APPLICABLE: "不适用（未成年或在校）",
}

HEALTH: Final[Mapping[str, str]] = {
    Health.HEALTHY: "健康",
    Health.CHRONIC: "长期慢性病",
    Health.SERIOUS_ILLNESS: "大病",
    Health.DISABLED: "残疾",
}

DEPARTMENTS: Final[Mapping[str, str]] = {
    Department.EDUCATION: "教育部门",
    Department.PUBLIC_SECURITY: "公安部门",
    Department.CIVIL_AFFAIRS: "民政部门",
    Department.HUMAN_RESOURCES: "人力资源和社会保障部门",
    Department.NATURAL_RESOURCES: "自然资源部门",
    Department.HOUSING: "住房和城乡建设部门",
    Department.DEVELOPMENT_REFORM: "发展和改革部门",
    Department.AGRICULTURE: "农业农村部门",
    Department.WATER: "水务部门",
    Department.HEALTH: "卫生健康部门",
    Department.EMERGENCY: "应急管理部门",
    Department.MARKET_REGULATION: "市场监督管理部门",
    Department.MEDICAL_INSURANCE: "医疗保障部门",
    Department.STATISTICS: "统计部门",
    Department.FORESTRY: "林业和草原部门",
    Department.DISABLED_FEDERATION: "残疾人联合会",
    Department.PEOPLES_BANK: "人民银行",
    Department.FINANCE: "财政部门",
    Department.RURAL_REVITALIZATION: "乡村振兴部门",
}

RISK_TYPES: Final[Mapping[str, str]] = {
    RiskType.ILLNESS: "因病",
    RiskType.EDUCATION: "因学",
    RiskType.DISABILITY: "因残",
    RiskType.DISASTER: "因灾",
    RiskType.ACCIDENT: "因意外事故",
    RiskType.LACK_OF_LABOR: "缺劳动力",
    RiskType.LACK_OF_SKILLS: "缺技术",
    RiskType.INDUSTRY_FAILURE: "因产业项目失败",
    RiskType.UNSTABLE_EMPLOYMENT: "务工就业不稳",
    RiskType.HIGH_RIGID_EXPENSE: "刚性支出过大",
    RiskType.INCOME_DROP: "收入大幅缩减",
    RiskType.HOUSING: "住房安全",
    RiskType.DRINKING_WATER: "饮水安全",
    RiskType.OTHER: "其他",
}

EXCLUSIONS: Final[Mapping[str, str]] = {
    Exclusion.CIVIL_SERVANT_RELATIVE: "家庭成员（或户主的父母、配偶、子女）为公职人员",
    Exclusion.PAID_VILLAGE_CADRE: "家庭成员为领取报酬的村干部",
    Exclusion.CONSUMER_CAR: "拥有消费型汽车",
    Exclusion.URBAN_PROPERTY: "在城镇自建或购买住房、商铺",
    Exclusion.OPERATING_BUSINESS: "注册并经营公司",
    Exclusion.LARGE_SCALE_OPERATOR: "种养大户或长期雇佣他人",
    Exclusion.DELIBERATE_SPLIT: "为享受政策故意分户、并户",
    Exclusion.NOMINAL_REGISTRATION: "空挂户",
    Exclusion.ABSENT_MEMBER: "死亡、服刑、失联或不共享收入的成员",
    Exclusion.CREDIT_BLACKLISTED: "列入失信黑名单",
}

MEASURES: Final[Mapping[str, str]] = {
    Measure.INDUSTRY: "产业帮扶",
    Measure.EMPLOYMENT: "就业帮扶",
    Measure.PUBLIC_WELFARE_POST: "公益性岗位",
    Measure.MICROCREDIT: "小额信贷",
    Measure.HEALTH: "健康帮扶",
    Measure.EDUCATION: "教育帮扶",
    Measure.HOUSING: "住房安全保障",
    Measure.DRINKING_WATER: "饮水安全保障",
    Measure.MINIMUM_LIVING: "农村低保",
    Measure.EXTREME_POVERTY_SUPPORT: "特困人员救助供养",
    Measure.TEMPORARY_RELIEF: "临时救助",
    Measure.SKILLS_TRAINING: "技能培训",
    Measure.SOCIAL_ASSISTANCE: "社会帮扶",
    Measure.OTHER: "其他",
}

MEMBER_ADDED_REASONS: Final[Mapping[str, str]] = {
    MemberAddedReason.BIRTH: "出生",
    MemberAddedReason.MARRIAGE_IN: "婚入",
    MemberAddedReason.ADOPTION: "收养",
    MemberAddedReason.RETURN: "回迁",
    MemberAddedReason.OTHER: "其他",
}

MEMBER_REMOVED_REASONS: Final[Mapping[str, str]] = {
    MemberRemovedReason.DEATH: "死亡",
    MemberRemovedReason.MARRIAGE_OUT: "婚出",
    MemberRemovedReason.MOVED_OUT: "迁出",
    MemberRemovedReason.IMPRISONED: "服刑",
    MemberRemovedReason.MISSING: "失联",
    MemberRemovedReason.ENLISTED: "参军",
    MemberRemovedReason.OTHER: "其他",
}

APPLICATION_CHANNELS: Final[Mapping[str, str]] = {
    ApplicationChannel.NATIONAL_APP: "全国防返贫监测App",
    ApplicationChannel.CONSULT_PLATFORM: "全国咨询平台",
    ApplicationChannel.RESCUE_PLATFORM: "政府救助平台",
    ApplicationChannel.VILLAGE: "向村申报",
    ApplicationChannel.TOWNSHIP: "向乡镇申报",
}

WARNING_CODES: Final[Mapping[str, str]] = {
    WarningCode.MEDICAL_SELF_PAY_HIGH: "医疗自付费用高",
    WarningCode.SERIOUS_ILLNESS: "大病重病",
    WarningCode.DISABILITY: "残疾",
    WarningCode.DANGEROUS_HOUSE: "危房",
    WarningCode.DISASTER: "受灾",
    WarningCode.ACCIDENT: "意外事故",
    WarningCode.UNEMPLOYMENT: "失业",
    WarningCode.SCHOOL_DROPOUT: "辍学",
    WarningCode.DRINKING_WATER: "饮水安全",
    WarningCode.CROP_LOSS: "农作物受损",
    WarningCode.PRICE_DROP: "农产品价格下跌",
    WarningCode.OTHER: "其他",
}

SCREENING_DECISIONS: Final[Mapping[str, str]] = {
    ScreeningDecision.KEY_CHECK: "列为重点核查",
    ScreeningDecision.NO_ACTION: "不需核查",
}

GUARANTEES: Final[Mapping[str, str]] = {Guarantee.SECURE: "有保障", Guarantee.AT_RISK: "有风险"}

APPRAISAL_RESULTS: Final[Mapping[str, str]] = {
    AppraisalResult.APPROVED: "通过",
    AppraisalResult.REJECTED: "未通过",
}

COMMITTEE_DECISIONS: Final[Mapping[str, str]] = {
    CommitteeDecision.PROPOSE: "提出拟纳入（拟处理）",
    CommitteeDecision.REJECT: "不予提出",
}

NOTICE_CHANNELS: Final[Mapping[str, str]] = {
    NoticeChannel.VILLAGE_BOARD: "村公开栏",
    NoticeChannel.GROUP_BOARD: "村民小组公开场所",
    NoticeChannel.RESCUE_PLATFORM: "政府救助平台（网络公示）",
}

OBJECTION_OUTCOMES: Final[Mapping[str, str]] = {
    ObjectionOutcome.UPHELD: "异议成立",
    ObjectionOutcome.DISMISSED: "异议不成立",
}

TOWNSHIP_DECISIONS: Final[Mapping[str, str]] = {
    TownshipDecision.APPROVED: "审核通过",
    TownshipDecision.REJECTED: "审核不通过",
    TownshipDecision.RETURNED: "退回",
}

COUNTY_DECISIONS: Final[Mapping[str, str]] = {
    CountyDecision.CONFIRMED: "确定",
    CountyDecision.REJECTED: "不予确定",
}

EFFECTIVENESS_RESULTS: Final[Mapping[str, str]] = {
    EffectivenessResult.STABLE: "稳定",
    EffectivenessResult.UNSTABLE: "不稳定",
}

DATA_ISSUE_SOURCES: Final[Mapping[str, str]] = {
    DataIssueSource.NATIONAL_FEEDBACK: "国家反馈",
    DataIssueSource.DEPARTMENT_COMPARISON: "部门比对",
    DataIssueSource.VILLAGE_CHECK: "村级核查",
    DataIssueSource.TOWNSHIP_CHECK: "乡镇核查",
    DataIssueSource.COUNTY_CHECK: "县级核查",
}

FIELDS: Final[Mapping[str, str]] = {
    # the envelope and MEMBER
    "actor": "经办人",
    "id": "编号",
    "name": "姓名",
    "role": "角色",
    "org": "单位",
    "member": "成员",
    "members": "家庭成员",
    "member_id": "成员编号",
    "id_number": "身份证号",
    "id_missing_reason": "无身份证号原因",
    "relation": "与户主关系",
    "sex": "性别",
    "birth_date": "出生日期",
    "labor": "劳动能力",
    "health": "健康状况",
    "disability_grade": "残疾等级",
    "in_school": "在校生",
    "sha256": "SHA-256",
    "kind": "类型",
    "media_type": "文件格式",
    "size": "大小（字节）",
    # data fields, by name (a path wins over its last part: see ``field_label``)
    "village_code": "村代码",
    "group": "村民小组",
    "category": "类别",
    "filed_card": "建档立卡",
    "reason": "原因",
    "lat": "纬度",
    "lon": "经度",
    "accuracy_m": "精度（米）",
    "channel": "申报渠道",
    "summary": "摘要",
    "department": "部门",
    "code": "代码",
    "amount": "金额（元）",
    "decision": "决定",
    "basis": "研判依据",
    "purpose": "事由",
    "period": "收入计算期",
    "period.start": "收入计算期起",
    "period.end": "收入计算期止",
    "income": "收入（元）",
    "income.wage": "工资性收入",
    "income.operating": "生产经营性收入",
    "income.property": "财产性收入",
    "income.transfer": "转移性收入",
    "income.operating_cost": "生产经营费用支出",
    "household_size": "家庭人口",
    "per_capita_net_income": "人均纯收入（元）",
    "rigid_expenditure": "刚性支出（元）",
    "rigid_expenditure.medical": "医疗支出",
    "rigid_expenditure.education": "教育支出",
    "rigid_expenditure.other": "其他刚性支出",
    "guarantees": "两不愁三保障及饮水安全",
    "guarantees.food_clothing": "吃穿不愁",
    "guarantees.education": "义务教育",
    "guarantees.medical": "基本医疗",
    "guarantees.housing": "住房安全",
    "guarantees.drinking_water": "饮水安全",
    "whole_household_lacks_labor": "整户无劳动能力",
    "stable_income_from_work": "有稳定务工或经营收入",
    "risk_types": "风险类型",
    "system_ref": "系统记录号",
    "attendees": "参会人数",
    "attendees.party_members": "党员",
    "attendees.household_heads": "户代表",
    "attendees.total": "合计",
    "votes": "表决",
    "votes.for": "赞成",
    "votes.against": "反对",
    "votes.abstain": "弃权",
    "result": "结果",
    "measures": "帮扶措施",
    "channels": "公示渠道",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "objection_id": "异议记录",
    "outcome": "处理结果",
    "feedback_given": "已向群众反馈",
    "spot_checked": "已抽查",
    "consistent": "比对一致",
    "findings": "发现情形",
    "findings.exclusion": "不纳入情形",
    "findings.member_id": "成员编号",
    "findings.since": "自何时",
    "items_checked": "比对事项",
    "monitoring_type": "监测对象类型",
    "responsible_department": "责任部门",
    "special_inclusion": "特殊情况纳入说明",
    "measure_id": "措施编号",
    "delivered_on": "落实日期",
    "marking": "标注",
    "issue_id": "问题编号",
    "source": "来源",
    "target_event_id": "所涉记录",
    "note": "说明",
}
"""Labels of data fields: a dotted path (``income.wage``) or a field's own name."""

_TYPED_FIELDS: Final[Mapping[tuple[str, str], str]] = {
    ("HouseholdRegistered", "category"): "农户类别",
    ("AssistancePlanned", "category"): "措施类别",
    ("WarningReceived", "code"): "预警类型",
    ("DataIssueRaised", "code"): "问题代码",
    ("MemberAdded", "reason"): "增加原因",
    ("MemberRemoved", "reason"): "减少原因",
    ("AssistanceEnded", "reason"): "结束原因",
    ("EntryVoided", "reason"): "作废原因",
    ("EntryVoided", "target_event_id"): "作废的记录",
    ("MaterialAttached", "target_event_id"): "补充资料的记录",
    ("DemocraticAppraisalHeld", "result"): "评议结果",
    ("EffectivenessAppraised", "result"): "评议结果",
    ("ScreeningAnalyzed", "decision"): "研判结论",
    ("TownshipReviewed", "decision"): "审核结论",
    ("CountyConfirmed", "decision"): "确定结论",
    ("VillageCommitteeDecided", "decision"): "研究结论",
}

_VOCABULARIES: Final[Mapping[str, Mapping[str, str]]] = {
    "event_type": EVENT_TYPE_LABELS,
    "status": STATUSES,
    "marking": MARKINGS,
    "monitoring_type": MONITORING_TYPES,
    "category": CATEGORIES,
    "purpose": PURPOSES,
    "episode_kind": EPISODE_KINDS,
    "step": STEPS,
    "gap_code": GAP_CODES,
    "severity": SEVERITIES,
    "lookback_code": LOOKBACK_CODES,
    "lookback_action": LOOKBACK_ACTIONS,
    "finding_code": FINDING_CODES,
    "signal_code": SIGNAL_CODES,
    "actor_role": ACTOR_ROLES,
    "caller_role": CALLER_ROLES,
    "material_kind": MATERIAL_KINDS,
    "relation": RELATIONS,
    "sex": SEXES,
    "labor": LABOR,
    "health": HEALTH,
    "department": DEPARTMENTS,
    "risk_type": RISK_TYPES,
    "exclusion": EXCLUSIONS,
    "measure": MEASURES,
    "member_added_reason": MEMBER_ADDED_REASONS,
    "member_removed_reason": MEMBER_REMOVED_REASONS,
    "application_channel": APPLICATION_CHANNELS,
    "warning_code": WARNING_CODES,
    "screening_decision": SCREENING_DECISIONS,
    "guarantee": GUARANTEES,
    "appraisal_result": APPRAISAL_RESULTS,
    "committee_decision": COMMITTEE_DECISIONS,
    "notice_channel": NOTICE_CHANNELS,
    "objection_outcome": OBJECTION_OUTCOMES,
    "township_decision": TOWNSHIP_DECISIONS,
    "county_decision": COUNTY_DECISIONS,
    "effectiveness_result": EFFECTIVENESS_RESULTS,
    "data_issue_source": DATA_ISSUE_SOURCES,
    "field": FIELDS,
}

# Which vocabulary a data field's values come from: by path for every event type, or by
# (event type, path) where one name means different things in different types.
_VALUES: Final[Mapping[str, Vocabulary]] = {
    "purpose": "purpose",
    "department": "department",
    "responsible_department": "department",
    "monitoring_type": "monitoring_type",
    "marking": "marking",
    "risk_types": "risk_type",
    "measures": "measure",
    "channels": "notice_channel",
    "channel": "application_channel",
    "source": "data_issue_source",
    "outcome": "objection_outcome",
    "findings.exclusion": "exclusion",
    "relation": "relation",
    "sex": "sex",
    "labor": "labor",
    "health": "health",
    "guarantees.food_clothing": "guarantee",
    "guarantees.education": "guarantee",
    "guarantees.medical": "guarantee",
    "guarantees.housing": "guarantee",
    "guarantees.drinking_water": "guarantee",
}
_TYPED_VALUES: Final[Mapping[tuple[str, str], Vocabulary]] = {
    ("HouseholdRegistered", "category"): "category",
    ("AssistancePlanned", "category"): "measure",
    ("WarningReceived", "code"): "warning_code",
    ("MemberAdded", "reason"): "member_added_reason",
    ("MemberRemoved", "reason"): "member_removed_reason",
    ("ScreeningAnalyzed", "decision"): "screening_decision",
    ("VillageCommitteeDecided", "decision"): "committee_decision",
    ("TownshipReviewed", "decision"): "township_decision",
    ("CountyConfirmed", "decision"): "county_decision",
    ("DemocraticAppraisalHeld", "result"): "appraisal_result",
    ("EffectivenessAppraised", "result"): "effectiveness_result",
}


def label(vocabulary: Vocabulary, value: object) -> str:
    """The Chinese label of ``value`` in ``vocabulary``, or the value itself as text."""
    text = "" if value is None else str(value)
    return _VOCABULARIES[vocabulary].get(text, text)


def labels(vocabulary: Vocabulary) -> Mapping[str, str]:
    """Every value of ``vocabulary`` with its label."""
    return _VOCABULARIES[vocabulary]


def field_label(path: str, event_type: str | None = None) -> str:
    """The label of a data field by its dotted path (``income.wage``), else by its own
    name, else the path itself; ``event_type`` picks the label where one name means
    different things in different types. List items share their list's path
    (``findings.since``)."""
    typed = _TYPED_FIELDS.get((event_type, path)) if event_type else None
    return typed or FIELDS.get(path) or FIELDS.get(path.rpartition(".")[2], path)


def value_vocabulary(event_type: str, path: str) -> Vocabulary | None:
    """The vocabulary the values of a data field are drawn from, if it has one."""
    if "members" in path.split(".") or path.startswith("member."):
        path = path.rpartition(".")[2]  # MEMBER fields, wherever the member sits
    return _TYPED_VALUES.get((event_type, path)) or _VALUES.get(path)
