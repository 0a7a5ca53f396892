"""Household streams: append events, read the history and the state."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query

from api import links
from api import openapi_examples as examples
from api.deps import AppendsDep, CallerDep, HouseholdQueriesDep, ReaderDep
from api.openapi_served import HISTORY
from api.paging import MAX_POSITION, CursorParam, Limit, page, position
from api.personal_data import DisclosureDep
from api.problem_docs import problem_responses
from api.responses import JSONBody
from ledger.domain.commands import HOUSEHOLD_ID_PATTERN, AppendBatch, request_digest
from ledger.domain.fields import Rfc3339
from ledger.domain.serialization import event_document, state_document
from ledger.idempotency import Idempotency

router = APIRouter(prefix="/v1/households", tags=["households"])

HouseholdId = Annotated[
    str,
    Path(
        pattern=HOUSEHOLD_ID_PATTERN,
        description="The household's id in the upstream system (1–64 characters)",
        openapi_examples={
            "story": {
                "summary": "李国华户 · the examples' household",
                "value": examples.HOUSEHOLD_ID,
            }
        },
    ),
]
_APPENDED_EVENT = {
    "type": "object",
    "required": ["id", "version", "type", "hash", "recorded_at"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "version": {"type": "integer", "minimum": 1},
        "type": {"type": "string"},
        "hash": {"type": "string"},
        "recorded_at": {"type": "string", "format": "date-time"},
    },
}
_APPENDED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Appended: the household's new version and each event's id and hash",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["household_id", "version", "events"],
                    "properties": {
                        "household_id": {"type": "string"},
                        "version": {"type": "integer", "minimum": 1},
                        "events": {"type": "array", "items": _APPENDED_EVENT},
                    },
                },
                "example": examples.appended_example(),
            }
        },
        "links": links.APPENDED,
    }
}
_STATE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The household's state (CONTRACT §5, §7.3): members' names, ID numbers "
        "and birth dates in clear for readers of personal data (the example), their "
        "commitments for evaluators; an erased value is its commitment for everyone",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": [
                        "household_id",
                        "version",
                        "village_code",
                        "category",
                        "filed_card",
                        "status",
                        "monitoring_type",
                        "members",
                        "latest_survey",
                        "open_objections",
                        "measures",
                        "open_data_issues",
                    ],
                },
                "example": examples.state_example(),
            }
        },
    }
}


@router.post(
    "/{household_id}/events", status_code=201, responses={**_APPENDED, **problem_responses(409)}
)
def append_events(
    household_id: HouseholdId,
    batch: Annotated[AppendBatch, Body(openapi_examples=examples.append_examples())],
    appends: AppendsDep,
    caller: CallerDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="Makes retries safe. A key is the token's own; the prefix `import:` is "
            "reserved for `ledger import`",
        ),
    ] = None,
) -> JSONBody:
    """Append 1–500 events atomically (all or none). With `Idempotency-Key`, a retry of
    the same request by the same token returns the original answer (another token's key
    of the same name is no concern of this one); without `expected_version`, concurrent
    appends to one household are serialised and none is lost."""
    idempotency = None
    if idempotency_key is not None:
        digest = request_digest(household_id, batch, appends.request_key)
        idempotency = Idempotency.of_request(idempotency_key, digest)
    appended = appends.append(
        household_id,
        batch.events,
        caller,
        expected_version=batch.expected_version,
        idempotency=idempotency,
    )
    headers = {"Location": f"/v1/households/{household_id}"}
    if appended.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONBody(appended.response, status_code=201, headers=headers)


@router.get("/{household_id}/events", responses=HISTORY)
def list_events(
    household_id: HouseholdId,
    households: HouseholdQueriesDep,
    caller: ReaderDep,
    disclosure: DisclosureDep,
    after_version: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    cursor: CursorParam = None,
    limit: Limit = 100,
) -> JSONBody:
    """The household's history, oldest first: names, ID numbers and birth dates in clear
    with their `openings` for readers of personal data, as commitments for evaluators."""
    after = position(cursor, after_version)
    events = households.history(household_id, caller, after_version=after, limit=limit)
    last = events[-1].version if events else None
    disclosure.record([household_id] if events else [])
    return JSONBody(page(disclosure.events(event_document(e) for e in events), limit, last))


@router.get("/{household_id}", responses=_STATE)
def get_household(
    household_id: HouseholdId,
    households: HouseholdQueriesDep,
    caller: ReaderDep,
    disclosure: DisclosureDep,
    as_of: Annotated[
        Rfc3339 | None,
        Query(  # a bare number is not read as a Unix time
            description="Replay the state as it stood at this recorded time (RFC 3339)"
        ),
    ] = None,
) -> JSONBody:
    """Current state, or as of a recorded time: members' names, ID numbers and birth dates
    in clear for readers of personal data, as commitments for evaluators."""
    state = state_document(households.state(household_id, caller, as_of))
    disclosure.record([household_id])
    return JSONBody(disclosure.state(state))
