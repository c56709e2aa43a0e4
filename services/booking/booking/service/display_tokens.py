"""Hall display tokens (大屏令牌): a staff member creates one per screen; the display
opens the board and its stream with it. Shown once, stored as its sha256, 30 days of
life, revocable (pg_notify('booking_display_tokens') closes the open streams)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import orjson

from shared.logging import get_logger

from booking.adapters.bookings import as_uuid
from booking.adapters.display_tokens import DisplayTokens
from booking.domain.center import CenterConfig
from booking.domain.errors import DisplayTokenInvalid, DisplayTokenNotFound
from booking.service.context import BookingContext

log = get_logger(__name__)
LIFETIME = timedelta(days=30)
REVOKED_CHANNEL = "booking_display_tokens"
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours (and is not hashed).
MAX_TOKEN_LENGTH = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _view(center: CenterConfig, row) -> dict:
    return {"id": str(row["id"]), "center": row["center"], "name": row["name"],
            "created_at": center.local(row["created_at"]).isoformat(),
            "expires_at": center.local(row["expires_at"]).isoformat()}


async def create(ctx: BookingContext, staff_id: str, center_id: str | None, name: str) -> dict:
    center = ctx.centers.get(center_id)
    token = secrets.token_urlsafe(32)
    async with ctx.unit_of_work() as uow:
        row = await DisplayTokens(uow.conn).add(center=center.id, name=name, token_hash=token_hash(token),
                                                created_by=staff_id, created_at=uow.now,
                                                expires_at=uow.now + LIFETIME)
    log.info("display_token_created", center=center.id, token_id=str(row["id"]))
    return {**_view(center, row), "token": token}


async def list_tokens(ctx: BookingContext, center_id: str | None) -> dict:
    center = ctx.centers.get(center_id)
    async with ctx.db.connection() as conn:
        rows = await DisplayTokens(conn).live(center.id, ctx.clock.now())
    return {"items": [_view(center, r) for r in rows], "next_cursor": None}


async def revoke(ctx: BookingContext, token_id: str) -> None:
    async with ctx.unit_of_work() as uow:
        if not await DisplayTokens(uow.conn).revoke(token_id, uow.now):
            raise DisplayTokenNotFound(f"there is no display token {token_id}")
        await uow.conn.execute("SELECT pg_notify($1, $2)", REVOKED_CHANNEL,
                               orjson.dumps({"id": str(as_uuid(token_id))}).decode())
    log.info("display_token_revoked", token_id=token_id)


async def authenticate(ctx: BookingContext, token: str | None) -> dict:
    """{"id", "center"} of a live token; 401 display.invalid_token otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise DisplayTokenInvalid("send a display token: Authorization: Display <token>, or ?token=")
    async with ctx.db.connection() as conn:
        row = await DisplayTokens(conn).by_hash(token_hash(token), ctx.clock.now())
    if row is None:
        raise DisplayTokenInvalid("this display token is unknown, revoked or expired")
    return {"id": str(row["id"]), "center": row["center"]}
