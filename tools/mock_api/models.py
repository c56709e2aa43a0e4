"""The services' own request models, so that the mock refuses a bad body or query word for
word as the services do: each service's route declarations (``<service>.api.openapi``'s
``operations()``, the ones the OpenAPI document is generated from) give the pydantic model
of each operation's body and query, checked with ``shared.http.requests.validate``.

Without the services installed, or for an operation they do not declare, ``None``: the
caller falls back to the document's schemas (document.check).
"""
from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from tools.mock_api.document import shape

SERVICES = ("identity", "booking", "allocator", "notifier")


@cache
def _declared() -> dict[tuple[str, str], tuple[Any, Any]]:
    """(METHOD, path shape) -> (body model, query model) of every declared operation."""
    out: dict[tuple[str, str], tuple[Any, Any]] = {}
    for service in SERVICES:
        try:
            module = importlib.import_module(f"{service}.api.openapi")
        except ImportError:
            continue
        for op in module.operations():
            out[(op.method, shape(op.path))] = (op.body, op.query)
    return out


def models_of(method: str, template: str) -> tuple[Any, Any] | None:
    """(body model, query model) of an operation (either may be None), or None if unknown."""
    return _declared().get((method, shape(template)))


def errors_of(model: Any, data: Any) -> tuple[list[dict[str, str]], str] | None:
    """(field errors, detail) as the services' validation gives them, or None when ``data`` fits."""
    from shared.errors import ValidationFailed
    from shared.http.requests import validate

    try:
        validate(model, data)
    except ValidationFailed as exc:
        return exc.extra["errors"], exc.detail
    return None
