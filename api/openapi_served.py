"""The served event in the OpenAPI document (CONTRACT §5, §7.2, §7.3): its schema, and the
history's and the feed's answers with the examples' household's registration as a reader
of personal data, an evaluator and a reader after an erasure are served it."""

from typing import Any, get_args

from fastapi import FastAPI

from api.openapi_examples import served_event_examples
from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.integrity import HASHED_FIELDS
from ledger.domain.shapes import Source

_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_TIME = {"type": "string", "format": "date-time"}
_SOURCE_SYSTEMS = list(get_args(Source.model_fields["system"].annotation))

SERVED_EVENT: dict[str, Any] = {
    "type": "object",
    "description": "An event as served. Personal fields (members' `name`, `id_number`, "
    "`birth_date`; `actor.name`, `recorded_by.name`, each material's `name`) hold values "
    "in clear for readers of personal data (admin, recorder, auditor), with `openings`, "
    'and their commitments (`"c:"` + 64 hex) for evaluators. `hash` is the hash of the '
    "hashed form (CONTRACT §7.3): `openings` and `erased` are not hashed.",
    "required": ["id", *HASHED_FIELDS, "hash", "erased"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "household_id": {"type": "string"},
        "version": {"type": "integer", "minimum": 1},
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "occurred_at": _TIME,
        "recorded_at": _TIME,
        "actor": {"type": "object"},
        "recorded_by": {"type": "object"},
        "data": {"type": "object"},
        "materials": {"type": "array", "items": {"type": "object"}},
        "remedies": {"type": ["string", "null"], "format": "uuid"},
        "source": {
            "description": "The upstream record the event was captured from (§7.2; hashed)",
            "anyOf": [
                {
                    "type": "object",
                    "required": ["system", "record_id"],
                    "properties": {
                        "system": {"type": "string", "enum": _SOURCE_SYSTEMS},
                        "record_id": {"type": "string", "minLength": 1, "maxLength": 200},
                    },
                },
                {"type": "null"},
            ],
        },
        "correlation_id": {
            "description": "Shared by the events of one upstream operation (§7.2; hashed)",
            "type": ["string", "null"],
            "minLength": 1,
            "maxLength": 100,
        },
        "prev_hash": _HASH,
        "hash": _HASH,
        "openings": {
            "description": "Readers of personal data only: for each personal value served "
            "in clear, its RFC 6901 pointer and its salt (base64). A verifier replaces each "
            'opened value by `"c:" + hex(SHA-256(salt ‖ JCS(value)))` and re-hashes.',
            "type": "object",
            "additionalProperties": {"type": "string", "contentEncoding": "base64"},
        },
        "erased": {
            "description": "The pointers of personal fields erased (PIPL Art. 47; "
            "`PersonalDataErased`): served as their commitments to everyone.",
            "type": "array",
            "items": {"type": "string"},
        },
    },
}


def _listed(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": item},
            "next": {"type": ["string", "null"]},
        },
    }


def _page(description: str, item: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {"application/json": {"schema": _listed(item)}},
        }
    }


HISTORY = _page("A page of the household's history (CONTRACT §5, §7.3)", SERVED_EVENT)
FEED = _page(
    "A page of the feed: served events with their `position`",
    {
        "allOf": [
            SERVED_EVENT,
            {
                "type": "object",
                "required": ["position"],
                "properties": {"position": {"type": "integer", "minimum": 1}},
            },
        ]
    },
)
_PAGES = {"/v1/households/{household_id}/events": False, "/v1/feed": True}  # with a position?


def _page_examples(position: bool) -> dict[str, dict[str, Any]]:
    return {
        name: {
            **example,
            "value": {
                "items": [{"position": 1, **example["value"]} if position else example["value"]],
                "next": None,
            },
        }
        for name, example in served_event_examples().items()
    }


def document_served_events(app: FastAPI) -> None:
    """The history's and the feed's examples, added once the document is generated: FastAPI
    drops an example's nulls, and a served event's `remedies`, `source` and
    `correlation_id` are null when absent (and hashed so)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        for path, position in _PAGES.items():
            content = document["paths"][path]["get"]["responses"]["200"]["content"]
            content["application/json"]["examples"] = _page_examples(position)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
