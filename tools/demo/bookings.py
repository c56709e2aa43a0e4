"""Bookings over the coming working days: the days the calendar releases now (respecting
the calendar, each period's remaining capacity and the cutoff), about three agents in four
each day, morning or afternoon. An agent already holding a booking that day is left alone."""
from __future__ import annotations

from tools.demo.api import Api
from tools.demo.cast import Person

# Business types per enterprise line, in turn: valid combinations (exclusive types alone,
# counts where a type needs one).
BUSINESSES = [
    [{"type": "RENEW_UNLOCK", "count": 2}],
    [{"type": "NEW_CARD"}],
    [{"type": "CHANGE_INFO"}, {"type": "BUY_READER", "count": 1}],
    [{"type": "DECLARANT_CARD", "count": 1}, {"type": "OPERATOR_CARD", "count": 2}],
    [{"type": "PRE_ENTRY"}],
    [{"type": "REISSUE_CARD", "count": 1}, {"type": "RENEW_UNLOCK", "count": 1}],
]


def booking_body(agent: Person, day: str, period: str, seed: int, enterprises=None) -> dict:
    lines = enterprises if enterprises is not None else agent.enterprises
    return {"date": day, "period": period, "contact_name": agent.name, "contact_phone": agent.phone,
            "enterprises": [{"org_code": code, "businesses": BUSINESSES[(seed + k) % len(BUSINESSES)]}
                            for k, (code, _) in enumerate(lines)]}


async def active_booking_on(api: Api, agent: Person, day: str) -> dict | None:
    _, page = await api.call("GET", "/api/v1/bookings", person=agent, params={"from": day, "to": day})
    return next((b for b in page["items"] if b["status"] != "cancelled"), None)


async def book(api: Api, agent: Person, body: dict) -> dict | None:
    """The new booking, or None (with the reason printed) when the center refuses it."""
    key = f"demo-{agent.username}-{body['date']}-{body['period']}"   # a retried request books once
    status, answer = await api.call("POST", "/api/v1/bookings", person=agent, json=body,
                                    headers={"Idempotency-Key": key}, ok=(201, 409, 422))
    if status != 201:
        print(f"  {agent.username} {body['date']} {body['period']}: not booked ({answer.get('code')})")
        return None
    return answer


async def book_coming_days(api: Api, agents: list[Person]) -> tuple[list[str], int]:
    """(the bookable dates, how many bookings were made now)."""
    _, calendar = await api.call("GET", "/api/v1/calendar")
    days = [d for d in calendar["days"] if d["bookable"]]
    unconfirmed = [d["date"] for d in calendar["days"] if d.get("not_bookable_reason") == "calendar_unconfirmed"]
    if unconfirmed:
        print(f"  not bookable yet, their year's official calendar is not loaded: {', '.join(unconfirmed[:3])}…")
    made = 0
    for j, day in enumerate(days):
        remaining = {p["code"]: p["remaining"] for p in day["periods"]}
        codes = list(remaining)
        for i, agent in enumerate(agents):
            if (i + j) % 4 == 3 or await active_booking_on(api, agent, day["date"]):
                continue
            # Morning or afternoon in turn; the other one when the first is full.
            order = codes[(i + j) % len(codes):] + codes[:(i + j) % len(codes)]
            period = next((p for p in order if remaining[p] >= len(agent.enterprises)), None)
            if period is None:
                print(f"  {day['date']}: full, {agent.username} not booked")
                continue
            if await book(api, agent, booking_body(agent, day["date"], period, seed=i + j)):
                remaining[period] -= len(agent.enterprises)
                made += 1
    if not days:
        print("  the calendar releases no day now (GET /api/v1/calendar): no booking for the coming days")
    return [d["date"] for d in days], made
