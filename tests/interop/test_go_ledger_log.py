"""The ledger's own log checked end to end by Go's sumdb code (x/mod, from Debian), which
nobody here wrote: the served checkpoint note opens under the served verifier key, and the
tree it names is rebuilt from the served tiles."""

import subprocess
from pathlib import Path

import httpx

from api.state import app_state
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from tests.conftest import _url
from tests.e2e.servers import served_in_thread
from tests.e2e.test_tiles import append_county


def _go(tlogcheck: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tlogcheck), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_go_opens_the_served_checkpoint_note_and_rebuilds_its_tree_from_the_tiles(
    database: Database, tlogcheck: Path, tmp_path: Path
) -> None:
    settings = Settings(database_url=_url(database), log_origin="ledger.example.gov.cn/fpjc/5309")
    with served_in_thread(settings) as (base, app):
        services = app_state(app).running()
        append_county(services.appends, 300)
        services.transparency.checkpoint(fresh=True)
        vkey = httpx.get(f"{base}/log/vkey").text.strip()
        served = httpx.get(f"{base}/log/checkpoint").text
        note = tmp_path / "checkpoint.note"
        note.write_text(served)

        opened = _go(tlogcheck, "note", vkey, str(note))
        assert opened.returncode == 0, opened.stderr
        origin, size, root = opened.stdout.splitlines()[:3]
        assert origin == "ledger.example.gov.cn/fpjc/5309"
        assert int(size) >= 300

        rebuilt = _go(tlogcheck, "tiles", base, size, root)
        assert rebuilt.returncode == 0, rebuilt.stderr

        note.write_text(served.replace(f"\n{size}\n", f"\n{int(size) - 1}\n", 1))
        assert _go(tlogcheck, "note", vkey, str(note)).returncode != 0
