"""The contract's enumerations (CONTRACT §1–§2), one ``StrEnum`` each.

Events store the plain string values (``use_enum_values``), so the stored format never
depends on these classes; the enums give the domain code names to compare against.
"""

from enum import StrEnum


class ActorRole(StrEnum):
    """Who did it in the field and answers for it (谁采集谁负责)."""

    HOUSEHOLD = "household"
    VILLAGE_CADRE = "village_cadre"
    WORK_TEAM = "work_team"
    LINKED_CADRE = "linked_cadre"
    INFO_OFFICER = "info_officer"
    TOWNSHIP_OFFICIAL = "township_official"
    COUNTY_OFFICIAL = "county_official"
    DEPARTMENT_OFFICIAL = "department_official"
    SYSTEM = "system"


class MaterialKind(StrEnum):
    """Kinds of trace material (痕迹资料)."""

    SURVEY_FORM = "survey_form"
    INCOME_SHEET = "income_sheet"
    APPLICATION_FORM = "application_form"
    AUTHORIZATION_LETTER = "authorization_letter"
    CONSENT_FORM = "consent_form"
    MINUTES = "minutes"
    SIGN_IN_SHEET = "sign_in_sheet"
    MEETING_PHOTO = "meeting_photo"
    NOTICE_TEXT = "notice_text"
    NOTICE_PHOTO = "notice_photo"
    REVIEW_RECORD = "review_record"
    DEPARTMENT_REPLY = "department_reply"
    POPULATION_CHANGE_FORM = "population_change_form"
    ELIMINATION_ASSESSMENT = "elimination_assessment"
    ENTRY_SIGNOFF = "entry_signoff"
    ROSTER = "roster"
    OTHER = "other"


class Purpose(StrEnum):
    IDENTIFICATION = "identification"
    ELIMINATION = "elimination"
    ASSISTANCE = "assistance"
    LOOKBACK = "lookback"
    ANNUAL = "annual"
    EFFECTIVENESS = "effectiveness"


class MonitoringType(StrEnum):
    """The three monitoring types (三类人员)."""

    UNSTABLE_ALLEVIATED = "unstable_alleviated"  # 脱贫不稳定户
    MARGINAL = "marginal"  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship"  # 突发严重困难户


class Department(StrEnum):
    EDUCATION = "education"
    PUBLIC_SECURITY = "public_security"
    CIVIL_AFFAIRS = "civil_affairs"
    HUMAN_RESOURCES = "human_resources"
    NATURAL_RESOURCES = "natural_resources"
    HOUSING = "housing"
    DEVELOPMENT_REFORM = "development_reform"
    AGRICULTURE = "agriculture"
    WATER = "water"
    HEALTH = "health"
    EMERGENCY = "emergency"
    MARKET_REGULATION = "market_regulation"
    MEDICAL_INSURANCE = "medical_insurance"
    STATISTICS = "statistics"
    FORESTRY = "forestry"
    DISABLED_FEDERATION = "disabled_federation"
    PEOPLES_BANK = "peoples_bank"
    FINANCE = "finance"
    RURAL_REVITALIZATION = "rural_revitalization"


class RiskType(StrEnum):
    ILLNESS = "illness"
    EDUCATION = "education"
    DISABILITY = "disability"
    DISASTER = "disaster"
    ACCIDENT = "accident"
    LACK_OF_LABOR = "lack_of_labor"
    LACK_OF_SKILLS = "lack_of_skills"
    INDUSTRY_FAILURE = "industry_failure"
    UNSTABLE_EMPLOYMENT = "unstable_employment"
    HIGH_RIGID_EXPENSE = "high_rigid_expense"
    INCOME_DROP = "income_drop"
    HOUSING = "housing"
    DRINKING_WATER = "drinking_water"
    OTHER = "other"


class Exclusion(StrEnum):
    """The ten exclusion situations (10类不纳入情形)."""

    CIVIL_SERVANT_RELATIVE = "civil_servant_relative"
    PAID_VILLAGE_CADRE = "paid_village_cadre"
    CONSUMER_CAR = "consumer_car"
    URBAN_PROPERTY = "urban_property"
    OPERATING_BUSINESS = "operating_business"
    LARGE_SCALE_OPERATOR = "large_scale_operator"
    DELIBERATE_SPLIT = "deliberate_split"
    NOMINAL_REGISTRATION = "nominal_registration"
    ABSENT_MEMBER = "absent_member"
    CREDIT_BLACKLISTED = "credit_blacklisted"


