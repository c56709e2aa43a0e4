"""The HTTP answer of a refusal (shared.errors): its status, by the kind of refusal it is,
its headers, and its problem document. The domain's errors carry no status; a service
whose refusal needs another status than its kind's declares it in its api layer
(``ApiRouter(statuses={ShiftNotFound: 404})``), next to the routes that answer it."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from aiohttp import web

from shared.errors import AppError, Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized, Unavailable, Unprocessable, ValidationFailed
from shared.http.problems import problem, status_phrase

# Kind -> status; the first kind in an error's class hierarchy wins.
KIND_STATUS: Mapping[type[AppError], int] = MappingProxyType({
    ValidationFailed: 422, Unprocessable: 422, NotFound: 404, Conflict: 409, Unauthorized: 401,
    Forbidden: 403, TooManyRequests: 429, Unavailable: 503, AppError: 400,
})
# A service's own statuses for some of its refusals (they win over the kind's).
Statuses = Mapping[type[AppError], int]
NONE: Statuses = MappingProxyType({})
# The statuses of the route a request is on (set by shared.http.enforce), for the middleware.
STATUSES_KEY = web.RequestKey("error_statuses", Mapping)


def status_of(error: AppError | type[AppError], statuses: Statuses = NONE) -> int:
    cls = error if isinstance(error, type) else type(error)
    for table in (statuses, KIND_STATUS):
        for kind in cls.__mro__:
            if kind in table:
                return table[kind]
    return 500


def headers_of(error: AppError) -> dict[str, str]:
    if isinstance(error, TooManyRequests):
        return {"Retry-After": str(error.extra["retry_after"])}
    if isinstance(error, Unavailable):
        return {"Retry-After": str(error.retry_after)}
    return {}


def problem_body(error: AppError, statuses: Statuses = NONE) -> dict[str, Any]:
    """The problem document of a refusal (what problem_of sends), as a dict."""
    status = status_of(error, statuses)
    return {"type": "about:blank", "title": status_phrase(status), "status": status, "code": error.code,
            "detail": error.detail, **error.extra}


def problem_of(error: AppError, statuses: Statuses = NONE) -> web.Response:
    return problem(status_of(error, statuses), error.code, error.detail, headers=headers_of(error) or None,
                   **error.extra)
