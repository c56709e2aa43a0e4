"""The mock's one problem+json builder (RFC 9457), shaped as the services' and the gateway's.

A code's ``title`` is the one the real system gives: read from the services' error classes
(``shared.errors.AppError`` subclasses) when they can be imported, else the HTTP status phrase.
``detail`` is what the real system puts there: the given text, the joined field errors of a
``validation_error``, or the code's own title. ``title`` is the HTTP status phrase (RFC 9457
with ``about:blank``), as the services and the gateway give it.
"""
from __future__ import annotations

import importlib
import json
from functools import cache
from http import HTTPStatus
from typing import Any

from aiohttp import web

PROBLEM = "application/problem+json"
# The services' modules holding their refusals (each an AppError subclass with code and title).
ERROR_MODULES = ("shared.errors", "identity.domain.errors", "booking.domain.errors", "allocator.domain.errors")
# Codes raised with a title the classes do not hold (the gateway's own answers, auth.py's).
OTHER_TITLES = {
    "auth.invalid_token": "Authentication required", "auth.token_expired": "Authentication required",
    "not_found": "Not found", "method_not_allowed": "Method not allowed",
    "gateway.upstream_unavailable": "Upstream service unavailable", "request.too_large": "Request body too large",
    "rate_limited": "Too many requests",
}
# The gateway's texts for the answers nginx gives itself (nginx.conf.template's maps).
GATEWAY_DETAILS = {
    "not_found": "No such resource.", "method_not_allowed": "This method is not allowed here.",
    "gateway.upstream_unavailable": "The service behind this path is not reachable; retry later.",
}


@cache
def _class_titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    try:
        base = importlib.import_module("shared.errors").AppError
        for name in ERROR_MODULES[1:]:
            importlib.import_module(name)
    except ImportError:          # the services are not installed: status phrases then
        return titles
    todo = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        titles.setdefault(cls.code, cls.title)
    return titles


def title_of(code: str, status: int, given: str | None = None) -> str:
    """``given``: the title of the service's error raised (one code may come with two titles,
    e.g. auth.invalid_token from the bearer check and from identity's refresh)."""
    return given or OTHER_TITLES.get(code) or _class_titles().get(code) or HTTPStatus(status).phrase


def problem_body(status: int, code: str, detail: str | None = None, *, title: str | None = None,
                 **extra: Any) -> dict[str, Any]:
    # RFC 9457 with type about:blank: the title is the status phrase, as the services and nginx
    # answer; the code's own title is the detail when none is given (shared.errors.AppError).
    own = title_of(code, status, title)
    if detail is None and extra.get("errors"):
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in extra["errors"])
    return {"type": "about:blank", "title": status_phrase(status), "status": status, "code": code,
            "detail": detail or GATEWAY_DETAILS.get(code) or own, **extra}


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status: int, code: str, detail: str | None = None, *, headers: dict[str, str] | None = None,
            title: str | None = None, **extra: Any) -> web.Response:
    body = problem_body(status, code, detail, title=title, **extra)
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False),
                        content_type=PROBLEM, charset="utf-8", headers=headers)
