"""Refuses request bodies over the limit before anything reads them (413).

Most bodies are JSON the route reads whole anyway: they are read here first, up to the
limit, and replayed. An upload path (``streamed``) has its own limit and is passed
through as it arrives, counted, so a large file is never held in memory here; once it
passes its limit the 413 is answered and the route sees the client gone.
"""

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import problem


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        streamed: Mapping[str, int] | None = None,
        by_prefix: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = dict(streamed or {})  # exact path -> its own limit
        self.by_prefix = dict(by_prefix or {})  # path prefix -> a smaller limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.streamed.get(scope["path"], self.max_bytes)
        for prefix, smaller in self.by_prefix.items():
            if scope["path"].startswith(prefix):
                limit = min(limit, smaller)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        if scope["path"] in self.streamed:
            await self._stream(scope, receive, send, limit)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, delivered = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        size, started, over, answered = 0, False, False, False

        async def counted() -> Message:
            nonlocal size, over, answered
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    over = True
                    if not started:
                        await self._refuse(scope, receive, send, limit)
                        answered = True
                    # The route stops reading as if the client had gone away.
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the 413 has been sent; whatever the route answers is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, guarded)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(
            413,
            "PAYLOAD_TOO_LARGE",
            f"the request body is over the limit of {limit} bytes",
            instance=scope.get("path"),
        )
        # The rest of the body is not read: the connection cannot carry another request.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
