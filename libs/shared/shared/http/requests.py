"""Reading request bodies and queries into pydantic models: anything malformed becomes a
422 ``validation_error`` naming the fields, never a 500."""
from __future__ import annotations

from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from shared.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)
# The JSON object a route's body was parsed from, as the client sent it (before the model
# trimmed or defaulted anything): for what must see the exact request, an idempotency
# fingerprint.
RAW_BODY_KEY = web.RequestKey("raw_body", dict)


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
        out.append({"field": loc, "message": err.get("msg", "invalid")})
    return out


async def read_json(request: web.Request) -> object:
    raw = await request.read()
    if not raw:
        raise ValidationFailed([{"field": "body", "message": "a JSON body is required"}])
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationFailed([{"field": "body", "message": "the body is not valid JSON"}]) from None


async def parse_body(request: web.Request, model: type[M]) -> M:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ValidationFailed([{"field": "body", "message": "a JSON object is required"}])
    request[RAW_BODY_KEY] = data
    return validate(model, data)


def raw_body(request: web.Request) -> dict[str, Any]:
    """The JSON object the route's declared ``body=`` was parsed from (shared.http.enforce)."""
    return request[RAW_BODY_KEY]


def parse_query(request: web.Request, model: type[M]) -> M:
    return validate(model, dict(request.query))


def _nul_fields(value: object, path: str) -> list[str]:
    """PostgreSQL text cannot hold U+0000: find it before a query fails with a 500."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _nul_fields(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _nul_fields(v, f"{path}.{i}" if path else str(i))]
    return []


def validate(model: type[M], data: dict[str, Any]) -> M:
    bad = _nul_fields(data, "")
    if bad:
        raise ValidationFailed([{"field": f, "message": "must not contain the NUL character"} for f in bad])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None
