"""``python -m tools.demo`` (scripts/demo): fill the running local system, then print the
logins. Safe to run again: everything is looked up before it is made."""
from __future__ import annotations

import asyncio
import sys

import aiohttp

from tools.demo.accounts import ensure_agent, ensure_enterprises, ensure_staff, known_agents
from tools.demo.api import Api, DemoError
from tools.demo.bookings import book_coming_days
from tools.demo.cast import agents, staff
from tools.demo.endpoints import from_environment
from tools.demo.past_day import serve_past_day
from tools.demo.report import print_logins

PARALLEL = 4      # agents registered at once (identity hashes one password at a time)


async def fill(api: Api) -> None:
    await api.call("GET", "/api/v1/identity/readyz")
    print(f"demo: filling the system at {api.endpoints.gateway}", flush=True)
    admin, clerk = staff()
    made = [p.username for p in (admin, clerk) if await ensure_staff(api, p)]
    cast = agents()
    known = await known_agents(api, admin)
    gate = asyncio.Semaphore(PARALLEL)

    async def one(agent):
        async with gate:
            if await ensure_agent(api, agent, known):
                made.append(agent.username)
            return await ensure_enterprises(api, agent)

    added = sum(await asyncio.gather(*(one(a) for a in cast)))
    print(f"accounts: {len(made)} made now, {2 + len(cast) - len(made)} already there; "
          f"enterprises: {added} added now", flush=True)
    _, center = await api.call("GET", "/api/v1/centers/qingdao")
    past = await serve_past_day(api, admin, clerk, cast, center)
    print(f"past day: {past}", flush=True)
    for person in (admin, clerk, *cast):      # the clock may have moved: tokens of real time again
        await api.refresh(person)
    days, booked = await book_coming_days(api, cast)
    print(f"coming days {', '.join(days) or '-'}: {booked} bookings made now", flush=True)
    print_logins(admin, clerk, cast, api.endpoints.gateway)


async def main() -> int:
    api = Api(from_environment())
    try:
        await fill(api)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    except aiohttp.ClientConnectionError as exc:
        print(f"demo: cannot reach the system ({exc}); start it with scripts/run first", file=sys.stderr)
        return 1
    finally:
        await api.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
