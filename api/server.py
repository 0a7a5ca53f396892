"""How ``ledger serve`` runs uvicorn: a deadline for every request head, a bounded number
of connections, and its address announced only once it listens.

uvicorn times out an idle kept-alive connection, but not a connection that never
finishes its request head (any byte it sends restarts the keep-alive timer, and a fresh
connection has none): a client could hold a socket open forever by sending a header a
minute ("slowloris"). ``HeadDeadlineProtocol`` gives each head a deadline that trickled
bytes do not extend.
"""

import asyncio
import errno
import socket
from collections.abc import Callable
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from bootstrap.settings import Settings

_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 40\r\nconnection: close\r\n\r\n"
    b"the request head did not arrive in time\n"
)


class HeadDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is not whole
    ``head_timeout_s`` after the connection opened or its previous answer ended."""

    head_timeout_s = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._arm()  # still (or again, after a pipelined request) waiting for a head
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:  # a deadline, not an idle timer: data does not extend it
            self._deadline = self.loop.call_later(self.head_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0]:  # part of a head came: say why before closing
            self.transport.write(_TIMED_OUT)
        self.transport.close()


def protocol_for(settings: Settings) -> type[HeadDeadlineProtocol]:
    return type(
        "HeadDeadlineProtocol", (HeadDeadlineProtocol,), {"head_timeout_s": settings.head_timeout_s}
    )


def config_for(app: Any, settings: Settings, host: str, port: int) -> uvicorn.Config:
    """uvicorn's configuration as ``ledger serve`` uses it (also for tests)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        # None: uvicorn's loggers propagate to the handler configure_logging() set up,
        # which redacts personal data and secrets (its own configuration would bypass it).
        log_config=None,
        http=protocol_for(settings),
        # uvicorn answers 503 once the open connections (this one included) reach the limit.
        limit_concurrency=settings.max_connections + 1,
        timeout_keep_alive=settings.keep_alive_s,
    )


class CannotListen(Exception):
    """The address is in use by another process, or not this host's to listen on."""


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket bound to ``host:port`` (uvicorn listens on it), or ``CannotListen``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"{host}:{port} is already in use by another process; stop "
                f"it or choose another --port"
            ) from None
        raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


class AnnouncingServer(uvicorn.Server):
    """Calls ``on_started`` once it listens and its application has started."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self.on_started()
