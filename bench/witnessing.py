"""What witnessing costs (issue 16, CONTRACT §7.4): ``ledger serve`` with a 2-of-2 witness
policy and two local ``ledger witness serve`` processes, under a steady append load.

For each backend: a fresh database, ``ledger migrate`` and a token through the real CLI,
the two witnesses (their keys and state files made as ``ledger witness vkey`` and
``add-log`` make them), then ``ledger serve``. One client appends single events
(a household's registration) for a fixed time, one at a time, so the i-th acknowledged
append is leaf i; a monitor polls ``GET /v1/checkpoints/latest`` and ``GET /log/checkpoint``
every 10 ms. Per append:

* checkpoint delay: acknowledged → the first poll whose signed checkpoint covers it;
* cosigning delay: acknowledged → the first poll whose published (quorum-meeting) note
  covers it;

and, from the server's log (``witness_cosigned`` lines), the time one submission to one
witness takes in the ledger (consistency proof, HTTP round trip, verification, store).
Delays are measured by polling: they are late by up to the poll interval and the poll's
own time.

    PYTHONPATH=. .venv/bin/python -m bench.witnessing [--seconds N] [--quick]
        [--interval S] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import (
    DATABASES,
    LEDGER,
    backends_option,
    cli,
    create_token,
    free_port,
    git_commit,
    log,
    percentile,
    serve,
    service_env,
)
from ledger.transparency import signing
from ledger.transparency.c2sp.note import Ed25519Signer, vkey
from ledger.transparency.notes import LogIdentity
from ledger.transparency.witness import StateFile, add_log, cosigner, witness_key
from tests import factories as f

ORIGIN = "bench.invalid/witnessing"
POLL_S = 0.01


@dataclass
class Run:
    backend: str
    interval_s: float
    appends: list[float] = field(default_factory=list)  # acknowledged, monotonic
    polls: list[tuple[float, int, int]] = field(default_factory=list)  # t, signed, published
    submissions_s: list[float] = field(default_factory=list)

    def delays(self, column: int) -> list[float]:
        """Per append, the time until the first poll whose size (column 1: signed, 2:
        published) covers it; appends never covered within the run are left out."""
        times = [t for t, *_ in self.polls]
        found = []
        for leaf, acknowledged in enumerate(self.appends):
            start = bisect_right(times, acknowledged)
            for t, *sizes in self.polls[start:]:
                if sizes[column - 1] > leaf:
                    found.append(t - acknowledged)
                    break
        return found


def _witnesses(work: Path, log_vkey: str) -> tuple[list[str], list[subprocess.Popen[bytes]]]:
    """Two witnesses trusting the log; their policy lines and processes."""
    lines, processes = [], []
    for name in ("w1", "w2"):
        key = witness_key(work / f"{name}.pem")
        add_log(StateFile(work / f"{name}.state"), ORIGIN, log_vkey)
        port = free_port()
        witness_name = f"{name}.bench.invalid/witness"
        lines.append(
            f"witness {name} {vkey(cosigner(witness_name, key).verifier)} http://127.0.0.1:{port}"
        )
        processes.append(
            subprocess.Popen(
                [
                    str(LEDGER),
                    "witness",
                    "serve",
                    "--name",
                    witness_name,
                    "--state",
                    str(work / f"{name}.state"),
                    "--key",
                    str(work / f"{name}.pem"),
                    "--port",
                    str(port),
                ],
                stdout=(work / f"{name}.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
    for line in lines:
        url = line.split()[-1]
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"witness {url} did not start") from None
                time.sleep(0.1)
    return lines, processes


def measure(backend: str, seconds: float, interval_s: float) -> Run:
    run = Run(backend, interval_s)
    with DATABASES[backend]() as (url, _), tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        env = service_env(url, work)
        cli(env, "migrate")
        token = create_token(env, "recorder")
        note_key = signing.load_or_create_key(env["LEDGER_NOTE_KEY"], what="note key")
        log_vkey = LogIdentity(ORIGIN, Ed25519Signer(ORIGIN, note_key)).vkey
        lines, witnesses = _witnesses(work, log_vkey)
        try:
            policy = work / "policy.txt"
            policy.write_text(
                "\n".join([f"log {log_vkey}", *lines, "group both all w1 w2", "quorum both"]) + "\n"
            )
            env.update(
                LEDGER_LOG_ORIGIN=ORIGIN,
                LEDGER_WITNESS_POLICY=str(policy),
                LEDGER_WITNESS_INTERVAL_S=str(interval_s),
                LEDGER_LOG_FORMAT="json",
            )
            server_log = work / "server.log"
            with serve(env, server_log) as base_url:
                _load(run, base_url, token, seconds)
            run.submissions_s = [
                float(entry["seconds"])
                for line in server_log.read_text(errors="replace").splitlines()
                if line.startswith("{") and '"witness_cosigned"' in line
                for entry in [json.loads(line)]
            ]
        finally:
            for process in witnesses:
                process.terminate()
                process.wait(timeout=15)
    return run


def _load(run: Run, base_url: str, token: str, seconds: float) -> None:
    stop = threading.Event()

    def monitor() -> None:
        with httpx.Client(base_url=base_url, timeout=10) as http:
            auth = {"Authorization": f"Bearer {token}"}
            while not stop.is_set():
                signed = http.get("/v1/checkpoints/latest", headers=auth).json()["tree_size"]
                answer = http.get("/log/checkpoint")
                published = int(answer.text.split("\n")[1]) if answer.status_code == 200 else 0
                run.polls.append((time.monotonic(), signed, published))
                time.sleep(POLL_S)

    watcher = threading.Thread(target=monitor, daemon=True)
    watcher.start()
    with httpx.Client(
        base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            household = f"bench-{len(run.appends)}"
            answer = http.post(
                f"/v1/households/{household}/events", json={"events": [f.registered()]}
            )
            answer.raise_for_status()
            run.appends.append(time.monotonic())
    # Then long enough for the last appends to be checkpointed and cosigned.
    deadline = time.monotonic() + 2 * run.interval_s + 5
    while time.monotonic() < deadline:
        if run.polls and run.polls[-1][2] >= len(run.appends):
            break
        time.sleep(0.1)
    stop.set()
    watcher.join(timeout=15)


def _ms(samples: list[float], p: float) -> str:
    return f"{percentile(samples, p) * 1000:.0f}" if samples else "–"


def table(runs: list[Run], seconds: float) -> str:
    rows = [
        f"Commit {git_commit()}; {seconds:g} s of single-event appends (one client) per "
        "backend; checkpoint interval 1 s; two witnesses on this machine; polled every "
        f"{POLL_S * 1000:.0f} ms.",
        "",
        "| backend | witness interval | appends | checkpoint delay p50 / p99 (ms) | "
        "cosigning delay p50 / p99 (ms) | one submission p50 / p99 (ms) | submissions |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        signed, published = run.delays(1), run.delays(2)
        rows.append(
            f"| {run.backend} | {run.interval_s:g} s | {len(run.appends)} | "
            f"{_ms(signed, 50)} / {_ms(signed, 99)} | "
            f"{_ms(published, 50)} / {_ms(published, 99)} | "
            f"{_ms(run.submissions_s, 50)} / {_ms(run.submissions_s, 99)} | "
            f"{len(run.submissions_s)} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=1.0, help="LEDGER_WITNESS_INTERVAL_S")
    parser.add_argument("--quick", action="store_true", help="3 s per backend: a smoke test")
    parser.add_argument("--backends", type=backends_option, default=list(DATABASES))
    options = parser.parse_args()
    seconds = 3.0 if options.quick else options.seconds
    runs = []
    for backend in options.backends:
        log(f"[{backend}] {seconds:g} s of appends, witness interval {options.interval:g} s")
        runs.append(measure(backend, seconds, options.interval))
    print(table(runs, seconds))


if __name__ == "__main__":
    main()
