"""application/problem+json responses (RFC 9457).

``type`` is always ``about:blank``, so ``title`` is the HTTP status phrase (RFC 9457
section 4.2.1); what went wrong is in the stable ``code`` and the English ``detail``."""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from aiohttp import web

PROBLEM = "application/problem+json"


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status: int, code: str, detail: str | None = None, *,
            headers: dict[str, str] | None = None, **extra: Any) -> web.Response:
    title = status_phrase(status)
    body = {"type": "about:blank", "title": title, "status": status, "code": code,
            "detail": detail or title, **extra}
    return web.Response(status=status, body=orjson.dumps(body, default=str),
                        content_type=PROBLEM, charset="utf-8", headers=headers)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data, default=str),
                        content_type="application/json", charset="utf-8", headers=headers)
