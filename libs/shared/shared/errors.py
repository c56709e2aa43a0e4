"""Refusals the domain and the use cases raise, each with a stable machine ``code``.

They know nothing of HTTP: a subclass says which kind of refusal it is (the input's
shape, a rule broken, nothing found, a conflict with the state of things, not signed in,
not allowed, over a budget, too busy now) by the class it derives from, and sets ``code``
and ``title`` as class attributes. The api layer maps the kinds (and any exception a
service declares) to HTTP statuses and problem documents: shared.http.statuses.
``extra`` keyword arguments become members of the problem document (e.g.
``suspended_until``), so keep secrets out of them.
"""
from __future__ import annotations

from typing import Any


class AppError(Exception):
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, *, code: str | None = None, title: str | None = None,
                 **extra: Any) -> None:
        if code is not None:
            self.code = code
        if title is not None:
            self.title = title
        self.detail = detail or self.title
        self.extra = extra
        super().__init__(f"{self.code}: {self.detail}")


class ValidationFailed(AppError):
    """Input that breaks the shape of a request, with a list of field errors."""
    code = "validation_error"
    title = "The request is not valid"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None) -> None:
        super().__init__(detail or "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                         errors=errors)


class NotFound(AppError):
    code = "not_found"
    title = "Not found"


class Conflict(AppError):
    """The request is fine but the state of things refuses it."""
    code = "conflict"
    title = "Conflict"


class Unprocessable(AppError):
    """The request has the right shape but breaks a rule."""
    code = "unprocessable"
    title = "The request cannot be processed"


class Unauthorized(AppError):
    """Who is asking is not known (no, or no valid, credentials)."""
    code = "auth.unauthorized"
    title = "Authentication required"


class Forbidden(AppError):
    """Who is asking is known but may not do this."""
    code = "auth.forbidden"
    title = "Forbidden"


class TooManyRequests(AppError):
    """A budget is spent until ``retry_after`` seconds from now."""
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, retry_after=max(1, int(retry_after)))


class Unavailable(AppError):
    """Too busy right now: try again after ``retry_after`` seconds (not sent as a member)."""
    code = "service.unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def is_refusal(error: AppError) -> bool:
    """A refusal of the request itself (an answer that may be kept and replayed), not a
    failure to serve it now (Unavailable, or TooManyRequests: a budget spent for now; the
    same request may succeed later)."""
    return not isinstance(error, (Unavailable, TooManyRequests))
