"""The request id bound into the log context by the shared middleware, for audit rows."""
from __future__ import annotations

import structlog


def current_request_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")
