"""Erasure of a member's personal data (CONTRACT §7.3, PIPL Art. 47): admins only."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel

from api import links
from api.deps import AppendsDep, CallerDep, PrimaryLedgerDep
from api.problem_docs import problem_responses
from api.responses import JSONBody
from api.routes.households import HouseholdId
from ledger.domain.callers import Caller
from ledger.domain.errors import Forbidden
from ledger.domain.fields import PAYLOAD_CONFIG, FreeText, Identifier
from ledger.domain.vocabulary import CallerRole
from ledger.personal.erasure import Erasures

router = APIRouter(prefix="/v1/households", tags=["households"])


class ErasureRequest(BaseModel):
    """Whose personal data to erase, and on what basis (a request under PIPL Art. 47, a
    court's order…): the basis is kept in the event, the values are not."""

    model_config = PAYLOAD_CONFIG

    member_id: Identifier
    basis: FreeText


def get_admin(caller: CallerDep) -> Caller:
    if caller.role != CallerRole.ADMIN:
        raise Forbidden(f"only admins erase personal data, not a {caller.role} token")
    return caller


_ERASED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Erased and recorded: the append's receipt (the `PersonalDataErased` "
        "event), the member, and `erased`, how many personal fields were emptied",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["household_id", "version", "events", "member_id", "erased"],
                    "properties": {
                        "household_id": {"type": "string"},
                        "version": {"type": "integer", "minimum": 1},
                        "events": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "version", "type", "hash", "recorded_at"],
                            },
                        },
                        "member_id": {"type": "string", "description": "The member erased"},
                        "erased": {"type": "integer", "minimum": 0},
                    },
                },
            }
        },
        # After an erasure, as after any append: its state, history, archive, proofs.
        "links": links.APPENDED,
    }
}


@router.post(
    "/{household_id}/erasures",
    status_code=201,
    summary="Erase a member's personal data",
    responses={**_ERASED, **problem_responses(409)},
)
def erase(
    household_id: HouseholdId,
    request: Annotated[
        ErasureRequest,
        Body(
            openapi_examples={
                "request": {
                    "summary": "本人申请删除 · the member asked for it",
                    "value": {
                        "member_id": "m2",
                        "basis": "本人依《个人信息保护法》第四十七条申请删除（申请书 2024-017）",
                    },
                }
            }
        ),
    ],
    appends: AppendsDep,
    ledger: PrimaryLedgerDep,
    admin: Annotated[Caller, Depends(get_admin)],
) -> JSONBody:
    """Deletes the member's name, ID number and birth date from the personal-data store in
    every event of the household (with any actor's name equal to one of them, and any
    material name containing one, whose stored file names are blanked too), and appends
    `PersonalDataErased` (`member_id`, `basis`), in one transaction. Every hash, proof,
    checkpoint and archive stays valid: the erased fields are served as their commitments
    to everyone, listed in each event's `erased`. Once per member (`RULE_VIOLATION`
    naming `data.member_id` for a second erasure or an unknown member)."""
    erased = Erasures(appends, ledger).erase(household_id, request.member_id, request.basis, admin)
    return JSONBody(erased, status_code=201, headers={"Location": f"/v1/households/{household_id}"})
