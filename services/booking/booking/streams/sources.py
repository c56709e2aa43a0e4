"""What the streams send, from the calling use cases (the contract's functions), and the
booking's center."""
from __future__ import annotations

from shared.http.auth import Principal

from booking.service import calling, display_tokens
from booking.service.context import BookingContext


async def authenticate(ctx: BookingContext, token: str | None) -> dict:
    """{"id", "center"} of a live display token; 401 display.invalid_token otherwise."""
    return await display_tokens.authenticate(ctx, token)


async def board(ctx: BookingContext, center: str) -> dict:
    return await calling.board(ctx, center)


async def place(ctx: BookingContext, principal: Principal, booking_id: str) -> dict:
    return await calling.place(ctx, principal, booking_id)


async def center_of(ctx: BookingContext, booking_id: str) -> str:
    """The center whose calls move the booking's place (asked once ``place`` has answered,
    so the booking exists and the caller may see it)."""
    async with ctx.db.connection() as conn:
        return await conn.fetchval("SELECT center FROM bookings WHERE id = $1::uuid", booking_id)
