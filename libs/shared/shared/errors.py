"""Errors that reach a client as application/problem+json (RFC 9457).

Domain code raises subclasses of ``AppError`` naming a stable machine ``code``; the
HTTP layer turns them into problem documents. A subclass sets ``status``, ``code`` and
``title`` as class attributes; ``extra`` members are added to the problem document
(e.g. ``suspended_until``), so keep secrets out of them.
"""
from __future__ import annotations

from typing import Any


class AppError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, *, code: str | None = None,
                 status: int | None = None, title: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.detail = detail or self.title
        self.headers = headers or {}
        self.extra = extra
        super().__init__(f"{self.code}: {self.detail}")


class ValidationFailed(AppError):
    """Input that breaks the shape of a request: 422 with a list of field errors."""
    status = 422
    code = "validation_error"
    title = "The request is not valid"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None) -> None:
        super().__init__(detail or "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                         errors=errors)


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Unprocessable(AppError):
    status = 422
    code = "unprocessable"
    title = "The request cannot be processed"


class Unauthorized(AppError):
    status = 401
    code = "auth.unauthorized"
    title = "Authentication required"


class Forbidden(AppError):
    status = 403
    code = "auth.forbidden"
    title = "Forbidden"


class TooManyRequests(AppError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"Retry-After": str(max(1, int(retry_after)))},
                         retry_after=max(1, int(retry_after)))
