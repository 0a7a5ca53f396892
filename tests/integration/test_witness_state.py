"""The witness's state file on a real disk: one JSON file, replaced whole, readable by its
owner only; a file others may write is refused; and its lock keeps a second process out
until the first lets go."""

import multiprocessing
import stat
import time
from pathlib import Path

import pytest

from ledger.transparency.witness import StateFile, StateFileError, WitnessState, add_log
from ledger.transparency.witness.state import Cosigned, LogRecord
from tests.witness_log import SignedLog


def _hold_lock(path: str, held: "multiprocessing.synchronize.Event", seconds: float) -> None:
    with StateFile(path).locked():
        held.set()
        time.sleep(seconds)


def test_a_state_round_trips_through_its_file_created_for_its_owner_only(tmp_path: Path) -> None:
    log = SignedLog(leaves=5)
    state = WitnessState(
        {log.origin: LogRecord(log.vkey, Cosigned(log.checkpoint(5), 5, log.root(5), "— w x\n", 9))}
    )
    file = StateFile(tmp_path / "state.json")

    with file.locked() as before:
        file.write(state)

    assert before == WitnessState()
    assert file.read() == state
    assert stat.S_IMODE(file.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.lock_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "state.json.lock"]


def test_a_state_file_others_may_write_or_that_is_not_a_state_is_refused(tmp_path: Path) -> None:
    file = StateFile(tmp_path / "state.json")
    add_log(file, SignedLog().origin, SignedLog().vkey)
    file.path.chmod(0o664)

    with pytest.raises(StateFileError, match="chmod 600"):
        file.read()
    file.path.chmod(0o600)
    file.path.write_text('{"format": "something else"}')
    with pytest.raises(StateFileError, match="not a witness state"):
        file.read()


def test_a_second_process_waits_for_the_lock(tmp_path: Path) -> None:
    path = str(tmp_path / "state.json")
    held = multiprocessing.get_context("spawn").Event()
    holder = multiprocessing.get_context("spawn").Process(target=_hold_lock, args=(path, held, 1.5))
    holder.start()
    try:
        assert held.wait(timeout=60)
        started = time.monotonic()
        with StateFile(path).locked():
            waited = time.monotonic() - started
    finally:
        holder.join(timeout=60)
    assert waited > 0.5


def test_a_state_that_cannot_be_written_is_a_state_file_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-directory").write_text("")
    file = StateFile(tmp_path / "not-a-directory" / "state.json")

    with pytest.raises(StateFileError, match="cannot write witness state"):
        file.write(WitnessState())
