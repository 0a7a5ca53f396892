"""Slow, idle and surplus connections to ``ledger serve`` (issue 13 §5 and §10), with real
sockets on loopback: a request head has a deadline, connections are limited, and the
service announces its address only once it listens."""

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.servers import LEDGER, LedgerProcess, free_port

HEAD_TIMEOUT_S = 1.5


@pytest.fixture
def served(tmp_path: Path) -> Iterator[LedgerProcess]:
    server = LedgerProcess(
        f"sqlite:///{tmp_path}/ledger.db",
        tmp_path / "serve.log",
        LEDGER_HEAD_TIMEOUT_S=str(HEAD_TIMEOUT_S),
        LEDGER_MAX_CONNECTIONS="4",
        LEDGER_KEEP_ALIVE_S="30",
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _connect(server: LedgerProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=HEAD_TIMEOUT_S * 6)


def _closed_after(connection: socket.socket, trickle: bytes = b"") -> tuple[float, bytes]:
    """Sends ``trickle`` a byte every 0.2 s until the server closes; the seconds it took and
    what the server said."""
    started, answer = time.monotonic(), b""
    connection.settimeout(0.2)
    for byte in [trickle[i : i + 1] for i in range(len(trickle))] + [b""] * 1000:
        try:
            if byte:
                connection.sendall(byte)
            chunk = connection.recv(4096)
            if not chunk:
                return time.monotonic() - started, answer
            answer += chunk
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started, answer
        if time.monotonic() - started > HEAD_TIMEOUT_S * 6:
            break
    raise AssertionError(f"still open after {HEAD_TIMEOUT_S * 6} s")


def test_a_connection_that_sends_nothing_is_closed_after_the_head_timeout(
    served: LedgerProcess,
) -> None:
    with _connect(served) as connection:
        took, answer = _closed_after(connection)
    assert HEAD_TIMEOUT_S * 0.8 <= took <= HEAD_TIMEOUT_S * 3
    assert answer == b""


def test_a_half_sent_head_trickled_byte_by_byte_is_cut_at_its_deadline_with_408(
    served: LedgerProcess,
) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    with _connect(served) as connection:
        took, answer = _closed_after(connection, trickle=head)
    assert took <= HEAD_TIMEOUT_S * 3, "trickled bytes extended the deadline"
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_kept_alive_connection_gets_a_new_deadline_for_each_head(served: LedgerProcess) -> None:
    with _connect(served) as connection:
        for _ in range(2):
            time.sleep(HEAD_TIMEOUT_S * 0.6)  # within the deadline each time
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _whole_response(connection).startswith(b"HTTP/1.1 200 ")
        took, _ = _closed_after(connection)
    assert took <= HEAD_TIMEOUT_S * 3


def _whole_response(connection: socket.socket) -> bytes:
    """One answer read whole: its head and body may come in separate segments."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        assert chunk, f"closed before a whole head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = re.findall(rb"(?im)^content-length: *(\d+)", head)
    while len(body) < int(lengths[0]):
        chunk = connection.recv(4096)
        assert chunk, f"closed before a whole body: {data!r}"
        body += chunk
    return head + b"\r\n\r\n" + body


def test_connections_beyond_the_limit_are_answered_503_and_served_again_once_they_go(
    served: LedgerProcess,
) -> None:
    stalled = [_connect(served) for _ in range(4)]
    for connection in stalled:
        connection.sendall(b"GET /healthz HTTP/1.1\r\n")  # half a head, held
    time.sleep(0.3)
    try:
        surplus = httpx.get(f"{served.base}/healthz", timeout=10)
        assert surplus.status_code == 503
    finally:
        for connection in stalled:
            connection.close()
    time.sleep(0.3)
    assert httpx.get(f"{served.base}/healthz", timeout=10).status_code == 200


def test_many_slow_clients_are_all_dropped_and_normal_requests_work_after(
    served: LedgerProcess,
) -> None:
    slow = [_connect(served) for _ in range(200)]
    for connection in slow:
        connection.sendall(b"POST /v1/households/hh-1/events HTTP/1.1\r\nHost: x\r\n")
    time.sleep(HEAD_TIMEOUT_S * 2.5)
    for connection in slow:
        connection.settimeout(5)
        try:
            assert connection.recv(4096).startswith(b"HTTP/1.1 408 ")
            assert connection.recv(4096) == b""
        except ConnectionResetError:
            pass  # closed, as the 408 said
        connection.close()
    assert httpx.get(f"{served.base}/healthz", timeout=10).status_code == 200


def test_serve_on_a_taken_port_says_so_and_exits_non_zero_without_announcing(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [LEDGER, "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path}/l.db"},
        )
    assert result.returncode != 0
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "serving" not in result.stdout + result.stderr


def test_serve_announces_its_address_only_once_it_accepts_connections(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [LEDGER, "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path}/l.db"},
        )
        try:
            deadline = time.monotonic() + 60
            while f"serving http://127.0.0.1:{port}" not in log.read_text():
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.01)
            # Announced: the very next request is answered.
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=30)
