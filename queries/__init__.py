"""Query services: each read the API, the pages and the CLI serve, composed from the
ledger's reads, the read models, the transparency log, the materials and the rules."""

from queries.access_log import AccessLogQuery
from queries.evaluation import DivisionOverview, EvaluationQueries, Selection
from queries.household_page import HouseholdPageQuery, HouseholdRecord
from queries.households import HouseholdQueries
from queries.integrity import IntegrityQueries
from queries.materials import MaterialQuery
from queries.parked import ParkedQuery
from queries.quality import QualityQueries

__all__ = [
    "AccessLogQuery",
    "DivisionOverview",
    "EvaluationQueries",
    "HouseholdPageQuery",
    "HouseholdQueries",
    "HouseholdRecord",
    "IntegrityQueries",
    "MaterialQuery",
    "ParkedQuery",
    "QualityQueries",
    "Selection",
]
