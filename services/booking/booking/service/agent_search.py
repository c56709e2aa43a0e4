"""Administrators find an agent by username or phone and see their rights at a glance.
Phones are shown masked (138****5678): the console needs to recognise, not to dial."""
from __future__ import annotations

import base64
import binascii
import re

import orjson

from shared.errors import ValidationFailed
from shared.logging import mask_phone

from booking.adapters import agent_search
from booking.domain.rights import BookingRights
from booking.service.context import BookingContext

_DIGITS = re.compile(r"^[0-9]{4,11}$")
_LIKE_SPECIALS = re.compile(r"([%_\\])")


async def find_agents(ctx: BookingContext, q: str, cursor: str | None, limit: int) -> dict:
    q = q.strip()
    after = _decode(cursor) if cursor else None
    phone: str | None
    suffix: str | None
    if _DIGITS.match(q):
        phone, suffix = (q, None) if len(q) == 11 else (None, q)
        # Digits can also be a username's start.
        prefix = _LIKE_SPECIALS.sub(r"\\\1", q.lower())
    else:
        phone = suffix = None
        prefix = _LIKE_SPECIALS.sub(r"\\\1", q.lower())
    now = ctx.clock.now()
    center = ctx.centers.get(None)
    async with ctx.db.connection() as conn:
        rows = await agent_search.search(conn, username_prefix=prefix, phone=phone, phone_suffix=suffix,
                                         after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for r in rows:
        status = BookingRights(r["id"], no_shows=r["no_shows"] or 0, cancellations=r["cancellations"] or 0,
                               suspended_until=r["suspended_until"], reason=r["reason"]).status(now)
        items.append({"id": r["id"], "username": r["username"], "name": r["name"], "phone": mask_phone(r["phone"]),
                      "registered_at": center.local(r["registered_at"]).isoformat() if r["registered_at"] else None,
                      "suspended_until": center.local(status.suspended_until).isoformat()
                      if status.suspended_until else None,
                      "reason": status.reason, "no_shows": status.no_shows, "cancellations": status.cancellations})
    next_cursor = _encode((rows[-1]["username"] or "").lower(), rows[-1]["id"]) if more else None
    return {"items": items, "next_cursor": next_cursor}


async def agent_profile(ctx: BookingContext, agent_id: str) -> dict | None:
    center = ctx.centers.get(None)
    async with ctx.db.connection() as conn:
        r = await agent_search.one(conn, agent_id)
    if r is None:
        return None
    return {"id": r["id"], "username": r["username"], "name": r["name"], "phone": mask_phone(r["phone"]),
            "registered_at": center.local(r["registered_at"]).isoformat() if r["registered_at"] else None}


def _encode(username: str, agent_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([username, agent_id])).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, str]:
    try:
        username, agent_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(username), str(agent_id)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise ValidationFailed([{"field": "cursor", "message": "not a cursor from this list"}]) from None
