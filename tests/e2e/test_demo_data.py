"""scripts/demo on a fresh system of its own, started as the e2e tests start it but with the
gateway's and identity's limits at their defaults (as scripts/run has them) and the clock
pinned to Wednesday 2026-11-18 10:00 in Qingdao (no flake around 15:00 or midnight):
Thursday and Friday are the coming bookable days, Tuesday the 17th is the past day.

The first run makes the admin, the clerk and 20 agents (registered with SMS codes from
the fake provider), their 41 enterprises, 15 bookings on each coming day (respecting
capacity) and the past day allocated and partly served; the second run finds everything
and adds nothing. The printed logins sign in; no password or demo phone reaches a log."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from booking.domain.org_codes import normalize_org_code
from tools.demo import in_tests
from tools.demo.cast import agents, staff
from tools.demo.endpoints import from_environment

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
COMING = ("2026-11-19", "2026-11-20")
PAST = "2026-11-17"


@pytest.fixture(scope="module")
async def demo(infra_urls, tmp_path_factory, sms_provider, mint):
    """The system, and the output of the demo's first run."""
    async with in_tests.demo_system(infra_urls, tmp_path_factory.mktemp("demo"), sms_provider, mint, NOW) as s:
        rc, out, err = await in_tests.run_demo(s, sms_provider)
        assert rc == 0, out + err
        yield s, out


async def get(http, system, path, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.get(system.gateway_url + path, params=params, headers=headers) as r:
        assert r.status == 200, (path, r.status, await r.text())
        return await r.json()


async def sign_in(http, system, login):
    async with http.post(system.gateway_url + "/api/v1/sessions",
                         json={"username": login["username"], "password": login["password"]}) as r:
        assert r.status == 200, (login["username"], await r.text())
        return (await r.json())["access_token"]


async def census(http, system, admin_token) -> dict:
    """What the system holds for the demo: agents, enterprises, bookings per date and status."""
    found = await get(http, system, "/api/v1/admin/agents", admin_token, q="demo-agent", limit="100")
    counts = {"agents": len(found["items"])}
    for day in (PAST, *COMING):
        stats = await get(http, system, f"/api/v1/admin/stats/qingdao/{day}", admin_token)
        counts[day] = {k: v for k, v in stats["statuses"].items() if v}
        counts[f"{day} lines"] = {p["code"]: p["enterprise_lines"] for p in stats["periods"]}
    return counts


def verification_sms(sms_provider) -> int:
    return sum(1 for m in sms_provider.state.messages if m.phone.startswith("139000") and "验证码" in m.text)


async def test_the_demo_fills_the_system_and_a_second_run_adds_nothing(demo, sms_provider):
    system, out = demo
    logins = in_tests.logins(out)
    assert [x["role"] for x in logins] == ["admin", "clerk"] + ["agent"] * 20, out
    assert "accounts: 22 made now" in out and "enterprises: 41 added now" in out, out
    assert f"past day: {PAST}: 6 bookings allocated; 2 completed, 2 checked in, 1 no-show, 1 not come" in out, out
    assert f"coming days {', '.join(COMING)}: 30 bookings made now" in out, out
    async with aiohttp.ClientSession() as http:
        admin = await sign_in(http, system, logins[0])
        me = await get(http, system, "/api/v1/me", admin)
        assert "admin" in me["roles"]
        clerk = await sign_in(http, system, logins[1])
        assert "staff" in (await get(http, system, "/api/v1/me", clerk))["roles"]
        assert await in_tests.past_day_settled(system, logins[0], PAST) == {"completed": 2, "checked_in": 2,
                                                                             "no_show": 2}
        before = await census(http, system, admin)
        assert before["agents"] == 20
        for day in COMING:    # three agents in four each day; every line within its period's capacity
            assert before[day] == {"confirmed": 15}, before
            assert all(0 < lines <= 40 for lines in before[f"{day} lines"].values()), before
        # Every agent has its enterprises; an agent's bookings are its own.
        agent = logins[2]
        token = await sign_in(http, system, agent)
        mine = await get(http, system, "/api/v1/me/enterprises", token)
        assert sorted(e["org_code"] for e in mine["items"]) == sorted(c for c, _ in agents()[0].enterprises)
        booked = await get(http, system, "/api/v1/bookings", token, **{"from": PAST, "to": COMING[-1]})
        assert {b["date"] for b in booked["items"]} == {PAST, *COMING}

        codes_before = verification_sms(sms_provider)
        rc, again, err = await in_tests.run_demo(system, sms_provider)
        assert rc == 0, again + err
        # looked up, not tried again: no SMS code asked for, no booking refused as a duplicate
        assert verification_sms(sms_provider) == codes_before
        assert "not booked" not in again, again
        assert "accounts: 0 made now, 22 already there; enterprises: 0 added now" in again, again
        assert f"past day: already there: {PAST}" in again, again
        assert "30 bookings made now" not in again and ": 0 bookings made now" in again, again
        assert in_tests.logins(again) == logins
        assert await census(http, system, admin) == before


async def test_no_demo_password_or_phone_reaches_a_service_log(demo):
    system, out = demo
    secrets = {x["password"] for x in in_tests.logins(out)} | {x["phone"] for x in in_tests.logins(out)}
    for log in system.workdir.glob("*.log"):
        text = log.read_text(errors="replace")
        assert not [s for s in secrets if s in text], log.name


def test_the_cast_is_valid_and_distinct():
    people = [*staff(), *agents()]
    assert all(re.fullmatch(r"1[3-9]\d{9}", p.phone) for p in people)
    for attr in ("username", "phone", "address"):
        assert len({getattr(p, attr) for p in people}) == len(people), attr
    codes = [code for p in agents() for code, _ in p.enterprises]
    names = [name for p in agents() for _, name in p.enterprises]
    assert len(codes) == len(set(codes)) == len(set(names)) == 41
    assert all(normalize_org_code(c) == c for c in codes)     # GB 11714 check characters
    assert all(1 <= len(p.enterprises) <= 3 for p in agents())


def test_the_demo_finds_every_service_and_notifier_where_the_local_run_puts_them():
    e = from_environment({"GATEWAY_PORT": "9080", "BOOKING_PORT": "9002", "NOTIFIER_PROCESSES": "3"})
    assert e.gateway == "http://127.0.0.1:9080" and e.gateway_is_local
    assert e.services == {"identity": "http://127.0.0.1:8001", "booking": "http://127.0.0.1:9002",
                          "allocator": "http://127.0.0.1:8003", "notifier1": "http://127.0.0.1:8004",
                          "notifier2": "http://127.0.0.1:8104", "notifier3": "http://127.0.0.1:8204"}
    assert e.sms_inbox == "http://127.0.0.1:9010"
    assert not from_environment({"GATEWAY_URL": "https://cards.example.cn/"}).gateway_is_local
