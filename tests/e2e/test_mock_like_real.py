"""The mock (scripts/mock, tools/mock_api) refuses as the real system does: the same bad
requests sent through nginx to the services and to the mock get the same status and the
same problem (code, title, detail; for validation_error the same fields), each with the
client's X-Request-ID."""
from __future__ import annotations

import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from tools.mock_api.fake import FakeCardCenter  # noqa: E402

API = "/api/v1"
NOBODY = str(uuid.uuid4())
# (method, path, who, body): who is None (no token), "agent", or "bad" (a token that is not one)
CASES = [
    ("GET", f"{API}/bookings", None, None),
    ("GET", f"{API}/bookings", "bad", None),
    ("GET", f"{API}/bookings/{NOBODY}", "agent", None),
    ("POST", f"{API}/bookings/{NOBODY}/cancel", "agent", None),
    ("POST", f"{API}/bookings", "agent", {}),
    ("POST", f"{API}/bookings", "agent", {"date": "2026-13-01", "period": "AM", "contact_name": "张三",
                                          "contact_phone": "13800000001", "enterprises": []}),
    ("POST", f"{API}/bookings", "agent", {"date": "2026-12-31", "period": "EVENING", "contact_name": "张三",
                                          "contact_phone": "13800000001",
                                          "enterprises": [{"org_code": "370200018", "businesses": [{"type": "NEW_CARD"}]}]}),
    ("POST", f"{API}/bookings", "agent", {"date": "2026-12-31", "period": "AM", "contact_name": " ",
                                          "contact_phone": "12345", "enterprises": [{"businesses": []}, 7]}),
    ("POST", f"{API}/bookings", "agent", {"date": "2026-12-31", "period": "AM", "contact_name": "张三",
                                          "contact_phone": "13800000001",
                                          "enterprises": [{"org_code": "370200019", "businesses": [{"type": "NEW_CARD"}]}]}),
    ("POST", f"{API}/bookings", "agent", {"date": "2026-12-31", "period": "AM", "contact_name": "张三",
                                          "contact_phone": "13800000001", "enterprises": [
                                              {"org_code": "370200018", "businesses": [{"type": "NEW_CARD"},
                                                                                       {"type": "BUY_READER"}]}]}),
    ("POST", f"{API}/bookings", "agent", {"date": "2026-12-31", "period": "AM", "contact_name": "张三",
                                          "contact_phone": "13800000001", "enterprises": [
                                              {"org_code": "370200018", "businesses": [{"type": "RENEW_UNLOCK"}]}]}),
    ("POST", f"{API}/bookings", "agent", [1, 2]),
    ("POST", f"{API}/bookings", "agent", {"date": "2000-01-03", "period": "AM", "contact_name": "张三",
                                          "contact_phone": "13800000001",
                                          "enterprises": [{"org_code": "370200018", "businesses": [{"type": "NEW_CARD"}]}]}),
    ("POST", f"{API}/sessions", None, {"username": "nobody-here", "password": "wrong-password"}),
    ("POST", f"{API}/users", None, {"phone": "12345", "sms_code": "246810", "username": "a b", "password": "x",
                                    "name": ""}),
    ("POST", f"{API}/users", None, {"phone": "13912345670", "sms_code": "246810", "username": "weakling",
                                    "password": "password", "name": "王五"}),
    ("POST", f"{API}/users", None, {"phone": "13912345671", "sms_code": "000000", "username": "wrongcode",
                                    "password": "Strong-password-2026", "name": "王五"}),
    ("POST", f"{API}/sms-codes", None, {}),
    ("POST", f"{API}/sms-codes", None, {"phone": 13800000001, "purpose": "register"}),
    ("GET", f"{API}/centers/nowhere", None, None),
    ("POST", f"{API}/sessions/refresh", None, {"refresh_token": "no-such-token"}),
    ("POST", f"{API}/password-resets", None, {"phone": "13800000001", "sms_code": "000000", "new_password": "x"}),
    ("GET", f"{API}/bookings?from=yesterday", "agent", None),
    ("GET", f"{API}/bookings?limit=0", "agent", None),
    ("GET", f"{API}/enterprises?q=a", None, None),
    ("GET", f"{API}/no-such-thing", None, None),
    ("POST", f"{API}/me/enterprises", "agent", {"code": "123", "name": "青岛测试有限公司"}),
    ("GET", f"{API}/admin/agents?q=zhang", "agent", None),
    ("GET", f"{API}/desk/schedule", "agent", None),
]


@pytest.fixture
async def mock_url():
    fake = FakeCardCenter(ROOT / "deploy" / "gateway" / "static")
    fake.expire_next_token = False
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield fake, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    await runner.cleanup()


async def _ask(http: aiohttp.ClientSession, base: str, method: str, path: str, token: str | None, body, rid: str):
    headers = {"X-Request-ID": rid}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with http.request(method, base + path, json=body, headers=headers) as r:
        problem = await r.json(content_type=None)
        assert r.headers["X-Request-ID"] == rid
        assert r.content_type == "application/problem+json"
        fields = sorted(e["field"] for e in problem.get("errors", []))
        return r.status, problem["code"], problem["title"], problem["detail"], fields


async def test_the_mock_refuses_as_the_real_system(gw, mint, mock_url):
    fake, mock = mock_url
    real_agent = mint.agent(datetime.now(timezone.utc))
    tokens = {"real": {"agent": real_agent.tokens["access_token"], "bad": "not-a-token"},
              "mock": {"agent": fake._issue(fake.agent)["access_token"], "bad": "not-a-token"}}
    differ = []
    async with aiohttp.ClientSession() as http:
        for i, (method, path, who, body) in enumerate(CASES):
            real = await _ask(gw.http, gw.url, method, path, tokens["real"].get(who), body, f"cmp-{i}-real")
            ours = await _ask(http, mock, method, path, tokens["mock"].get(who), body, f"cmp-{i}-mock")
            if real != ours:
                differ.append((method, path, who, {"real": real, "mock": ours}))
    assert not differ, "\n".join(map(str, differ))
