"""The county roster (农户名册): households, members and surveys as rows of a workbook, to
the contract's events. Pure: the workbook itself is read in ``.workbook`` and its blank
template written in ``.template``."""

from ledger.importing.roster.columns import (
    FIRST_DATA_ROW,
    HOUSEHOLDS,
    MEMBERS,
    SHEETS,
    SURVEYS,
    Column,
    Sheet,
)
from ledger.importing.roster.households import Accepted, Refused, Row, households
from ledger.importing.roster.locations import RowError

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
