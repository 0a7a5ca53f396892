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
    ),
    "lookback_view": (
        "household_id",
        "village_code",
        "status",
        "code",
        "action",
        "detail",
        "active_from",
        "active_until",
    ),
    "material_view": ("sha256", "household_id", "village_code", "event_id"),
}
