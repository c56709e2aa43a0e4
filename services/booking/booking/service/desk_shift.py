"""A clerk's shift at a desk (值班): taken, read, ended."""
from __future__ import annotations

from shared.logging import get_logger

from booking.adapters.calls import Calls
from booking.adapters.desk_shifts import DeskShifts
from booking.domain.center import CenterConfig
from booking.domain.errors import NoShift, ValidationFailed
from booking.service.calling_views import shift_view
from booking.service.context import BookingContext

log = get_logger(__name__)


class ShiftNotFound(NoShift):
    """GET /desk/shift without one: the same code, answered 404 (booking.api.calling)."""


async def take_shift(ctx: BookingContext, clerk_id: str, center_id: str | None, desk: int) -> dict:
    center = ctx.centers.get(center_id)
    check_desk(center, desk)
    async with ctx.unit_of_work() as uow:
        day = center.local_date(uow.now)
        shift = await DeskShifts(uow.conn).take(center.id, day, desk, clerk_id, uow.now)
        current = await Calls(uow.conn).open_at_desk(center.id, day, desk)
    log.info("desk_shift_taken", center=center.id, desk=desk)
    return shift_view(center, shift, current)


async def current_shift(ctx: BookingContext, clerk_id: str, center_id: str | None) -> dict:
    center = ctx.centers.get(center_id)
    day = center.local_date(ctx.clock.now())
    async with ctx.db.connection() as conn:
        shift = await DeskShifts(conn).of_clerk(clerk_id, center.id, day)
        if shift is None:
            raise ShiftNotFound(f"you have no desk at {center.id} today")
        current = await Calls(conn).open_at_desk(center.id, day, shift["desk"])
    return shift_view(center, shift, current)


async def end_shift(ctx: BookingContext, clerk_id: str, center_id: str | None) -> None:
    """Idempotent: ending a shift that is not there is done already. The desk's open call
    stays until someone completes or skips it."""
    center = ctx.centers.get(center_id)
    async with ctx.unit_of_work() as uow:
        ended = await DeskShifts(uow.conn).end(clerk_id, center.id, center.local_date(uow.now), uow.now)
    log.info("desk_shift_ended", center=center.id, ended=ended)


def check_desk(center: CenterConfig, desk: int) -> None:
    if not 1 <= desk <= center.desks:
        raise ValidationFailed([{"field": "desk", "message": f"{center.id} has desks 1 to {center.desks}"}])
