"""Many agents booking at once through the gateway: the load the fault suites break parts
under. Each booking comes from an agent minted for it (tokens signed with identity's key),
with a phone of its own, so every SMS can be traced back to one booking."""
from __future__ import annotations

import asyncio
from datetime import datetime

from testsupport.generators import new_org_code
from testsupport.journeys import Gateway, TokenMint


async def raise_capacity(gw: Gateway, mint: TokenMint, now: datetime, slots, capacity: int) -> None:
    admin = mint.agent(now, roles=("agent", "admin"))
    for day, period in slots:
        await gw.call("PUT", "/api/v1/admin/capacity", agent=admin, expect=200,
                      json={"center": "qingdao", "date": day, "period": period, "capacity": capacity})


def crowd_bookings(mint: TokenMint, now: datetime, slots, total: int, *, phone_prefix: str = "139") -> list[tuple]:
    """``total`` (agent, body) pairs spread round-robin over ``slots``; phones
    ``<prefix><i:08d>`` (give each test its own prefix)."""
    per_agent = len(slots)
    agents = [mint.agent(now) for _ in range((total + per_agent - 1) // per_agent)]
    jobs = []
    for i in range(total):
        day, period = slots[i % per_agent]
        jobs.append((agents[i // per_agent], {
            "date": day, "period": period, "contact_name": "王五", "contact_phone": f"{phone_prefix}{i:08d}",
            "enterprises": [{"org_code": new_org_code(),
                             "businesses": [{"type": "BUY_READER"}]}]}))
    return jobs


async def book_all(gw: Gateway, jobs: list[tuple], *, clients: int = 8, statuses: list[int] | None = None) -> list[int]:
    """POST every job's booking with ``clients`` at once; the statuses, in answer order,
    are appended to ``statuses`` as they come (a fault can be timed on their count)."""
    statuses = [] if statuses is None else statuses
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def client() -> None:
        while not queue.empty():
            agent, body = queue.get_nowait()
            status, _ = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body)
            statuses.append(status)

    await asyncio.gather(*(client() for _ in range(clients)))
    return statuses
