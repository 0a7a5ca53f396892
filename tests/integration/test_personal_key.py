"""The personal-data key (``LEDGER_PERSONAL_DATA_KEY``, CONTRACT §7.3), on both databases:
made on first start (32 random bytes, base64, mode 0600, one key however many processes
start at once); a start is refused, with a message saying what to do, for a key file
others can read, for a missing key file once values are sealed (never a new key in its
place), and for a key that does not open them (another ledger's)."""

import base64
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap import Services, migrate, open_services
from bootstrap.settings import Settings
from ledger.appending import AppendPipeline
from ledger.domain.callers import Caller
from ledger.persistence.database import Database
from ledger.personal import PersonalKeyError
from tests import factories as f
from tests.conftest import _url, fresh_postgres
from tests.e2e.test_start_refused import connections_to
from tests.integration.test_concurrency import commands

LEDGER = str(Path(sys.executable).with_name("ledger"))
CALLER = Caller(token_id="t-key", name="测试录入员", role="recorder", division="53")  # type: ignore[arg-type]


def settings_for(database: Database, key: Path) -> Settings:
    return Settings(
        database_url=_url(database),
        personal_data_key=str(key),
        pool_size=2,
        auto_migrate=False,
    )


@contextmanager
def started(database: Database, key: Path) -> Iterator[Services]:
    with open_services(settings_for(database, key), projections=False) as services:
        yield services


def sealed_a_household(database: Database, key: Path) -> None:
    """Opens the ledger with ``key`` (made if absent) and registers a named household."""
    with started(database, key) as services:
        AppendPipeline(services.ledger).append("hh-1", commands(f.registered()), CALLER)
        assert services.ledger.stores.personal.holds_any()


def run_cli(database: Database, key: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": _url(database),
        "LEDGER_PERSONAL_DATA_KEY": str(key),
    }
    return subprocess.run(
        [LEDGER, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def assert_refused_cleanly(result: subprocess.CompletedProcess[str], *said: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr + result.stdout
    for words in said:
        assert words in result.stderr, result.stderr


def test_a_first_start_makes_a_key_of_32_random_bytes_readable_by_its_owner_only(
    database: Database, tmp_path: Path
) -> None:
    key = tmp_path / "keys" / "personal-data.key"
    with started(database, key):
        pass
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(base64.b64decode(key.read_bytes().strip(), validate=True)) == 32
    made = key.read_bytes()
    with started(database, key):
        pass
    assert key.read_bytes() == made  # loaded, not made again
    assert [p.name for p in key.parent.iterdir()] == [key.name]  # no temporary left


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_key_file_others_can_read_refuses_the_start_naming_chmod(
    database: Database, tmp_path: Path, mode: int
) -> None:
    key = tmp_path / "personal-data.key"
    key.write_bytes(base64.b64encode(os.urandom(32)))
    key.chmod(mode)
    with pytest.raises(PersonalKeyError, match=f"chmod 600 {key}"):  # noqa: SIM117
        with TestClient(create_app(settings_for(database, key))):
            pass
    assert_refused_cleanly(
        run_cli(database, key, "token", "list"), "accessible to other users", f"chmod 600 {key}"
    )


def test_a_missing_key_file_is_refused_once_values_are_sealed_and_not_made_again(
    database: Database, tmp_path: Path
) -> None:
    key = tmp_path / "personal-data.key"
    sealed_a_household(database, key)
    key.unlink()
    with pytest.raises(PersonalKeyError, match="does not exist"), started(database, key):
        pass
    assert not key.exists()
    assert_refused_cleanly(
        run_cli(database, key, "token", "list"), "does not exist", "LEDGER_PERSONAL_DATA_KEY"
    )
    assert not key.exists()


def test_another_key_refuses_the_start_rather_than_failing_reads(
    database: Database, tmp_path: Path
) -> None:
    key, other = tmp_path / "personal-data.key", tmp_path / "other-ledger.key"
    sealed_a_household(database, key)
    other.write_bytes(base64.b64encode(os.urandom(32)))
    other.chmod(0o600)
    with pytest.raises(PersonalKeyError, match="not the key that sealed them"):  # noqa: SIM117
        with TestClient(create_app(settings_for(database, other))):
            pass
    assert_refused_cleanly(
        run_cli(database, other, "token", "list"), "does not open the personal values"
    )
    with started(database, key) as services:  # the right key still opens them
        values = services.ledger.personal.values_of_household("hh-1")
        assert "张三" in values.values()


def test_a_ledger_whose_values_are_all_erased_starts_with_its_key(
    database: Database, tmp_path: Path
) -> None:
    key = tmp_path / "personal-data.key"
    sealed_a_household(database, key)
    with started(database, key) as services:
        personal = services.ledger.stores.personal
        personal.erase([row.commitment for row in personal.of_household("hh-1")], datetime.now(UTC))
        assert personal.a_sealed_row() is None
    with started(database, key):
        pass


_RACE = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from ledger.personal import load_or_create_personal_key
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
print(load_or_create_personal_key(sys.argv[1]).hex())
"""


def test_processes_starting_at_once_end_up_with_one_key(tmp_path: Path) -> None:
    key, go = tmp_path / "personal-data.key", tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACE, str(key), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    time.sleep(1.0)  # every racer waiting for the same moment
    go.touch()
    keys = set()
    for racer in racers:
        out, err = racer.communicate(timeout=60)
        assert racer.returncode == 0, err
        keys.add(out.strip())
    assert keys == {base64.b64decode(key.read_bytes().strip()).hex()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", "personal-data.key"]


@pytest.fixture
def postgres_database(postgres_server: Database) -> Iterator[Database]:
    yield from fresh_postgres(postgres_server)


def test_a_start_refused_for_its_personal_key_leaves_no_connection_open(
    postgres_database: Database, tmp_path: Path
) -> None:
    migrate(postgres_database)
    key = tmp_path / "personal-data.key"
    key.write_bytes(base64.b64encode(os.urandom(32)))
    key.chmod(0o644)
    with pytest.raises(PersonalKeyError), started(postgres_database, key):
        pass
    assert connections_to(postgres_database) == 0
