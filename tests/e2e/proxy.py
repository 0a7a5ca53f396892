"""A TCP proxy on loopback in front of PostgreSQL, for tests of a database that goes
away: ``refuse()`` closes its port (as a stopped server), ``blackhole()`` accepts and never
answers (as a network partition), ``forward()`` passes bytes again."""

import contextlib
import select
import socket
import threading
from typing import Literal

Mode = Literal["forward", "refuse", "blackhole"]


class Proxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode: Mode = "forward"
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = self._listen(0)
        self.port: int = self._listener.getsockname()[1]

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                self._sockets.append(client)
            if self.mode == "forward":
                threading.Thread(target=self._pipe, args=(client,), daemon=True).start()
            # blackhole: hold the connection, never answer

    def _pipe(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        with self._lock:
            self._sockets.append(upstream)
        pair = {client: upstream, upstream: client}
        try:
            while self.mode == "forward":
                ready, _, _ = select.select(list(pair), [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()

    def _drop_connections(self) -> None:
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self._sockets.clear()

    def refuse(self) -> None:
        """Every connection cut and the port closed, as when the server is stopped."""
        self.mode = "refuse"
        self._listener.close()
        self._drop_connections()

    def blackhole(self) -> None:
        """Every connection cut; new ones accepted and never answered."""
        self.mode = "blackhole"
        self._drop_connections()

    def forward(self) -> None:
        """Back: new connections reach the server again (on the same port)."""
        self._drop_connections()
        if self.mode == "refuse":
            self._listener = self._listen(self.port)
        self.mode = "forward"

    def close(self) -> None:
        self.mode = "refuse"
        self._listener.close()
        self._drop_connections()