class Measure(StrEnum):
    INDUSTRY = "industry"
    EMPLOYMENT = "employment"
    PUBLIC_WELFARE_POST = "public_welfare_post"
    MICROCREDIT = "microcredit"
    HEALTH = "health"
    EDUCATION = "education"
    HOUSING = "housing"
    DRINKING_WATER = "drinking_water"
    MINIMUM_LIVING = "minimum_living"
    EXTREME_POVERTY_SUPPORT = "extreme_poverty_support"
    TEMPORARY_RELIEF = "temporary_relief"
    SKILLS_TRAINING = "skills_training"
    SOCIAL_ASSISTANCE = "social_assistance"
    OTHER = "other"


class Category(StrEnum):
    POVERTY_ALLEVIATED = "poverty_alleviated"  # 脱贫户
    GENERAL = "general"


class Relation(StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    OTHER = "other"


class Sex(StrEnum):
    M = "M"
    F = "F"


class Labor(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"
    NOT_APPLICABLE = "not_applicable"


class Health(StrEnum):
    HEALTHY = "healthy"
    CHRONIC = "chronic"
    SERIOUS_ILLNESS = "serious_illness"
    DISABLED = "disabled"


class MemberAddedReason(StrEnum):
    BIRTH = "birth"
    MARRIAGE_IN = "marriage_in"
    ADOPTION = "adoption"
    RETURN = "return"
    OTHER = "other"


class MemberRemovedReason(StrEnum):
    DEATH = "death"
    MARRIAGE_OUT = "marriage_out"
    MOVED_OUT = "moved_out"
    IMPRISONED = "imprisoned"
    MISSING = "missing"
    ENLISTED = "enlisted"
    OTHER = "other"


class ApplicationChannel(StrEnum):
    NATIONAL_APP = "national_app"
    CONSULT_PLATFORM = "consult_platform"
    RESCUE_PLATFORM = "rescue_platform"  # 政府救助平台
    VILLAGE = "village"
    TOWNSHIP = "township"


class WarningCode(StrEnum):
    MEDICAL_SELF_PAY_HIGH = "medical_self_pay_high"
    SERIOUS_ILLNESS = "serious_illness"
    DISABILITY = "disability"
    DANGEROUS_HOUSE = "dangerous_house"
    DISASTER = "disaster"
    ACCIDENT = "accident"
    UNEMPLOYMENT = "unemployment"
    SCHOOL_DROPOUT = "school_dropout"
    DRINKING_WATER = "drinking_water"
    CROP_LOSS = "crop_loss"
    PRICE_DROP = "price_drop"
    OTHER = "other"


class ScreeningDecision(StrEnum):
    KEY_CHECK = "key_check"
    NO_ACTION = "no_action"


class Guarantee(StrEnum):
    SECURE = "secure"
    AT_RISK = "at_risk"


class AppraisalResult(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class CommitteeDecision(StrEnum):
    PROPOSE = "propose"
    REJECT = "reject"


class NoticeChannel(StrEnum):
    VILLAGE_BOARD = "village_board"
    GROUP_BOARD = "group_board"
    RESCUE_PLATFORM = "rescue_platform"


class ObjectionOutcome(StrEnum):
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class TownshipDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"


class CountyDecision(StrEnum):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class EffectivenessResult(StrEnum):
    STABLE = "stable"
    UNSTABLE = "unstable"


class Marking(StrEnum):
    """Markings entered in the national system (CONTRACT §2)."""

    ENROLLED = "enrolled"  # 纳入监测
    RISK_ELIMINATED = "risk_eliminated"  # 风险消除
    RISK_REMARKED = "risk_remarked"  # 风险再标注
    ELIMINATION_ROLLED_BACK = "elimination_rolled_back"  # 风险消除回退
    WITHDRAWN = "withdrawn"  # 清退
    RISK_MARK_ROLLED_BACK = "risk_mark_rolled_back"  # 风险标注回退
    TYPE_ADJUSTED = "type_adjusted"  # 类型调整


class Status(StrEnum):
    NOT_MONITORED = "not_monitored"
    MONITORED = "monitored"
    RISK_ELIMINATED = "risk_eliminated"
    WITHDRAWN = "withdrawn"


class DataIssueSource(StrEnum):
    NATIONAL_FEEDBACK = "national_feedback"
    DEPARTMENT_COMPARISON = "department_comparison"
    VILLAGE_CHECK = "village_check"
    TOWNSHIP_CHECK = "township_check"
    COUNTY_CHECK = "county_check"


class CallerRole(StrEnum):
    """Roles of the callers of the API (CONTRACT §5), bound to their bearer tokens."""

    ADMIN = "admin"
    RECORDER = "recorder"
    INTAKE = "intake"
    DEPARTMENT = "department"
    AUDITOR = "auditor"
    EVALUATOR = "evaluator"
