"""The household web page of a household with a long history (issue 13): one view and four
at once, and the server's peak memory.

A fresh database, ``ledger migrate`` and ``ledger import`` of one household of ``--events``
events (a registration, then surveys citing one of 20 stored 256 KiB materials, locations,
applications and warnings in rotation, one ``SystemMarked``: 500 events a line, appended
through the ledger's service as any import is), then ``ledger serve`` in a subprocess (no rate
limit). A browser-like client signs in at ``/ui/sign-in`` (with the ``Origin`` a browser
sends) and fetches ``/ui/households/{id}``: ``--repeat`` views one after another, then four
clients at once, ``--repeat`` rounds. The server's peak resident memory (``VmHWM``) is read
from ``/proc`` after start-up and after the views.

    PYTHONPATH=. .venv/bin/python -m bench.web_household [--backend sqlite|postgres]
        [--events 30000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    DATABASES,
    LEDGER,
    ROOT,
    cli,
    create_token,
    free_port,
    log,
    service_env,
    wait_ready,
)
from ledger.materials import MaterialStore
from tests import factories as f

HOUSEHOLD = "hh-long-0001"
BATCH = 500
MATERIALS = 20  # distinct scanned forms the surveys cite in rotation
MATERIAL_BYTES = 256 * 1024


def history(events: int, materials: list[str]) -> list[dict[str, Any]]:
    """Every event differs (the import's idempotency keys are digests of the lines)."""

    def following(n: int) -> dict[str, Any]:
        if n == 999:
            return f.marked("enrolled", "marginal")
        if n % 4 == 0:
            return {
                **f.survey(),
                "materials": [
                    {
                        **f.MATERIAL,
                        "name": f"采集表-{n}.jpg",
                        "sha256": materials[n % len(materials)],
                        "size": MATERIAL_BYTES,
                    }
                ],
            }
        if n % 4 == 1:
            return f.event(
                "LocationRecorded", {"lat": 23.47, "lon": 99.81, "accuracy_m": 1 + n % 100}
            )
        if n % 4 == 2:
            return f.event(
                "AssistanceApplied",
                {"channel": "rescue_platform", "summary": f"医疗支出大（第{n}次）"},
            )
        return f.event(
            "WarningReceived",
            {
                "department": "medical_insurance",
                "code": "medical_self_pay_high",
                "summary": f"自付超过1万元（第{n}次）",
                "amount": 15000,
            },
        )

    return [f.registered(), *(following(n) for n in range(1, events))]


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="sqlite", choices=sorted(DATABASES))
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with (
        DATABASES[args.backend]() as (url, description),
        tempfile.TemporaryDirectory(prefix="ledger-web-bench-") as work_dir,
    ):
        work = Path(work_dir)
        env = service_env(url, work)
        cli(env, "migrate")
        store = MaterialStore(env["LEDGER_MATERIALS_DIR"])
        materials = [store.put([os.urandom(MATERIAL_BYTES)]).sha256 for _ in range(MATERIALS)]
        chosen = history(args.events, materials)
        lines = work / "import.ndjson"
        with lines.open("w") as out:
            for start in range(0, len(chosen), BATCH):
                out.write(
                    json.dumps({"household_id": HOUSEHOLD, "events": chosen[start : start + BATCH]})
                    + "\n"
                )
        started = time.monotonic()
        cli(env, "import", str(lines), timeout_s=1800)
        log(f"imported {len(chosen)} events in {time.monotonic() - started:.1f} s ({description})")
        token = create_token(env, "auditor", "53")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with (work / "server.log").open("wb") as server_log:
            process = subprocess.Popen(
                [str(LEDGER), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_ready(process, base)
                time.sleep(2)  # the checkpointer covers the imported events
                at_start = peak_kib(process.pid)
                clients = []
                for _ in range(4):
                    client = httpx.Client(base_url=base, timeout=600)
                    signed = client.post(
                        "/ui/sign-in",
                        data={"token": token},
                        headers={"Origin": base},
                        follow_redirects=False,
                    )
                    assert signed.status_code == 303, signed.text
                    clients.append(client)
                path = f"/ui/households/{HOUSEHOLD}"

                def view(client: httpx.Client, into: list[float]) -> None:
                    began = time.monotonic()
                    response = client.get(path)
                    into.append(time.monotonic() - began)
                    assert response.status_code == 200, response.text[:500]
                    assert "核验通过" in response.text, "the badge does not hold"

                one: list[float] = []
                for _ in range(args.repeat):
                    view(clients[0], one)
                four: list[float] = []
                for _ in range(args.repeat):
                    threads = [threading.Thread(target=view, args=(c, four)) for c in clients]
                    for thread in threads:
                        thread.start()
                    for thread in threads:
                        thread.join()
                peak = peak_kib(process.pid)
                size = len(clients[0].get(path).content)
            finally:
                process.terminate()
                process.wait(timeout=30)
        print(f"{description}; household of {len(chosen)} events; page {size / 1024:.0f} KiB")
        print(
            "one view:   "
            + ", ".join(f"{s:.2f}" for s in one)
            + f" s (median {statistics.median(one):.2f} s)"
        )
        print(
            "four at once: "
            + ", ".join(f"{s:.2f}" for s in four)
            + f" s (median {statistics.median(four):.2f} s)"
        )
        print(
            f"server peak RSS: {at_start / 1024:.0f} MiB after start-up, "
            f"{peak / 1024:.0f} MiB after the views (+{(peak - at_start) / 1024:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
