"""Overload: a booking that gets no database connection in time is answered 503
service.unavailable with Retry-After (the client may try again), never a 500, and it
leaves nothing behind."""
from __future__ import annotations


async def test_a_booking_without_a_pool_connection_in_time_is_503_with_retry_after(start_booking, refused):
    svc = await start_booking(db_pool_min=1, db_pool_max=1, db_acquire_timeout=0.2)
    agent, body = svc.agent(), svc.body()
    async with svc.db.connection():   # the pool's only connection is taken: the rush
        r = await svc.book(agent, body)
        problem = await refused(r, 503)
    assert problem["code"] == "service.unavailable"
    assert r.headers["Retry-After"] == "1"
    # Nothing was written: the same request books once a connection is free.
    assert (await svc.book(agent, body)).status == 201
