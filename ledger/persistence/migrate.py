"""The versioned SQL in ``migrations/``, which each backend applies its own way."""

from importlib.resources import files


def migration_scripts(kind: str) -> list[tuple[str, str]]:
    """``(version, sql)`` for ``migrations/<kind>/NNNN_name.sql``, in version order."""
    folder = files("migrations").joinpath(kind)
    scripts = [
        (entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(scripts)
