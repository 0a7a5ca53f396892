"""Moved to ``ledger.demo``; re-exported until bench/projections.py imports it from there."""
from ledger.demo import ARCHETYPES, MONITORED, SHUANGJIANG, census, household, household_id

COUNTY = SHUANGJIANG.code
__all__ = ["ARCHETYPES", "COUNTY", "MONITORED", "census", "household", "household_id"]
