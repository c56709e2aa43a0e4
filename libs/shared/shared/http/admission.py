"""Admission control: at most ``limit`` writes (POST, PUT, PATCH, DELETE) of this process in
flight; the rest wait in arrival order before they take any pool connection. A booking
request takes the pool twice (the account throttle, then the booking); without the gate a
rush interleaves them, each request queues for a connection twice and holds row locks while
the loop is busy with the others (issue 20: p99 420-600 ms -> 220-260 ms at 32 clients,
benchmarks/where_the_time_goes.md). A write that waits longer than ``wait`` seconds gets
503 ``service.unavailable`` with Retry-After (the same answer as no pool connection in time):
shared.http.middlewares.problem_errors maps the TimeoutError."""
from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from shared.logging import get_logger

log = get_logger(__name__)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def admission(limit: int, wait: float) -> Middleware:
    """The middleware; ``limit`` 0: no gate."""
    gate = asyncio.Semaphore(limit) if limit > 0 else None

    @web.middleware
    async def admit_writes(request: web.Request, handler: Handler) -> web.StreamResponse:
        if gate is None or request.method not in WRITES:
            return await handler(request)
        try:
            async with asyncio.timeout(wait):
                await gate.acquire()
        except TimeoutError:
            log.warning("admission_wait_exceeded", path=request.path, limit=limit)
            raise
        try:
            return await handler(request)
        finally:
            gate.release()
    return admit_writes
