"""One canonical log line per request: its id (the upstream's when well formed, returned
in ``X-Request-ID``), the caller's token id and role (never the token), the household,
method, route template, path, status and duration; as JSON or readable lines."""

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from fastapi.testclient import TestClient

from api.observability import renderer_for
from bootstrap.settings import LogFormat
from ledger.persistence.database import Database
from tests import factories as f
from tests.e2e.servers import LedgerProcess, recorder_token
from tests.logs import rendered_logs

APPEND_ROUTE = "/v1/households/{household_id}/events"


def request_lines(output: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "request"]


def test_the_canonical_line_names_the_request_caller_household_route_status_and_duration(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    token = make_token(role="recorder")
    with rendered_logs() as logs:
        response = client.post(
            "/v1/households/hh-7/events",
            json={"events": [f.registered()]},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201, response.text
    [line] = request_lines(logs.getvalue())
    assert line["request_id"] == response.headers["x-request-id"]
    assert (line["token_id"], line["role"]) == (token.split("_")[1], "recorder")
    assert (line["household_id"], line["method"], line["route"], line["path"], line["status"]) == (
        "hh-7",
        "POST",
        APPEND_ROUTE,
        "/v1/households/hh-7/events",
        201,
    )
    assert isinstance(line["duration_ms"], float | int)
    assert line["duration_ms"] >= 0
    assert (line["level"], line["timestamp"][:2]) == ("info", "20")
    assert token not in logs.getvalue()


def test_a_refused_request_is_logged_without_a_caller(client: TestClient) -> None:
    with rendered_logs() as logs:
        response = client.get("/v1/households/hh-7")
    assert response.status_code == 401
    [line] = request_lines(logs.getvalue())
    assert "token_id" not in line
    assert "role" not in line
    assert (line["household_id"], line["route"], line["status"]) == (
        "hh-7",
        "/v1/households/{household_id}",
        401,
    )


def test_a_route_without_a_household_logs_none_and_an_unknown_path_no_route(
    client: TestClient, auth: dict[str, str]
) -> None:
    with rendered_logs() as logs:
        assert client.get("/v1/feed", headers=auth).status_code == 200
        assert client.get("/no/such/path").status_code == 404
    feed, unknown = request_lines(logs.getvalue())
    assert "household_id" not in feed
    assert (feed["route"], feed["role"]) == ("/v1/feed", "recorder")
    assert (unknown["route"], unknown["path"], unknown["status"]) == (None, "/no/such/path", 404)


@pytest.mark.parametrize("upstream", ["4bf92f3577b34da6a3ce929d0e0e4736", "req-2024.05:01_a"])
def test_a_well_formed_upstream_request_id_is_kept_so_traces_join_up(
    client: TestClient, upstream: str
) -> None:
    with rendered_logs() as logs:
        response = client.get("/healthz", headers={"X-Request-ID": upstream})
    assert response.headers["x-request-id"] == upstream
    [line] = request_lines(logs.getvalue())
    assert line["request_id"] == upstream


@pytest.mark.parametrize(
    "upstream", ["", "a b", "x" * 65, "<script>", "-leading-dash", "id\nforged: line", "ümlaut"]
)
def test_a_malformed_upstream_request_id_is_replaced_by_a_new_one(
    client: TestClient, upstream: str
) -> None:
    with rendered_logs() as logs:
        response = client.get("/healthz", headers={"X-Request-ID": upstream.encode()})
    returned = response.headers["x-request-id"]
    assert returned != upstream
    assert len(returned) == 32
    assert int(returned, 16) >= 0
    [line] = request_lines(logs.getvalue())
    assert line["request_id"] == returned


class Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.mark.parametrize(
    ("log_format", "terminal", "renderer"),
    [
        ("auto", True, structlog.dev.ConsoleRenderer),
        ("auto", False, structlog.processors.JSONRenderer),
        ("json", True, structlog.processors.JSONRenderer),
        ("console", False, structlog.dev.ConsoleRenderer),
    ],
)
def test_auto_renders_readable_lines_on_a_terminal_and_json_elsewhere(
    log_format: LogFormat, terminal: bool, renderer: type
) -> None:
    assert isinstance(renderer_for(log_format, Stream(terminal)), renderer)


def served_once(tmp_path: Path, **env: str) -> tuple[str, str]:
    """``ledger serve`` with ``env``, asked one read with an upstream request id; its
    output and the token used."""
    database = Database.from_url(f"sqlite:///{tmp_path}/ledger.db")
    token = recorder_token(database)
    server = LedgerProcess(f"sqlite:///{tmp_path}/ledger.db", tmp_path / "serve.log", **env)
    server.start()
    try:
        response = httpx.get(
            f"{server.base}/v1/households/hh-1",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "upstream-1"},
        )
        assert response.status_code == 404
    finally:
        server.stop()
    return server.output(), token


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_the_served_process_writes_the_configured_format(log_format: str, tmp_path: Path) -> None:
    output, token = served_once(tmp_path, LEDGER_LOG_FORMAT=log_format)
    assert token not in output
    [line] = [line for line in output.splitlines() if "upstream-1" in line]
    if log_format == "json":
        fields = json.loads(line)
        assert (fields["event"], fields["status"], fields["role"]) == ("request", 404, "recorder")
    else:
        assert not line.startswith("{")
        assert "request" in line
        assert "status=404" in line
        assert "\x1b[" not in line  # no colours in a file


def test_a_warning_level_leaves_the_request_lines_out(tmp_path: Path) -> None:
    output, _ = served_once(tmp_path, LEDGER_LOG_FORMAT="json", LEDGER_LOG_LEVEL="warning")
    assert "ledger: serving" in output  # the process's output was captured
    assert "upstream-1" not in output
