"""Two service days of one agent who does not turn up: marked by the clerk, late at the
desk, swept at closing. The third no-show suspends booking rights for six months, tells
the agent (booking.suspended with their phone), is audited, and the next booking is
refused; the counter starts again from zero."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.contracts.identity import USER_REGISTERED, UserRegistered

SH = ZoneInfo("Asia/Shanghai")


async def test_the_third_no_show_suspends_for_six_months(service, allocator, probe, collect, refused, eventually):
    user_id, phone = str(uuid.uuid4()), "13955550001"
    await service.publish(USER_REGISTERED, UserRegistered(
        user_id=user_id, username=f"u{user_id[:8]}", name="赵六", phone=phone, registered_at=service.now),
        producer="identity")
    agent = service.headers(user_id)
    told = await probe("booking.no_show", "booking.suspended")
    tue_am = await service.booked(agent, day=service.tuesday, period="AM")
    tue_pm = await service.booked(agent, day=service.tuesday, period="PM")
    wed_am = await service.booked(agent, day=service.wednesday, period="AM")

    await service.at(datetime(2025, 11, 17, 15, 0, 1, tzinfo=SH))
    await service.cutoff_reaches(service.tuesday, "allocated")

    # Tuesday: the clerk marks the morning a no-show; the afternoon comes too late.
    clerk_id = str(uuid.uuid4())
    clerk = service.headers(clerk_id, ("agent", "staff"))
    await service.at(datetime(2025, 11, 18, 11, 0, tzinfo=SH))
    r = await service.desk("no-show", tue_am["id"], clerk)
    assert r.status == 200
    pm_start = (await service.get_booking(agent, tue_pm["id"]))["allocation"]["start"]
    await service.at(datetime.combine(service.tuesday, time.fromisoformat(pm_start), SH) + timedelta(minutes=11))
    assert (await refused(await service.desk("check-in", tue_pm["id"], clerk), 409))["code"] == "booking.late"
    assert (await service.rights_of(agent))["no_shows"] == 2

    # Wednesday's cutoff (Tuesday 15:00), then nobody comes and the day closes: the third.
    await service.at(datetime(2025, 11, 18, 15, 0, 1, tzinfo=SH))
    await service.cutoff_reaches(service.wednesday, "allocated")
    closing = datetime(2025, 11, 19, 17, 0, 1, tzinfo=SH)
    await service.at(closing)

    async def suspended():
        rights = await service.rights_of(agent)
        return rights if rights["suspended_until"] else None
    rights = await eventually(suspended)
    assert rights and (rights["reason"], rights["no_shows"]) == ("too_many_no_shows", 0)
    until = datetime.fromisoformat(rights["suspended_until"])
    assert date(2026, 5, 19) == until.astimezone(SH).date()   # six months after Wednesday 19 November
    assert (await service.get_booking(agent, wed_am["id"]))["status"] == "no_show"

    # Friday is the next bookable date: refused, with the end date.
    problem = await refused(await service.book(agent, day=date(2025, 11, 21)), 403)
    assert (problem["code"], problem["suspended_until"]) == ("booking.suspended", rights["suspended_until"])

    events = await collect(told, lambda got: any(e["type"] == "booking.suspended"
                                                 and e["data"]["agent_id"] == user_id for e in got))
    mine = [e for e in events if e["data"].get("agent_id") == user_id]
    assert [(e["data"]["booking_id"], e["data"]["late"]) for e in mine if e["type"] == "booking.no_show"] == [
        (tue_am["id"], False), (tue_pm["id"], True), (wed_am["id"], False)]
    [suspension] = [e["data"] for e in mine if e["type"] == "booking.suspended"]
    assert (suspension["phone"], suspension["reason"], suspension["count"]) == (phone, "too_many_no_shows", 3)
    assert suspension["suspended_until"].startswith("2026-05-19")

    r = await service.client.get(f"/api/v1/admin/agents/{user_id}/rights", headers=service.admin())
    audit = (await r.json())["audit"]
    assert [(a["change"], a["actor"]) for a in audit] == [
        ("no_show_counted", clerk_id), ("no_show_counted", clerk_id), ("suspended", None)]
    assert [a["after"]["no_shows"] for a in audit] == [1, 2, 0]
