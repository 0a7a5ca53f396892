"""OpenAPI links: what a client (or a fuzzer's state machine) may call next with the ids
an answer returns — the household an append wrote, the events it recorded, the material
an upload stored."""

from typing import Any


def link(method: str, path: str, description: str, **parameters: str) -> dict[str, Any]:
    """A link to the operation at ``method`` ``path``, its ``parameters`` taken from the
    response by runtime expressions (``$response.body#/household_id``)."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {
        "operationRef": f"#/paths/{pointer}/{method.lower()}",
        "description": description,
        "parameters": parameters,
    }


_HOUSEHOLD = {"household_id": "$response.body#/household_id"}

APPENDED = {
    "GetHousehold": link(
        "GET",
        "/v1/households/{household_id}",
        "The household's state after the append",
        **_HOUSEHOLD,
    ),
    "ListEvents": link(
        "GET",
        "/v1/households/{household_id}/events",
        "The household's history, the appended events last",
        **_HOUSEHOLD,
    ),
    "GetCompleteness": link(
        "GET",
        "/v1/households/{household_id}/completeness",
        "The household's gaps after the append",
        **_HOUSEHOLD,
    ),
    "GetQuality": link(
        "GET",
        "/v1/households/{household_id}/quality",
        "The household's data-quality findings after the append",
        **_HOUSEHOLD,
    ),
    "GetArchive": link(
        "GET",
        "/v1/households/{household_id}/archive",
        "The household's trace archive",
        **_HOUSEHOLD,
    ),
    "AppendMore": link(
        "POST",
        "/v1/households/{household_id}/events",
        "The next append to the same household",
        **_HOUSEHOLD,
    ),
    "ProveInclusion": link(
        "GET",
        "/v1/proofs/inclusion",
        "The inclusion proof of the first appended event",
        event_id="$response.body#/events/0/id",
    ),
}
"""Where an append's answer (201) leads."""

STORED = {
    "DownloadMaterial": link(
        "GET", "/v1/materials/{sha256}", "The stored file", sha256="$response.body#/sha256"
    ),
}
"""Where an upload's answer (201 or 200) leads."""
