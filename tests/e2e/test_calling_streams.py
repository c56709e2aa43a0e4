"""The live streams through nginx (issue 18), every service a process of its own: a hall
display (EventSource's way: the token in the query) and an agent's place (bearer token)
follow a clerk's calls as they happen; the gateway's access log has the stream's path but
never its token; revoking the token ends the display's stream.

Its days (Monday 21 and Tuesday 22 September 2026) are used by no other end-to-end test."""
from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from testsupport.generators import new_org_code, new_phone
from testsupport.messaging import wait_for
from testsupport.sse import next_event

TZ = ZoneInfo("Asia/Shanghai")
MONDAY, DAY = "2026-09-21", "2026-09-22"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ)


async def booked(gw, agent) -> dict:
    code = new_org_code()
    await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": code, "name": f"青岛{code}有限公司"},
                  expect=201)
    _, b = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201, json={
        "date": DAY, "period": "AM", "contact_name": "赵六", "contact_phone": new_phone(),
        "enterprises": [{"org_code": code, "businesses": [{"type": "RENEW_UNLOCK", "count": 1}]}]})
    return b


async def test_the_display_and_the_agent_follow_the_calls_through_the_gateway(gw):
    await gw.set_clock(at(MONDAY, "10:00"))
    staff = await gw.operator("staff")
    agents = [await gw.register() for _ in range(5)]
    made = [await booked(gw, a) for a in agents]
    await gw.set_clock(at(MONDAY, "15:01"))

    async def allocated(i):
        _, b = await gw.call("GET", f"/api/v1/bookings/{made[i]['id']}", agent=agents[i])
        return b["allocation"]
    allocations = [await wait_for(lambda i=i: allocated(i), timeout=60) for i in range(len(made))]
    assert all(allocations), "the day was never allocated"
    await gw.set_clock(at(DAY, "08:50"))
    for b in made:
        await gw.call("POST", f"/api/v1/desk/bookings/{b['id']}/check-in", agent=staff, expect=200)
    # A desk with two of the five (four desks): its second number waits for its first.
    desk, _ = Counter(a["desk"] for a in allocations).most_common(1)[0]
    first, second = sorted((i for i, a in enumerate(allocations) if a["desk"] == desk),
                           key=lambda i: allocations[i]["queue_number"])[:2]

    _, token = await gw.call("POST", "/api/v1/display-tokens", agent=staff, json={"name": "二楼大厅"}, expect=201)
    display = await gw.http.get(f"{gw.url}/api/v1/display/stream?token={token['token']}")
    assert display.status == 200 and display.headers["Content-Type"].startswith("text/event-stream")
    assert (await next_event(display)).event == "board"
    place = await gw.http.get(f"{gw.url}/api/v1/bookings/{made[second]['id']}/place/stream",
                              headers=agents[second].auth)
    assert place.status == 200
    before = (await next_event(place)).data
    assert (before["now_serving"], before["ahead"]) == (None, 1)

    await gw.call("POST", "/api/v1/desk/shift", agent=staff, json={"desk": desk}, expect=200)
    started = time.monotonic()
    _, call = await gw.call("POST", "/api/v1/desk/call", agent=staff, json={}, expect=200)
    heard = await next_event(display, 3)
    assert time.monotonic() - started < 1
    assert (heard.event, heard.data["desk"], heard.data["queue_number"]) == ("call", desk, call["queue_number"])
    moved = (await next_event(place, 3)).data
    assert (moved["now_serving"], moved["ahead"]) == (allocations[first]["queue_number"], 0)
    place.close()

    # Revoked: the display's stream ends (EventSource would then meet a 401 and stop).
    await gw.call("DELETE", f"/api/v1/display-tokens/{token['id']}", agent=staff, expect=204)
    assert await next_event(display, 5) is None
    display.close()
    status, err = await gw.call("GET", f"/api/v1/display/stream?token={token['token']}")
    assert (status, err["code"]) == (401, "display.invalid_token")

    # The gateway logged the stream by its path: the token is in no line it (or a service) wrote.
    def gateway_log() -> str:
        return gw.system.gateway.log_path.read_text(encoding="utf-8", errors="replace")
    assert await wait_for(lambda: '"path":"/api/v1/display/stream"' in gateway_log(), timeout=5)
    log = gateway_log()
    assert token["token"] not in log
    for service in gw.system.services.values():      # nor any line a service wrote
        assert token["token"] not in service.log_path.read_text(encoding="utf-8", errors="replace"), service.name
    await gw.call("DELETE", "/api/v1/desk/shift", agent=staff, expect=204)
    gw.people.clear()      # their refresh tokens were issued in September
