"""Who read which household's personal data (CONTRACT §5), and how much each evaluator
read (§7.3), for admins."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import AccessLogQueryDep, CallerDep, SourceDep
from api.paging import CursorParam, Limit, page, position
from api.responses import JSONBody
from ledger.domain.callers import Caller
from ledger.domain.errors import Forbidden
from ledger.domain.fields import Rfc3339
from ledger.domain.vocabulary import CallerRole
from queries.access_log import EvaluatorReadsQuery

router = APIRouter(prefix="/v1", tags=["access"])


def get_admin(caller: CallerDep) -> Caller:
    if caller.role != CallerRole.ADMIN:
        raise Forbidden(f"only admins read the access log, not a {caller.role} token")
    return caller


@router.get("/access-log")
def read_access_log(
    access_log: AccessLogQueryDep,
    admin: Annotated[Caller, Depends(get_admin)],
    # Ids, not free text: PostgreSQL refuses a NUL in text, and a filter is bound as text.
    household_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._:-]{1,64}$")] = None,
    token_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._:-]{1,64}$")] = None,
    since: Annotated[
        Rfc3339 | None,
        Query(  # a bare number is not read as a Unix time
            description="Reads at or after this time (RFC 3339)"
        ),
    ] = None,
    cursor: CursorParam = None,
    limit: Limit = 100,
) -> JSONBody:
    """Reads of personal data (unmasked names and ID numbers), oldest first: one item per
    household a response carried, `{"id", "at", "token_id", "role", "household_id",
    "village_code", "endpoint", "material"}`, for the households of the admin's division.
    A material download is one item per household through which the file was read, with
    `material` its SHA-256 (else null); its uploader's read of a file no household cites
    yet has `household_id` "" and its division's code padded with zeros."""
    entries = access_log.entries(
        admin,
        household_id=household_id,
        token_id=token_id,
        since=since,
        after_id=position(cursor),
        limit=limit,
    )
    return JSONBody(
        page([e.document() for e in entries], limit, entries[-1].id if entries else None)
    )


def get_evaluator_reads(source: SourceDep) -> EvaluatorReadsQuery:
    return EvaluatorReadsQuery(source.ledger.stores.personal)


@router.get("/admin/evaluator-reads")
def read_evaluator_reads(
    evaluator_reads: Annotated[EvaluatorReadsQuery, Depends(get_evaluator_reads)],
    admin: Annotated[Caller, Depends(get_admin)],
    cursor: CursorParam = None,
    limit: Limit = 100,
) -> JSONBody:
    """Evaluators' reads, which carry commitments only and so are not in the access log:
    responses served per token and day (UTC), `{"token_id", "day", "reads"}`, the busiest
    first, for the evaluator
    tokens of the admin's division. No household and no value is kept: a volume out of
    the ordinary is what shows."""
    offset = position(cursor)
    rows = evaluator_reads.busiest(admin, offset=offset, limit=limit)
    return JSONBody(page([r.document() for r in rows], limit, offset + len(rows)))
