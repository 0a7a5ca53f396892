"""The log lines the service really renders, captured for tests.

``structlog.testing.capture_logs`` skips the processors, so it cannot show what a
redacting processor lets through; this keeps the configured chain and only points its
output (and the standard library handler's) at a buffer.
"""

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

from api.observability import configure_logging


@contextmanager
def rendered_logs() -> Iterator[io.StringIO]:
    configure_logging()
    buffer = io.StringIO()
    handlers: list[logging.StreamHandler[Any]] = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler)
        and isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    ]
    assert handlers, "configure_logging() installs a handler for the standard library"
    streams = [h.setStream(buffer) for h in handlers]
    factory = structlog.get_config()["logger_factory"]
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(buffer))
    try:
        yield buffer
    finally:
        structlog.configure(logger_factory=factory)
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)
