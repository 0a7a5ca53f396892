"""The county roster (农户名册): households, members and surveys as rows of a workbook, to
the contract's events. Pure: the workbook itself is read and written in ``api.roster``."""

from ledger.roster.columns import (
    FIRST_DATA_ROW,
    HOUSEHOLDS,
    MEMBERS,
    SHEETS,
    SURVEYS,
    Column,
    Sheet,
)
from ledger.roster.households import Accepted, Refused, Row, households
from ledger.roster.locations import RowError

__all__ = [
    "FIRST_DATA_ROW",
    "HOUSEHOLDS",
    "MEMBERS",
    "SHEETS",
    "SURVEYS",
    "Accepted",
    "Column",
    "Refused",
    "Row",
    "RowError",
    "Sheet",
    "households",
]
