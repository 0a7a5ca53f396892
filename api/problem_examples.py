"""Examples of the problems in the OpenAPI document: per status and code, what the
ledger answers about the examples' household (``openapi_examples``), the fields a 422
names, and the values of the paths' parameters."""

from typing import Any

from api.openapi_examples import HOUSEHOLD_ID, illustrative_id, material

PROBLEMS: dict[tuple[int, str], tuple[str, str]] = {
    (400, "VALIDATION_FAILED"): (
        "请求体不是 JSON · the body is not JSON",
        "the request body is not JSON (send valid JSON with Content-Type: application/json)",
    ),
    (422, "VALIDATION_FAILED"): ("请求不合法 · invalid request", "the request is invalid: "),
    (401, "UNAUTHENTICATED"): (
        "未认证 · no valid token",
        "a bearer token is required (Authorization: Bearer ldg_…)",
    ),
    (403, "FORBIDDEN"): (
        "无权操作 · not allowed",
        "division '54' is outside this token's division '53'",
    ),
    (404, "UNKNOWN_HOUSEHOLD"): (
        "农户不存在 · unknown household",
        f"household '{HOUSEHOLD_ID}' is not registered",
    ),
    (404, "UNKNOWN_EVENT"): ("记录不存在 · unknown event", f"no event {illustrative_id(7)}"),
    (404, "UNKNOWN_MATERIAL"): (
        "资料不存在 · unknown material",
        f"no material {material(7, 'survey_form')['sha256']} is stored that this token may read",
    ),
    (404, "UNKNOWN_TILE"): (
        "瓦片不存在 · unknown tile",
        "no tile tile/0/x001/234: it needs a tree of 316160 leaves, the log has sequenced 1200",
    ),
    (409, "RULE_VIOLATION"): (
        "与户的记录矛盾 · contradicts the household's record",
        "events[0] (ApplicationSigned): no member 'm9' in this household",
    ),
    (409, "ALREADY_REGISTERED"): (
        "重复建档 · already registered",
        f"events[0] "
        f"(HouseholdRegistered): household '{HOUSEHOLD_ID}' is already "
        "registered (version 29); HouseholdRegistered is only version 1",
    ),
    (409, "VERSION_CONFLICT"): (
        "版本冲突 · version conflict",
        f"expected version 6, but household '{HOUSEHOLD_ID}' is at version 7",
    ),
    (409, "INVALID_TRANSITION"): (
        "标注不允许 · marking not allowed",
        "events[0] (SystemMarked): "
        "marking 'risk_eliminated' is not allowed from status "
        "'not_monitored' (allowed from: monitored)",
    ),
    (409, "IDEMPOTENCY_KEY_REUSED"): (
        "幂等键已用于其他请求 · idempotency key reused",
        "Idempotency-Key 'a3f1c9' was used by this token for a "
        f"different request (household '{HOUSEHOLD_ID}')",
    ),
    (413, "PAYLOAD_TOO_LARGE"): (
        "请求体过大 · body too large",
        "the request body is over the limit of 10485760 bytes",
    ),
    (429, "RATE_LIMITED"): (
        "请求过于频繁 · rate limited",
        "too many requests with this token (at most 200 at once, then 50 a second); retry in 1 s",
    ),
    (503, "SERVICE_UNAVAILABLE"): (
        "数据库不可用 · database unavailable",
        "the database is unavailable; retry later",
    ),
    (503, "PROJECTIONS_UNAVAILABLE"): (
        "统计视图暂不可用 · read models unavailable",
        "the projections are still catching up; retry",
    ),
    (503, "NOT_READY"): (
        "服务未就绪 · not ready",
        "the database does not answer (OperationalError)",
    ),
    (503, "CHECKPOINT_NOT_WITNESSED"): (
        "检查点尚未见证 · checkpoint not witnessed yet",
        "no checkpoint of ledger.example.gov.cn/fpjc/530925 has been cosigned by the "
        "witnesses its policy's quorum (offices) needs yet; retry later",
    ),
    (503, "MATERIALS_STORE_UNAVAILABLE"): (
        "资料存储不可写 · materials store not writable",
        "the materials store cannot be written (EROFS); nothing was stored",
    ),
    (503, "LOG_FORK"): (
        "日志分叉保护 · log stopped: the database is behind what was signed",
        "the log stopped sequencing and signing: the log signed 1,234 events (file "
        "/var/lib/ledger/note-key.pem.signed), the database holds 1,100: restored from an old "
        "backup? (docs/runbook-fork.md)",
    ),
    (507, "MATERIALS_STORE_FULL"): (
        "资料存储已满 · materials store full",
        "the materials store is full; nothing was stored (an operator must free space)",
    ),
}
# The field a 422 names, by the first of these parameters an operation has, as pydantic words it.
_INVALID = {
    "household_id": r"String should match pattern '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'",
    "sha256": "64 lowercase hex digits",
    "event_id": "Input should be a valid UUID, invalid character: found `x` at 0",
    "first": "Input should be greater than or equal to 1",
    "division": r"String should match pattern '^[0-9]{0,12}$'",
    "limit": "Input should be less than or equal to 1000",
    "fresh": "Input should be a valid boolean, unable to interpret input",
}
_RULE_ERRORS = {
    "RULE_VIOLATION": [
        {"field": "events[0].data.member_id", "message": "no member 'm9' in this household"}
    ],
    "INVALID_TRANSITION": [
        {"field": "events[0].data.marking", "message": "not allowed from 'not_monitored'"}
    ],
}


def invalid_fields(operation: dict[str, Any]) -> list[dict[str, str]]:
    """The ``errors`` of an example 422 of ``operation`` (an OpenAPI operation object)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return [
            {
                "field": "events[6].data",
                "message": (
                    "per_capita_net_income 7100 differs by more than 1 yuan from "
                    "(wage + operating + property + transfer - operating_cost) / household_size "
                    "= 6100.00"
                ),
            }
        ]
    if "multipart/form-data" in content:
        return [{"field": "file", "message": "Field required"}]
    names = [parameter["name"] for parameter in operation.get("parameters", [])]
    name = next((n for n in _INVALID if n in names), names[0] if names else "body")
    return [{"field": name, "message": _INVALID.get(name, "Input should be valid")}]


def problem_errors(status: int, code: str, operation: dict[str, Any]) -> list[dict[str, str]]:
    """The ``errors`` member the server adds to a problem of ``code`` (none: empty)."""
    if status == 422:
        return invalid_fields(operation)
    return _RULE_ERRORS.get(code, [])


PATH_VALUES = {
    "household_id": HOUSEHOLD_ID,
    "sha256": material(7, "survey_form")["sha256"],
    "level": "0",
    "tile_index": "x001/234",
}
"""The story's value of each path parameter, for the examples' ``instance``."""
