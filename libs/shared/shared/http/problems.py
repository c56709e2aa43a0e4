"""application/problem+json responses (RFC 9457)."""
from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

PROBLEM = "application/problem+json"


def problem(status: int, code: str, title: str, detail: str | None = None, *,
            headers: dict[str, str] | None = None, **extra: Any) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status, "code": code,
            "detail": detail or title, **extra}
    return web.Response(status=status, body=orjson.dumps(body, default=str),
                        content_type=PROBLEM, charset="utf-8", headers=headers)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data, default=str),
                        content_type="application/json", charset="utf-8", headers=headers)
