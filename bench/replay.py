"""Household replay over HTTP: ``GET /v1/households/{id}`` (the state, replayed from the
stream) and ``GET /v1/households/{id}/events`` (the history, page after page), for
households of 10, 200 and 2,000 events, as an auditor.

A fresh database and ``ledger serve`` (no rate limit); each household is a registration
followed by ``MemberUpdated``, ``LocationRecorded`` and ``FieldSurveyConducted`` events
in turn, appended by a recorder in batches of at most 500. Then, per household, warm-up
requests and measured ones, sequential on one keep-alive client with an auditor token:
the state, and the whole history following ``next`` (each page timed too).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    DATABASES,
    cli,
    client,
    create_token,
    log,
    serve,
    server_notes,
    service_env,
)
from ledger.domain.commands import MAX_BATCH
from tests import factories as f

WARMUP_REQUESTS = 5


@dataclass
class Stream:
    """One household's replay timings."""

    events: int
    state_s: list[float] = field(default_factory=list)
    history_s: list[float] = field(default_factory=list)  # every page of one history
    page_s: list[float] = field(default_factory=list)
    pages: int = 0
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class ReplayRun:
    backend: str
    detail: str = ""
    page_limit: int = 0
    streams: list[Stream] = field(default_factory=list)
    server_notes: list[str] = field(default_factory=list)


def follow_up(n: int) -> dict[str, Any]:
    """Event ``n`` (from 1) after the registration: a member update, a location and a
    field survey, in turn."""
    if n % 3 == 0:
        return f.survey()
    if n % 3 == 1:
        return f.event(
            "MemberUpdated", {"member_id": "m1", "labor": ("partial", "full")[n // 3 % 2]}
        )
    return f.event(
        "LocationRecorded", {"lat": 23.47 + (n % 100) / 10_000, "lon": 99.81, "accuracy_m": 12.5}
    )


def build(session: httpx.Client, household_id: str, events: int) -> None:
    history = [f.registered(), *(follow_up(n) for n in range(1, events))]
    for start in range(0, events, MAX_BATCH):
        body = json.dumps({"events": history[start : start + MAX_BATCH]}, ensure_ascii=False)
        response = session.post(f"/v1/households/{household_id}/events", content=body)
        if response.status_code != 201:
            raise RuntimeError(
                f"building {household_id}: {response.status_code} {response.text[:300]}"
            )


def _timed_get(
    session: httpx.Client, path: str, params: dict[str, Any], stream: Stream
) -> tuple[float, Any] | None:
    """The response's JSON and how long it took, or None (counted) if it failed."""
    before = time.perf_counter()
    try:
        response = session.get(path, params=params)
    except httpx.HTTPError as error:
        stream.errors[type(error).__name__] += 1
        return None
    elapsed = time.perf_counter() - before
    if response.status_code != 200:
        stream.errors[str(response.status_code)] += 1
        return None
    return elapsed, response.json()


def read_state(session: httpx.Client, household_id: str, stream: Stream) -> float | None:
    timed = _timed_get(session, f"/v1/households/{household_id}", {}, stream)
    if timed is None:
        return None
    elapsed, state = timed
    if state["version"] != stream.events:
        stream.errors[f"state at version {state['version']}"] += 1
        return None
    return elapsed


def read_history(
    session: httpx.Client, household_id: str, stream: Stream, limit: int
) -> tuple[float, list[float]] | None:
    """Every page of the history: the summed time and each page's."""
    pages: list[float] = []
    cursor: str | None = None
    events = 0
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        timed = _timed_get(session, f"/v1/households/{household_id}/events", params, stream)
        if timed is None:
            return None
        elapsed, body = timed
        pages.append(elapsed)
        events += len(body["items"])
        cursor = body["next"]
        if cursor is None:
            break
    if events != stream.events:
        stream.errors[f"history of {events} events"] += 1
        return None
    return sum(pages), pages


def measure(
    session: httpx.Client, household_id: str, stream: Stream, requests: int, limit: int
) -> None:
    for _ in range(WARMUP_REQUESTS):
        read_state(session, household_id, stream)
        read_history(session, household_id, stream, limit)
    stream.errors.clear()
    for _ in range(requests):
        if (state := read_state(session, household_id, stream)) is not None:
            stream.state_s.append(state)
        if (history := read_history(session, household_id, stream, limit)) is not None:
            total, pages = history
            stream.history_s.append(total)
            stream.page_s += pages
            stream.pages = len(pages)


def run_backend(backend: str, sizes: list[int], requests: int, limit: int) -> ReplayRun:
    """Households of ``sizes`` events on a fresh database, each read ``requests`` times."""
    run = ReplayRun(backend, page_limit=limit)
    with DATABASES[backend]() as (url, detail), tempfile.TemporaryDirectory() as tmp:
        run.detail = detail
        env = service_env(url, Path(tmp))
        cli(env, "migrate")
        recorder = create_token(env, "recorder", name="bench-recorder")
        auditor = create_token(env, "auditor", name="bench-auditor")
        log_path = Path(tmp) / "server.log"
        with serve(env, log_path) as base_url:
            with client(base_url, recorder) as session:
                for size in sizes:
                    build(session, f"replay-{size}", size)
            with client(base_url, auditor) as session:
                for size in sizes:
                    log(f"[{backend}] replay of {size:,} events: {requests} × state and history …")
                    stream = Stream(size)
                    measure(session, f"replay-{size}", stream, requests, limit)
                    run.streams.append(stream)
        run.server_notes = server_notes(log_path)
    return run


def method(sizes: list[int], requests: int, limit: int) -> str:
    return (
        f"A fresh database and `ledger serve` (`LEDGER_RATE_LIMIT_PER_S=0`); one household "
        f"each of {', '.join(f'{s:,}' for s in sizes)} events, appended by a recorder in "
        f"batches of at most {MAX_BATCH}: the registration, then `MemberUpdated`, "
        f"`LocationRecorded` and `FieldSurveyConducted` in turn. Then as an auditor "
        f"(personal data unmasked, so each read also writes its access-log row), on one "
        f"keep-alive client, sequential: {WARMUP_REQUESTS} warm-up rounds, then {requests} "
        f"rounds of `GET /v1/households/{{id}}` (the state, replayed from the stream; "
        f"checked at the last version) and of the whole history `GET "
        f"/v1/households/{{id}}/events?limit={limit}` following `next` (checked to hold "
        f"every event). 'history' is the sum of a round's pages; 'page' is each page alone."
    )
