"""A database backed up and restored as an operator would: ``pg_dump``/``pg_restore`` on
PostgreSQL (a dump taken while the service runs, like a nightly job), and on SQLite a copy
of the file made with SQLite's online backup (consistent while the service writes)."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

import psycopg

from ledger.persistence.database import Database
from tests.conftest import POSTGRES_URL, _url


def backup(database: Database, target: Path) -> Path:
    if database.kind == "sqlite":
        target.mkdir()
        with (
            sqlite3.connect(str(database.path)) as source,
            sqlite3.connect(target / Path(str(database.path)).name) as copy,
        ):
            source.backup(copy)
    else:
        subprocess.run(
            ["pg_dump", "--format=custom", f"--file={target}", _url(database)],
            check=True,
            timeout=120,
        )
    return target


def restore(database: Database, backup: Path) -> None:
    """Replaces the database by the backup (the service must not be running)."""
    if database.kind == "sqlite":
        path = Path(str(database.path))
        for file in path.parent.glob(path.name + "*"):
            file.unlink()
        for file in backup.iterdir():
            shutil.copy2(file, path.parent / file.name)
        return
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{database.name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database.name}"')
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={_url(database)}", str(backup)],
        check=True,
        timeout=120,
    )
