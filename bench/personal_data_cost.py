"""What personal data as salted commitments (issue 15, CONTRACT §7.3) costs, over HTTP,
measured with ``wrk`` (a C load generator: no Python client sharing the CPUs).

For each backend: a fresh database, ``ledger migrate`` and tokens through the real CLI,
``ledger serve`` (no rate limit) on a free loopback port, then, each phase for a fixed
time after a warm-up:

* registrations — new households of three members (11 personal fields: each member's
  name, ID number and birth date, the actor's and the recorder's names), 1 connection;
* single-event appends (``LocationRecorded``: the actor's and recorder's names) to
  registered households, 1 and 8 connections;
* replays of a household's history (``GET …/events``, 12 events) as an auditor (values
  opened, every read in the access log) and as an evaluator (commitments, reads counted).

It uses only HTTP and the CLI, so the same script measures a checkout from before the
change (``--label``): run it in each and compare the tables.

    PYTHONPATH=. .venv/bin/python -m bench.personal_data_cost [--seconds N] [--label TEXT]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    DATABASES,
    backends_option,
    cli,
    create_token,
    git_commit,
    log,
    serve,
    service_env,
)
from tests import factories as f

HOUSEHOLDS = 64
HISTORY_EVENTS = 12
LOCATION = {"lat": 23.47, "lon": 99.81, "accuracy_m": 12.5}

_DONE = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
"""


def _lua(method: str, paths: list[str], token: str, body: Any | None) -> str:
    headers = f'{{["Authorization"] = "Bearer {token}", ["Content-Type"] = "application/json"}}'
    listed = ", ".join(json.dumps(p) for p in paths)
    # A long bracket: LuaJIT (wrk's) reads no \u escapes in quoted strings.
    payload = "nil" if body is None else f"[==[{json.dumps(body, ensure_ascii=False)}]==]"
    return (
        f"""
local paths = {{{listed}}}
local headers = {headers}
local body = {payload}
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  if path == "NEW" then
    path = string.format("/v1/households/w%d-%d/events", math.random(1, 1000000000), counter)
  end
  return wrk.format("{method}", path, headers, body)
end
"""
        + _DONE
    )


def wrk(
    base_url: str, script: str, *, connections: int, seconds: float, warmup: float
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    argv = ["wrk", "-t1", f"-c{connections}", "-s", file.name, base_url]
    subprocess.run([*argv[:1], f"-d{max(warmup, 1):.0f}s", *argv[1:]], capture_output=True)
    done = subprocess.run(
        [*argv[:1], f"-d{seconds:.0f}s", *argv[1:]], capture_output=True, text=True, check=True
    )
    Path(file.name).unlink()
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["per_s"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure(backend: str, seconds: float, warmup: float) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with DATABASES[backend]() as (url, _), tempfile.TemporaryDirectory() as work:
        env = service_env(url, Path(work))
        cli(env, "migrate")
        tokens = {role: create_token(env, role) for role in ("recorder", "auditor", "evaluator")}
        with serve(env, Path(work) / "server.log") as base_url:
            auth = {"Authorization": f"Bearer {tokens['recorder']}"}
            with httpx.Client(base_url=base_url, headers=auth, timeout=30) as http:
                for n in range(HOUSEHOLDS):
                    events = [f.registered()] + [f.event("LocationRecorded", LOCATION)] * (
                        HISTORY_EVENTS - 1
                    )
                    response = http.post(f"/v1/households/hh-{n}/events", json={"events": events})
                    response.raise_for_status()
            registered = [f"/v1/households/hh-{n}/events" for n in range(HOUSEHOLDS)]
            phases = [
                ("registrations, 1 connection", "POST", ["NEW"], "recorder", f.registered(), 1),
                ("single appends, 1 connection", "POST", registered, "recorder", _location(), 1),
                ("single appends, 8 connections", "POST", registered, "recorder", _location(), 8),
                ("history as auditor, 1 connection", "GET", registered, "auditor", None, 1),
                ("history as evaluator, 1 connection", "GET", registered, "evaluator", None, 1),
            ]
            for name, method, paths, role, body, connections in phases:
                script = _lua(
                    method, paths, tokens[role], None if body is None else {"events": [body]}
                )
                results[name] = wrk(
                    base_url, script, connections=connections, seconds=seconds, warmup=warmup
                )
                log(f"{backend}: {name}: {results[name]}")
    return results


def _location() -> dict[str, Any]:
    return f.event("LocationRecorded", LOCATION)


def table(label: str, results: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = [
        f"{label} (commit {git_commit()})",
        "",
        "| backend | phase | requests/s | p50 ms | p99 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for backend, phases in results.items():
        for name, r in phases.items():
            lines.append(
                f"| {backend} | {name} | {r['per_s']:,.0f} | {r['p50_us'] / 1000:.1f} | "
                f"{r['p99_us'] / 1000:.1f} | {r['errors']} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--backends", type=backends_option, default=list(DATABASES))
    parser.add_argument("--label", default="this checkout")
    args = parser.parse_args()
    results = {b: measure(b, args.seconds, args.warmup) for b in args.backends}
    print(table(args.label, results))


if __name__ == "__main__":
    main()
