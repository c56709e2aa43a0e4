"""叫号 through nginx (issue 18), every service a process of its own: agents checked in on
their day, a clerk takes a desk and calls; the hall board (display token) shows the number
at that desk and no names or phones; the next agent sees the number served and their place,
and gets the "three ahead" SMS once; skip, complete, refusals, revoking the token.

Its days (Monday 14 and Tuesday 15 September 2026) are used by no other end-to-end test."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from testsupport.generators import new_org_code, new_phone
from testsupport.messaging import wait_for

TZ = ZoneInfo("Asia/Shanghai")
DAY = "2026-09-15"


def at(day: str, hhmm: str = "10:00", plus: timedelta = timedelta()) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ) + plus


def number(queue_number: str) -> int:
    return int(queue_number[1:])


async def booked(gw, agent, phone: str) -> dict:
    code = new_org_code()
    await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": code, "name": f"青岛{code}有限公司"},
                  expect=201)
    _, b = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201, json={
        "date": DAY, "period": "AM", "contact_name": "王五", "contact_phone": phone,
        "enterprises": [{"org_code": code, "businesses": [{"type": "RENEW_UNLOCK", "count": 1}]}]})
    return b


async def test_a_clerk_calls_the_board_shows_it_and_the_next_agent_follows(gw):
    await gw.set_clock(at("2026-09-14"))
    staff, admin = await gw.operator("staff"), await gw.operator("admin")
    agents = [await gw.register() for _ in range(6)]
    phones = [new_phone() for _ in agents]
    made = [await booked(gw, a, p) for a, p in zip(agents, phones)]

    await gw.set_clock(at("2026-09-14", "15:01"))

    async def allocated(i):
        _, b = await gw.call("GET", f"/api/v1/bookings/{made[i]['id']}", agent=agents[i])
        return b["allocation"]
    allocations = [await wait_for(lambda i=i: allocated(i), timeout=60) for i in range(len(made))]
    assert all(allocations), "the day was never allocated"

    await gw.set_clock(at(DAY, "08:50"))
    for b in made:
        await gw.call("POST", f"/api/v1/desk/bookings/{b['id']}/check-in", agent=staff, expect=200)

    # The busiest desk: it has at least two of the six (four desks).
    desk, _ = Counter(a["desk"] for a in allocations).most_common(1)[0]
    line = sorted((i for i, a in enumerate(allocations) if a["desk"] == desk),
                  key=lambda i: number(allocations[i]["queue_number"]))
    first, second = line[0], line[1]

    _, token = await gw.call("POST", "/api/v1/display-tokens", agent=staff, json={"name": "一楼大厅"}, expect=201)
    display = {"Authorization": f"Display {token['token']}"}
    _, shift = await gw.call("POST", "/api/v1/desk/shift", agent=staff, json={"desk": desk}, expect=200)
    assert (shift["desk"], shift["current"]) == (desk, None)

    # 叫号: the desk's first number.
    _, call = await gw.call("POST", "/api/v1/desk/call", agent=staff, json={}, expect=200)
    assert (call["desk"], call["queue_number"], call["kind"]) == (desk, allocations[first]["queue_number"], "call")
    _, board = await gw.call("GET", f"/api/v1/display/board?token={token['token']}", expect=200)
    assert board["desks"][desk - 1] == {"desk": desk, "queue_number": call["queue_number"],
                                         "called_at": call["called_at"]}
    assert board["recent"][0]["queue_number"] == call["queue_number"]
    assert sum(w["waiting"] for w in board["waiting"]) == len(made) - 1
    text = str(board)
    assert not any(p in text for p in phones) and "王五" not in text and made[first]["id"] not in text

    # The next agent: the number served, none ahead, and the SMS, once.
    _, place = await gw.call("GET", f"/api/v1/bookings/{made[second]['id']}/place", agent=agents[second], expect=200)
    assert (place["now_serving"], place["ahead"], place["called"], place["desk"]) == (
        call["queue_number"], 0, False, desk)
    [sms] = await gw.wait_sms(phones[second], "前面还有")
    assert sms.text == f"【制卡中心】您的排队号{allocations[second]['queue_number']}前面还有0位，请到候区等候，留意叫号。"
    status, err = await gw.call("GET", f"/api/v1/bookings/{made[second]['id']}/place", agent=agents[first])
    assert (status, err["code"]) == (404, "booking.not_found")

    # The desk's call is open: no new call; 过号 puts it back, the next number comes.
    status, err = await gw.call("POST", "/api/v1/desk/call", agent=staff, json={})
    assert (status, err["code"]) == (409, "desk.call_open")
    _, skipped = await gw.call("POST", "/api/v1/desk/skip", agent=staff, json={}, expect=200)
    assert (skipped["kind"], skipped["queue_number"]) == ("skip", call["queue_number"])
    _, still = await gw.call("GET", f"/api/v1/bookings/{made[first]['id']}", agent=agents[first], expect=200)
    assert still["status"] == "checked_in"
    _, call2 = await gw.call("POST", "/api/v1/desk/call", agent=staff, json={}, expect=200)
    assert call2["queue_number"] == allocations[second]["queue_number"]
    _, board = await gw.call("GET", "/api/v1/display/board", headers=display, expect=200)
    assert board["desks"][desk - 1]["queue_number"] == call2["queue_number"]
    await gw.call("POST", f"/api/v1/desk/bookings/{made[second]['id']}/complete", agent=staff, expect=200)
    _, done = await gw.call("GET", f"/api/v1/bookings/{made[second]['id']}/place", agent=agents[second], expect=200)
    assert (done["status"], done["ahead"]) == ("completed", None)

    # The day's figures.
    _, stats = await gw.call("GET", f"/api/v1/admin/stats/qingdao/{DAY}", agent=admin, expect=200)
    mine = stats["calling"]["desks"][desk - 1]
    assert (mine["calls"], mine["completed"], mine["skipped"]) == (2, 1, 1)
    assert mine["waiting_seconds_avg"] is not None and mine["service_seconds_avg"] is not None

    # Revoked: the board refuses the token.
    await gw.call("DELETE", f"/api/v1/display-tokens/{token['id']}", agent=staff, expect=204)
    status, err = await gw.call("GET", "/api/v1/display/board", headers=display)
    assert (status, err["code"]) == (401, "display.invalid_token")
    await gw.call("DELETE", "/api/v1/desk/shift", agent=staff, expect=204)
    gw.people.clear()      # their refresh tokens were issued in September
