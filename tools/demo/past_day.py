"""A past working day, allocated and partly served: with APP_ENV=test every service's clock
is moved (``PUT /_test/clock`` on its own port) to the day before it, six agents book, the
cutoff allocates, and on the day the clerk checks agents in, serves some, marks a no-show.
The clock then goes back where it was. Without test mode this part is skipped."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tools.demo.api import Api, DemoError
from tools.demo.bookings import active_booking_on, book, booking_body
from tools.demo.cast import Person

PAST_AGENTS = 6          # the first six agents book the past day's morning
LOOK_BACK = 20           # days searched for the past working day (and for an earlier demo's)
ALLOCATION_WAIT = 60     # seconds for the cutoff to close and allocate


class Clocks:
    """Every service's test clock, moved together and put back where it was."""

    def __init__(self, api: Api, start: datetime, moved: bool) -> None:
        self.api, self.start, self.moved = api, start, moved
        self.started = asyncio.get_running_loop().time()

    async def set(self, instant: datetime | None) -> None:
        for name in self.api.endpoints.services:
            if await self.api.test_clock(name, instant.isoformat() if instant else None, move=True) is None:
                raise DemoError(f"{name}: PUT /_test/clock refused at {self.api.endpoints.services[name]}")

    async def restore(self) -> None:
        """Real time again, or the moved clock run on by the time the demo took."""
        elapsed = asyncio.get_running_loop().time() - self.started
        await self.set(self.start + timedelta(seconds=elapsed) if self.moved else None)


async def test_clocks(api: Api) -> Clocks | None:
    """The services' clocks when every one of them can be moved (APP_ENV=test), else None."""
    answers = {name: await api.test_clock(name) for name in api.endpoints.services}
    if any(a is None for a in answers.values()):
        return None
    booking = answers["booking"]
    return Clocks(api, datetime.fromisoformat(booking["now"]), booking["moved"])


async def serve_past_day(api: Api, admin: Person, clerk: Person, agents: list[Person], center: dict) -> str:
    """What happened, in a line for the summary."""
    clocks = await test_clocks(api)
    if clocks is None:
        return ("skipped: the services are not in test mode (start scripts/run with APP_ENV=test to have "
                "a past day allocated and served; the clock can be moved only there)")
    zone = ZoneInfo(center["timezone"])
    today = clocks.start.astimezone(zone).date()
    c = center["id"]
    _, cutoffs = await api.call("GET", "/api/v1/admin/cutoffs", person=admin, params={
        "center": c, "from": (today - timedelta(days=LOOK_BACK)).isoformat(),
        "to": (today - timedelta(days=1)).isoformat()})
    served = [i["date"] for i in cutoffs["items"] if i["status"] == "allocated" and i.get("bookings")]
    if served:
        return f"already there: {served[-1]} (allocated, {len(served)} past day(s) with bookings)"
    _, calendar = await api.call("GET", "/api/v1/calendar", params={
        "center": c, "from": (today - timedelta(days=LOOK_BACK)).isoformat(),
        "to": (today - timedelta(days=1)).isoformat()})
    working = [date.fromisoformat(d["date"]) for d in calendar["days"] if d["working"]]
    if len(working) < 2:
        return "skipped: no two working days in the last weeks"
    day, eve = working[-1], working[-2]     # the past day, and the working day its cutoff falls on
    people = [admin, clerk, *agents[:PAST_AGENTS]]
    try:
        await clocks.set(datetime.combine(eve, time(10, 0), zone))
        await _refresh(api, people)
        for k, agent in enumerate(agents[:PAST_AGENTS]):
            if not await active_booking_on(api, agent, day.isoformat()):
                await book(api, agent, booking_body(agent, day.isoformat(), "AM", seed=k,
                                                    enterprises=agent.enterprises[:2]))
        cutoff = datetime.combine(eve, time.fromisoformat(center["cutoff_time"]), zone)
        await clocks.set(cutoff + timedelta(seconds=30))
        await _refresh(api, people[:2])
        schedule = await _allocated(api, admin, clerk, c, day)
        summary = await _serve(api, clocks, clerk, schedule, day, zone, center["late_minutes"])
    finally:
        await clocks.restore()
    return f"{day.isoformat()}: {len(schedule)} bookings allocated; {summary}"


async def _refresh(api: Api, people: list[Person]) -> None:
    for p in people:
        await api.refresh(p)


async def _allocated(api: Api, admin: Person, clerk: Person, c: str, day: date) -> list[dict]:
    """The day's desk schedule once the cutoff has allocated every booking."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ALLOCATION_WAIT
    while loop.time() < deadline:
        _, state = await api.call("GET", f"/api/v1/admin/cutoffs/{c}/{day.isoformat()}", person=admin)
        if state["status"] == "allocated":
            _, schedule = await api.call("GET", "/api/v1/desk/schedule", person=clerk,
                                         params={"center": c, "date": day.isoformat()})
            items = schedule["items"]
            if items and all(b.get("allocation") for b in items) and len(items) >= state.get("bookings", 0):
                return sorted(items, key=lambda b: (b["allocation"]["start"], b["allocation"]["queue_number"]))
        await asyncio.sleep(0.5)
    raise DemoError(f"{day}: not allocated within {ALLOCATION_WAIT} s of its cutoff (is the allocator running?)")


async def _serve(api: Api, clocks: Clocks, clerk: Person, schedule: list[dict], day: date, zone: ZoneInfo,
                 late_minutes: int) -> str:
    """In queue order: two served (completed), two at the desk (checked in), the fifth a
    no-show marked by the clerk, the rest left for the closing sweep (no-shows too)."""
    now = None

    async def at(instant: datetime) -> None:
        nonlocal now
        if now is None or instant > now:       # the clock only moves forward on the day
            await clocks.set(instant)
            await api.refresh(clerk)
            now = instant

    def start_of(b: dict) -> datetime:
        return datetime.combine(day, time.fromisoformat(b["allocation"]["start"]), zone)

    done = {"completed": 0, "checked_in": 0, "no_show": 0}
    for k, b in enumerate(schedule[:5]):
        if k < 4:
            await at(start_of(b) + timedelta(minutes=2))
            await api.call("POST", f"/api/v1/desk/bookings/{b['id']}/check-in", person=clerk)
            if k < 2:
                await api.call("POST", f"/api/v1/desk/bookings/{b['id']}/complete", person=clerk)
            done["completed" if k < 2 else "checked_in"] += 1
        else:
            await at(start_of(b) + timedelta(minutes=late_minutes + 1))
            await api.call("POST", f"/api/v1/desk/bookings/{b['id']}/no-show", person=clerk)
            done["no_show"] += 1
    left = max(0, len(schedule) - 5)
    return (f"{done['completed']} completed, {done['checked_in']} checked in, {done['no_show']} no-show"
            + (f", {left} not come (no-show at closing)" if left else ""))
