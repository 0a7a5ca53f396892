"""The read models' tables and their columns, as migrations create them (both sets, both
databases)."""

TABLES = {
    "household_view": (
        "household_id",
        "village_code",
        "status",
        "monitoring_type",
        "category",
        "filed_card",
        "latest_income",
        "latest_survey_year",
        "version",
        "config_version",
        "violations",
    ),
    "episode_view": ("household_id", "village_code", "marking_event_id", "kind"),
    "gap_view": (
        "household_id",
        "village_code",
        "status",
        "episode",
        "kind",
        "code",
        "step",
        "severity",
        "detail",
        "detail_zh",
    ),
    "lookback_view": (
        "household_id",
        "village_code",
        "status",
        "code",
        "action",
        "detail",
        "detail_zh",
        "active_from",
        "active_until",
    ),
    "material_view": ("sha256", "household_id", "village_code", "event_id"),
    "finding_view": (
        "household_id",
        "village_code",
        "status",
        "code",
        "rule",
        "detail",
        "detail_zh",
        "events",
        "active_from",
        "active_until",
    ),
    "fact_view": ("household_id", "village_code", "kind", "key", "value", "day", "event_id"),
}
"""The tables holding one household's rows, replaced whole with it."""

DERIVED_TABLES = {
    "derived_finding_view": (
        "kind",
        "key",
        "household_id",
        "village_code",
        "code",
        "rule",
        "detail",
        "detail_zh",
        "events",
        "active_from",
        "active_until",
    ),
    "signal_view": (
        "group_kind",
        "group_key",
        "code",
        "key",
        "division",
        "detail",
        "detail_zh",
        "households",
        "events",
        "active_from",
        "active_until",
    ),
    "signal_household_view": (
        "group_kind",
        "group_key",
        "code",
        "key",
        "household_id",
        "village_code",
    ),
}
"""The tables holding what a group of facts (``fact_view``'s kind and key) shows, replaced
whole for a group whenever its facts change, in the same transaction (migration 0013).
A group is named by the first of the kinds judged together (``group_kinds``) and the key;
signals keep it as ``group_kind``, ``group_key`` (their own key may differ)."""

COLUMNS = {**TABLES, **DERIVED_TABLES}
"""Every read-model table's columns as written."""

VIEWS = (*TABLES, *DERIVED_TABLES)
"""Every read-model table, as queries name them in braces."""
