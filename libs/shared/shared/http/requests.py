"""Reading request bodies and queries into pydantic models: anything malformed becomes a
422 ``validation_error`` naming the fields, never a 500."""
from __future__ import annotations

from typing import TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from ..errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)


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
    return validate(model, data)


def parse_query(request: web.Request, model: type[M]) -> M:
    return validate(model, dict(request.query))


def validate(model: type[M], data: dict) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None
