"""No personal data and no secrets in logs: a structlog processor that redacts them.

It runs last before rendering, on the lines of structlog's loggers and of the standard
library's (uvicorn, drivers), after exceptions were formatted, so a traceback's text is
redacted too. It redacts the values of keys that name personal data or secrets, wherever
they are nested, and, in any text, an 18-character ID number (GB 11643), a bearer token's
secret part and the password of a URL.
"""

import re
from collections.abc import MutableMapping
from typing import Any

REDACTED = "[REDACTED]"
SECRET_KEYS = frozenset({"name", "id_number", "authorization", "token", "password", "secret"})

_BEARER = re.compile(r"(ldg_[0-9a-f]{16})_[A-Za-z0-9_-]{43}")
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]*):[^\s/?#@]*@")
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9Xx]")


def redact_text(text: str) -> str:
    """The text with ID numbers, bearer tokens' secrets and URL passwords replaced."""
    text = _BEARER.sub(rf"\1_{REDACTED}", text)
    text = _URL_PASSWORD.sub(r"\1:***@", text)
    return _ID_NUMBER.sub(REDACTED, text)


def looks_personal(text: str) -> bool:
    """Whether ``redact_text`` would change ``text``."""
    return redact_text(text) != text


def redact(value: Any) -> Any:
    """A log value, redacted: dicts and lists recursively, text by ``redact_text``, other
    objects by their ``repr`` (as the renderers would show them)."""
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {
            key: REDACTED if _secret(key) and value[key] is not None else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    return redact_text(repr(value))


def redact_event(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The structlog processor: every key of the event dict, recursively."""
    for key, value in event.items():
        event[key] = REDACTED if _secret(key) and value is not None else redact(value)
    return event


def _secret(key: object) -> bool:
    return isinstance(key, str) and key.lower() in SECRET_KEYS
