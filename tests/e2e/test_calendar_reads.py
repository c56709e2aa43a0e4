"""The public calendar through nginx (issue 20): booking keeps each range's worked-out days,
but what changes shows at the next anonymous read, with no delay to allow for (docs/api.md
"Freshness of the calendar"): a booking, a capacity change, a working-day override.

Days of June 2026, which no other end-to-end test uses (the system is shared by the session)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from testsupport.generators import new_org_code, new_phone

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 6, 8, 10, 0, tzinfo=TZ)      # Tuesday 9 and Wednesday 10 open
RANGE = "/api/v1/calendar?from=2026-06-09&to=2026-06-10"


async def read(gw) -> dict[str, dict]:
    _, cal = await gw.call("GET", RANGE, expect=200)   # anonymous, as the rush asks it
    return {d["date"]: {p["code"]: (p["capacity"], p["remaining"]) for p in d["periods"]} | {"working": d["working"]}
            for d in cal["days"]}


async def test_bookings_capacity_and_overrides_show_at_the_next_read(gw):
    await gw.set_clock(MONDAY_10)
    agent, admin = await gw.register(), await gw.operator("admin")
    gw.people.clear()      # tokens issued in June: nobody to sign in again when the clock goes back
    org = new_org_code()
    await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": org, "name": f"青岛{org}有限公司"},
                  expect=201)
    before = await read(gw)
    await read(gw)                                      # the range is kept now
    capacity, remaining = before["2026-06-09"]["AM"]

    await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201, json={
        "date": "2026-06-09", "period": "AM", "contact_name": "李四", "contact_phone": new_phone(),
        "enterprises": [{"org_code": org, "businesses": [{"type": "RENEW_UNLOCK", "count": 1}]}]})
    assert (await read(gw))["2026-06-09"]["AM"] == (capacity, remaining - 1)

    await gw.call("PUT", "/api/v1/admin/capacity", agent=admin, expect=200,
                  json={"center": "qingdao", "date": "2026-06-09", "period": "AM", "capacity": capacity + 5})
    assert (await read(gw))["2026-06-09"]["AM"] == (capacity + 5, remaining + 4)

    await gw.call("PUT", "/api/v1/admin/calendar/2026-06-10", agent=admin, expect=200,
                  json={"center": "qingdao", "working": False, "note": "停电"})
    assert (await read(gw))["2026-06-10"]["working"] is False
