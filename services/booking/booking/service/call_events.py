"""What a call tells the rest of the system, in the call's own unit of work:
booking.called through its outbox, pg_notify('booking_calls') for the display streams of
every replica (delivered on commit), and booking.queue_near for numbers now three ahead."""
from __future__ import annotations

from datetime import date

import asyncpg
import orjson

from shared.contracts import booking as contract
from shared.unit_of_work import UnitOfWork

from booking.adapters.queue_near import QueueNear
from booking.adapters.waiting_line import WaitingLine
from booking.domain import calling
from booking.domain.center import CenterConfig
from booking.service.calling_views import notice

CALLS_CHANNEL = "booking_calls"


async def announce(uow: UnitOfWork, center: CenterConfig, row: asyncpg.Record) -> None:
    uow.add(contract.BookingCalled(
        call_id=str(row["id"]), seq=row["seq"], booking_id=str(row["booking_id"]), center=row["center"],
        date=row["day"], desk=row["desk"], queue_number=row["queue_number"], period=row["period"],
        kind=row["kind"], clerk_id=row["clerk_id"], called_at=row["at"]), occurred_at=row["at"])
    await uow.conn.execute("SELECT pg_notify($1, $2)", CALLS_CHANNEL, orjson.dumps(notice(center, row)).decode())


async def tell_near(uow: UnitOfWork, center: CenterConfig, day: date, desk: int) -> int:
    """booking.queue_near for the numbers of ``desk``'s queue with three or fewer ahead,
    once per booking (the record's key). Returns how many were told now."""
    conn, now = uow.conn, uow.now
    line = WaitingLine(conn)
    periods = [p.code for p in center.periods]
    queue = calling.desk_queue(await line.waiting(center.id, day), desk, periods)
    head = queue[:calling.NEAR_AHEAD + 1]
    if not head:
        return 0
    records = QueueNear(conn)
    due = calling.near(head, await records.told([w.booking_id for w in head]))
    contacts = await line.contacts([w.booking_id for w, _ in due])
    told = 0
    for w, ahead in sorted(due, key=lambda d: d[0].booking_id):   # one order: concurrent calls cannot deadlock
        if not await records.record(w.booking_id, ahead, now):
            continue
        agent_id, phone = contacts[w.booking_id]
        uow.add(contract.BookingQueueNear(
            booking_id=w.booking_id, agent_id=agent_id, center=center.id, date=day, desk=w.desk,
            queue_number=w.queue_number, contact_phone=phone, ahead=ahead, at=now))
        told += 1
    return told
