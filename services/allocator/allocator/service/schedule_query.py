"""The use case behind GET /api/v1/allocations/{center}/{date}: the day's schedule in force,
its header (the run) and its rows read from one snapshot of the database (a run may commit
between the two reads)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from allocator.adapters import repository
from allocator.service.context import AllocatorContext


@dataclass(frozen=True)
class DaySchedule:
    header: asyncpg.Record     # the schedule and its run (repository.schedule_header)
    rows: list                 # its assignments, queue order (repository.schedule_rows)


async def day_schedule(ctx: AllocatorContext, center: str, day: date) -> DaySchedule | None:
    """None before the day's cutoff is allocated."""
    async with ctx.unit_of_work(isolation="repeatable_read") as uow:
        header = await repository.schedule_header(uow.conn, center, day)
        if header is None:
            return None
        return DaySchedule(header, await repository.schedule_rows(uow.conn, center, day))
