"""No personal data and no secrets in log lines: the redacting processor, alone and in the
rendered output of the configured loggers (structlog's and the standard library's)."""

import io
import logging
from collections.abc import Iterator

import pytest
import structlog

from api.observability import new_request_id
from api.redaction import REDACTED, redact, redact_event, redact_text
from tests.logs import rendered_logs

ID_NUMBER = "53092519800101001X"
TOKEN = "ldg_0123456789abcdef_" + "A" * 21 + "-_" + "b" * 20
URL = "postgresql://ledger:s3cret-pw@db.example:5432/ledger"


def test_an_id_number_is_redacted_wherever_it_is_in_a_text() -> None:
    assert redact_text(f"member {ID_NUMBER} added") == f"member {REDACTED} added"
    assert (
        redact_text("/v1/households/530925198001010013/events")
        == f"/v1/households/{REDACTED}/events"
    )
    assert redact_text("order 12345 of 2024-05-01") == "order 12345 of 2024-05-01"


def test_a_bearer_token_keeps_its_id_and_loses_its_secret() -> None:
    assert redact_text(f"Bearer {TOKEN}") == f"Bearer ldg_0123456789abcdef_{REDACTED}"


def test_a_url_keeps_its_user_and_host_and_loses_its_password() -> None:
    assert (
        redact_text(f"connect to {URL} failed")
        == "connect to postgresql://ledger:***@db.example:5432/ledger failed"
    )
    assert redact_text("sqlite:///./ledger.db") == "sqlite:///./ledger.db"
    assert redact_text("postgresql://ledger@db/ledger") == "postgresql://ledger@db/ledger"


@pytest.mark.parametrize(
    "key", ["name", "id_number", "authorization", "Authorization", "token", "password", "secret"]
)
def test_the_values_of_personal_and_secret_keys_are_redacted_at_any_depth(key: str) -> None:
    event = {"event": "x", key: "张三", "nested": [{"deeper": {key: {"any": "value"}}}]}
    assert redact_event(None, "info", event) == {
        "event": "x",
        key: REDACTED,
        "nested": [{"deeper": {key: REDACTED}}],
    }


def test_other_values_pass_unchanged_and_odd_objects_are_redacted_as_shown() -> None:
    assert redact({"status": 201, "ok": True, "ms": 1.5, "none": None, "ids": ("a", "b")}) == {
        "status": 201,
        "ok": True,
        "ms": 1.5,
        "none": None,
        "ids": ["a", "b"],
    }
    assert redact(ValueError(f"bad {ID_NUMBER}")) == f"ValueError('bad {REDACTED}')"


@pytest.fixture
def rendered() -> Iterator[io.StringIO]:
    with rendered_logs() as buffer:
        yield buffer


def test_structlog_lines_and_their_exceptions_are_rendered_redacted(rendered: io.StringIO) -> None:
    log = structlog.get_logger("test")
    log.info(
        "member_added",
        member={"name": "欧阳娜娜", "id_number": ID_NUMBER},
        authorization=f"Bearer {TOKEN}",
        url=URL,
    )
    try:  # names are recognised by their keys only: free text is matched for patterns
        raise RuntimeError(f"could not add {ID_NUMBER} with {TOKEN} on {URL}")
    except RuntimeError:
        log.exception("unexpected_error")
    output = rendered.getvalue()
    assert "member_added" in output
    assert "RuntimeError: could not add" in output  # the traceback is there, redacted
    for secret in ("欧阳娜娜", ID_NUMBER, TOKEN, "s3cret-pw"):
        assert secret not in output


def test_standard_library_lines_and_tracebacks_are_rendered_redacted(rendered: io.StringIO) -> None:
    log = logging.getLogger("uvicorn.error")
    try:
        raise RuntimeError(f"row {ID_NUMBER} failed on {URL}")
    except RuntimeError:
        log.exception("Exception in ASGI application, token %s", TOKEN)
    output = rendered.getvalue()
    assert "Exception in ASGI application" in output
    assert "RuntimeError: row" in output
    for secret in (ID_NUMBER, TOKEN, "s3cret-pw"):
        assert secret not in output


def test_a_request_id_the_service_makes_is_never_redacted() -> None:
    # About one uuid4 in 3,000 holds 18 digits in a row (this one was seen in CI).
    drawn = iter(["a0ddcd7ab16b41929243204929940953", "1" * 32, "a0ddcd7ab16b4192abcdef0123456789"])
    request_id = new_request_id(drawn.__next__)
    assert request_id == "a0ddcd7ab16b4192abcdef0123456789"
    assert redact_text(request_id) == request_id
