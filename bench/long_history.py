"""One household of a long history, served by ``ledger serve``: the time and the server's
peak memory (VmHWM) of its history pages, an as-of replay and its archive, each request
in a freshly started server (so that nothing a previous one kept is counted). Linux only
(reads /proc). The household is built once, through the API in batches of 500, and kept
in the work directory for the next run.

    .venv/bin/python -m bench.long_history --events 30000 --workdir /tmp/long-history
"""

import argparse
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bootstrap import migrate, open_ledger
from ledger.persistence.database import Database
from ledger.tokens import create_token
from tests import factories as f
from tests.e2e.servers import LEDGER, free_port, wait_ready

BATCH = 500


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measured(pid: int, request: Any) -> tuple[float, int, int, int]:
    """Seconds, the server's resident size before (MiB), its peak during the request (MiB),
    and the answer's size in bytes."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current VmRSS
    before = _kib(pid, "VmRSS")
    started = time.monotonic()
    response = request()
    took = time.monotonic() - started
    assert response.status_code == 200, response.text[:500]
    return took, before // 1024, _kib(pid, "VmHWM") // 1024, len(response.content)


class Served:
    """``ledger serve`` on the work directory's database, stopped on exit."""

    def __init__(self, work: Path, url: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "LEDGER_DATABASE_URL": url,
            "LEDGER_RATE_LIMIT_PER_S": "0",
            "LEDGER_SIGNING_KEY": str(work / "key.pem"),
            "LEDGER_MATERIALS_DIR": str(work / "materials"),
        }
        self.process = subprocess.Popen(
            [LEDGER, "serve", "--port", str(self.port)],
            env=env,
            cwd=work,
            stdout=(work / "serve.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_ready(self.base, 60)

    def __enter__(self) -> "Served":
        return self

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def build(client: httpx.Client, events: int) -> str:
    household = f"long-{time.time_ns()}"
    answer = client.post(f"/v1/households/{household}/events", json={"events": [f.registered()]})
    assert answer.status_code == 201, answer.text
    started, total = time.monotonic(), 1
    while total < events:
        batch = [f.survey() for _ in range(min(BATCH, events - total))]
        answer = client.post(f"/v1/households/{household}/events", json={"events": batch})
        assert answer.status_code == 201, answer.text[:500]
        total += len(batch)
    print(
        f"built {household}: {total} events in {time.monotonic() - started:.0f} s", file=sys.stderr
    )
    return household


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--workdir", type=Path, default=Path("long-history"))
    arguments = parser.parse_args()
    work: Path = arguments.workdir
    work.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{work}/ledger.db"
    database = Database.from_url(url)
    migrate(database)
    ledger = open_ledger(database, pool_size=1)
    token = create_token(ledger.tables, role="admin", division="53")
    ledger.close()
    auth = {"Authorization": f"Bearer {token}"}
    built = work / "household.txt"
    if not built.exists():
        with (
            Served(work, url) as served,
            httpx.Client(base_url=served.base, timeout=600, headers=auth) as client,
        ):
            built.write_text(build(client, arguments.events))
    household = built.read_text().strip()
    total = arguments.events
    paths: dict[str, tuple[str, dict[str, Any]]] = {
        "events page (limit 1000, middle)": (
            f"/v1/households/{household}/events",
            {"after_version": total // 2, "limit": 1000},
        ),
        "state now": (f"/v1/households/{household}", {}),
        "state as_of (middle)": (f"/v1/households/{household}", {"as_of": "MIDDLE"}),
        "archive": (f"/v1/households/{household}/archive", {}),
    }
    print("| request | seconds | RSS before (MiB) | peak RSS (MiB) | answer (bytes) |")
    print("| --- | --- | --- | --- | --- |")
    for name, (path, params) in paths.items():
        with (
            Served(work, url) as served,
            httpx.Client(base_url=served.base, timeout=600, headers=auth) as client,
        ):
            if params.get("as_of") == "MIDDLE":
                params = {
                    "as_of": client.get(
                        f"/v1/households/{household}/events",
                        params={"after_version": total // 2, "limit": 1},
                    ).json()["items"][0]["recorded_at"]
                }
            took, before, peak, size = measured(
                served.process.pid, partial(client.get, path, params=params)
            )
            print(f"| {name} | {took:.2f} | {before} | {peak} | {size:,} |", flush=True)


if __name__ == "__main__":
    main()
