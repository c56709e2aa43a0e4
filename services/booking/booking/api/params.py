"""Path parameters and headers, checked the way bodies are: bad input is a 422."""
from __future__ import annotations

import re
from datetime import date

from aiohttp import web

from shared.errors import ValidationFailed

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def path_date(request: web.Request, name: str = "date") -> date:
    raw = request.match_info[name]
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed([{"field": name, "message": "must be a date YYYY-MM-DD"}]) from None


def idempotency_key(request: web.Request) -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    if not IDEMPOTENCY_KEY.match(raw):
        raise ValidationFailed([{"field": "Idempotency-Key",
                                 "message": "1 to 200 visible ASCII characters"}])
    return raw
