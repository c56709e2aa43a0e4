"""Administrators load a year's official schedule, read it (with its source), or clear it."""
from __future__ import annotations

from datetime import date

from booking.adapters.official_years import OfficialYears
from booking.domain.official_calendar import check_year, official_year
from booking.service.context import BookingContext


async def load_year(ctx: BookingContext, admin_id: str, year: int, holidays: list[date],
                    workdays: list[date], note: str) -> dict:
    loaded = official_year(year, holidays, workdays)
    async with ctx.unit_of_work() as uow:
        await OfficialYears(uow.conn).put(loaded, note=note, by=admin_id, at=uow.now)
    ctx.calendars.forget()     # every center reads the national schedule
    return await year_view(ctx, year)


async def clear_year(ctx: BookingContext, year: int) -> None:
    check_year(year)
    async with ctx.unit_of_work() as uow:
        await OfficialYears(uow.conn).remove(year)
    ctx.calendars.forget()


async def year_view(ctx: BookingContext, year: int) -> dict:
    check_year(year)
    package = ctx.calendars.package
    async with ctx.db.connection() as conn:
        row = await OfficialYears(conn).get(year)
    center = ctx.centers.get(None)
    knows = package is not None and package.knows(year)
    if row is not None:
        return {"year": year, "source": "admin", "holidays": _iso(sorted(row["holidays"])),
                "workdays": _iso(sorted(row["workdays"])), "package_knows": knows,
                "loaded_by": row["loaded_by"], "loaded_at": center.local(row["loaded_at"]).isoformat(),
                "note": row["note"]}
    holidays, workdays = package.year_lists(year) if package is not None and knows else ([], [])
    return {"year": year, "source": "package" if knows else None, "holidays": _iso(holidays),
            "workdays": _iso(workdays), "package_knows": knows, "loaded_by": None, "loaded_at": None,
            "note": None}


def _iso(days) -> list[str]:
    return [d.isoformat() for d in days]
