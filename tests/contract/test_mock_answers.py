"""The mock API (scripts/mock, tools/mock_api) against the OpenAPI document it serves.

* every operation of the document is called on the mock: a request that should succeed, one
  without a token (secured operations), one with an empty body (operations with one) and one
  naming an unknown id (where 404 is documented); each answer's status, headers and body are
  validated with openapi-core, every answer carries X-Request-ID, and every problem's code is
  one the document lists for that status. Operations added to the document later are called
  too (with made-up inputs): their answers must then come from the fake, shaped as documented;
* login -> book -> query end to end through ``scripts/mock`` started as a process.
"""
from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

openapi_core = pytest.importorskip("openapi_core", reason="pip install -r requirements-dev.txt -c constraints.txt")
from openapi_core.datatypes import RequestParameters  # noqa: E402
from werkzeug.datastructures import Headers, ImmutableMultiDict  # noqa: E402

from tools.mock_api import document, examples  # noqa: E402
from tools.mock_api.fake import SMS_CODE, FakeCardCenter, org_code  # noqa: E402

STATIC = ROOT / "deploy" / "gateway" / "static"
# problem+json is JSON too: openapi-core reads only the media types it knows.
SPEC = openapi_core.OpenAPI.from_file_path(str(document.DOCUMENT), config=openapi_core.Config(
    extra_media_type_deserializers={"application/problem+json": lambda data, **_: json.loads(data)}))
OPERATIONS = sorted((m, p) for m, p, _ in document.operations())


# ---- openapi-core's request and response protocols over what the test sent and got -------
@dataclass
class Sent:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    host_url: str = "http://127.0.0.1"

    @property
    def parameters(self) -> RequestParameters:
        return RequestParameters(query=ImmutableMultiDict(self.query), header=Headers(self.headers), cookie={})

    @property
    def content_type(self) -> str:
        return "application/json" if self.raw is not None else ""

    @property
    def body(self) -> bytes | None:
        return self.raw


@dataclass
class Got:
    status_code: int
    headers: Headers
    data: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


@dataclass
class Call:
    """One request: the path's parameters, query, JSON body and who sends it."""
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    role: str | None = None          # agent, staff, admin or None (no token)
    expect: int | None = None        # the status this call must get (None: any 2xx)


class Mock:
    def __init__(self, fake: FakeCardCenter, base: str, http: aiohttp.ClientSession) -> None:
        self.fake, self.base, self.http = fake, base, http
        fake.expire_next_token = False
        self.tokens = {name: fake._issue(user)["access_token"]
                       for name, user in (("agent", fake.agent), ("staff", fake.staff), ("admin", fake.admin))}

    async def call(self, method: str, template: str, c: Call) -> tuple[int, Any, Got]:
        path = template
        for name, value in c.params.items():
            path = path.replace("{" + name + "}", str(value))
        headers = {"Accept": "application/json, application/problem+json"}
        if c.role:
            headers["Authorization"] = f"Bearer {self.tokens[c.role]}"
        raw = None
        if c.body is not None:
            raw = json.dumps(c.body).encode() if not isinstance(c.body, bytes) else c.body
            headers["Content-Type"] = "application/json"
        url = self.base + path + ("?" + urlencode(c.query) if c.query else "")
        async with self.http.request(method, url, data=raw, headers=headers) as resp:
            data = await resp.read()
            got = Got(resp.status, Headers(list(resp.headers.items())), data)
        sent = Sent(method.lower(), path, c.query, headers, raw)
        check_answer(method, template, sent, got)
        body = json.loads(data) if data and "json" in got.content_type else None
        return got.status_code, body, got


def check_answer(method: str, template: str, sent: Sent, got: Got) -> None:
    op = document.load()["paths"][template][method.lower()]
    where = f"{method} {template} -> {got.status_code}"
    assert str(got.status_code) in op["responses"], f"{where}: status not documented"
    assert got.headers.get("X-Request-ID"), f"{where}: no X-Request-ID"
    SPEC.validate_response(sent, got)       # status, headers and body against the document
    if got.status_code >= 400:
        answer = document.deref(document.load(), op["responses"][str(got.status_code)])
        problem = json.loads(got.data)
        assert got.content_type.startswith("application/problem+json"), where
        assert problem["code"] in answer.get("x-codes", []), f"{where}: {problem['code']} not documented"
        assert problem["status"] == got.status_code and problem["title"] and problem["detail"], where


# ---- a request that succeeds, per operation ----------------------------------------------
def _ed25519_pem() -> tuple[Any, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return key, pem


def _confirmed(f: FakeCardCenter) -> dict:
    return f._booking(f.agent, f.bookable[0], "AM", "confirmed",
                      [(f.directory[0], [{"type": "NEW_CARD"}]), (f.directory[1], [{"type": "PRE_ENTRY"}])])


def _checked_in(f: FakeCardCenter) -> dict:
    f.queue[0]["status"] = "checked_in"
    return f.queue[0]


def _bound_card(f: FakeCardCenter) -> str:
    f.bind(f.agent, "CARD0002", _ed25519_pem()[1])
    return "CARD0002"


def _card_login(f: FakeCardCenter) -> dict:
    """A bound card, a challenge for it (as GET /card-challenges makes one) and its signed nonce."""
    key, pem = _ed25519_pem()
    f.bind(f.agent, "CARD0003", pem)
    nonce = "bm9uY2UtZm9yLXRoZS1tb2Nr"
    f.card_challenges["ch-1"] = {"card_no": "CARD0003", "nonce": nonce,
                                 "expires": datetime.now(f.tz) + timedelta(minutes=2)}
    return {"card_no": "CARD0003", "challenge_id": "ch-1",
            "signature": base64.b64encode(key.sign(nonce.encode("ascii"))).decode()}



def _on_shift(f: FakeCardCenter, desk: int | None = None) -> dict:
    """The clerk (desk1) holds the desk of today's first queued booking, which is checked in."""
    b = _checked_in(f)
    desk = desk or b["allocation"]["desk"]
    f.calling.shifts[f.staff.id] = {"center": "qingdao", "date": f.today.isoformat(), "desk": desk,
                                    "clerk_id": f.staff.id, "started_at": f"{f.today.isoformat()}T08:55:00+08:00"}
    return b


def _called(f: FakeCardCenter) -> dict:
    """On shift with the first queued booking called to the desk (as POST /desk/call does)."""
    b = _on_shift(f)
    desk = f.calling.shifts[f.staff.id]["desk"]
    view = f.calling._record(b, desk, "call", f.staff.id)
    f.calling.open[desk] = view
    f.calling.served.add(b["id"])
    return b


def _display_token(f: FakeCardCenter) -> dict:
    return f.calling.issue_token("大厅一号屏")


BOOKING = lambda f: {"date": f.bookable[0], "period": "AM", "contact_name": "张三", "contact_phone": "13800000001",  # noqa: E731
                     "enterprises": [{"org_code": f.directory[0]["org_code"],
                                      "businesses": [{"type": "RENEW_UNLOCK", "count": 2}]}]}
API = "/api/v1"
GOOD: dict[tuple[str, str], Callable[[FakeCardCenter], Call]] = {
    ("GET", "/.well-known/jwks.json"): lambda f: Call(),
    ("GET", f"{API}/admin/agents"): lambda f: Call(query={"q": "zhaoliu"}, role="admin"),
    ("GET", f"{API}/admin/agents/{{user_id}}/rights"): lambda f: Call({"user_id": "u-susp"}, role="admin"),
    ("GET", f"{API}/admin/calendar"): lambda f: Call(query={"month": f.today.isoformat()[:7]}, role="admin"),
    ("DELETE", f"{API}/admin/calendar/years/{{year}}"): lambda f: Call({"year": f.today.year + 1}, role="admin"),
    ("GET", f"{API}/admin/calendar/years/{{year}}"): lambda f: Call({"year": f.today.year}, role="admin"),
    ("PUT", f"{API}/admin/calendar/years/{{year}}"): lambda f: Call(
        {"year": f.today.year + 1}, body={"holidays": [f"{f.today.year + 1}-01-01"], "workdays": [],
                                          "note": "国务院办公厅关于节假日安排的通知"}, role="admin"),
    ("DELETE", f"{API}/admin/calendar/{{date}}"): lambda f: Call({"date": f.bookable[0]}, role="admin"),
    ("PUT", f"{API}/admin/calendar/{{date}}"): lambda f: Call({"date": f.bookable[0]},
                                                              body={"working": False, "note": "设备检修"}, role="admin"),
    ("GET", f"{API}/admin/capacity"): lambda f: Call(query={"from": f.bookable[0], "to": f.bookable[-1]}, role="admin"),
    ("PUT", f"{API}/admin/capacity"): lambda f: Call(body={"center": "qingdao", "date": f.bookable[0], "period": "AM",
                                                           "capacity": 50}, role="admin"),
    ("GET", f"{API}/admin/cutoffs"): lambda f: Call(role="admin"),
    ("POST", f"{API}/admin/cutoffs"): lambda f: Call(body={"center": "qingdao", "date": f.bookable[0],
                                                           "reason": "提前截止"}, role="admin"),
    ("GET", f"{API}/admin/cutoffs/{{center}}/{{date}}"): lambda f: Call({"center": "qingdao", "date": f.bookable[0]},
                                                                        role="admin"),
    ("GET", f"{API}/admin/stats/{{center}}/{{date}}"): lambda f: Call({"center": "qingdao", "date": f.today.isoformat()},
                                                                      role="admin"),
    ("DELETE", f"{API}/admin/suspensions/{{user_id}}"): lambda f: Call({"user_id": "u-susp"},
                                                                       body={"reason": "核实为系统误判"}, role="admin"),
    ("GET", f"{API}/allocations/{{center}}/{{date}}"): lambda f: Call({"center": "qingdao", "date": f.today.isoformat()},
                                                                      role="staff"),
    ("GET", f"{API}/bookings"): lambda f: Call(role="agent"),
    ("POST", f"{API}/bookings"): lambda f: Call(body=BOOKING(f), role="agent"),
    ("GET", f"{API}/bookings/{{id}}"): lambda f: Call({"id": f.allocated["id"]}, role="agent"),
    ("POST", f"{API}/bookings/{{id}}/cancel"): lambda f: Call({"id": _confirmed(f)["id"]}, role="agent"),
    ("POST", f"{API}/bookings/{{id}}/enterprises/{{org_code}}/cancel"): lambda f: Call(
        {"id": _confirmed(f)["id"], "org_code": f.directory[0]["org_code"]}, role="agent"),
    ("POST", f"{API}/bookings/{{id}}/sms-resend"): lambda f: Call({"id": f.allocated["id"]}, role="agent"),
    ("GET", f"{API}/business-types"): lambda f: Call(),
    ("GET", f"{API}/calendar"): lambda f: Call(),
    ("GET", f"{API}/card-challenges"): lambda f: Call(query={"card_no": "CARD0001"}),
    ("GET", f"{API}/centers"): lambda f: Call(),
    ("GET", f"{API}/centers/{{center}}"): lambda f: Call({"center": "qingdao"}),
    ("POST", f"{API}/desk/bookings/{{id}}/check-in"): lambda f: Call({"id": f.queue[0]["id"]}, role="staff"),
    ("POST", f"{API}/desk/bookings/{{id}}/complete"): lambda f: Call({"id": _checked_in(f)["id"]}, role="staff"),
    ("POST", f"{API}/desk/bookings/{{id}}/no-show"): lambda f: Call({"id": f.queue[1]["id"]}, role="staff"),
    ("GET", f"{API}/desk/schedule"): lambda f: Call(query={"date": f.today.isoformat()}, role="staff"),
    ("GET", f"{API}/enterprises"): lambda f: Call(query={"q": "青岛"}),
    ("POST", f"{API}/enterprises"): lambda f: Call(body={"code": org_code("37029999"), "name": "青岛新注册贸易有限公司"},
                                                   role="agent"),
    ("GET", f"{API}/me"): lambda f: Call(role="agent"),
    ("GET", f"{API}/me/booking-rights"): lambda f: Call(role="agent"),
    ("GET", f"{API}/me/cards"): lambda f: Call(role="agent"),
    ("POST", f"{API}/me/cards"): lambda f: Call(body={"card_no": "CARD0001", "public_key": _ed25519_pem()[1],
                                                      "password": f.agent.password}, role="agent"),
    ("DELETE", f"{API}/me/cards/{{card_no}}"): lambda f: Call({"card_no": _bound_card(f)}, role="agent"),
    ("GET", f"{API}/me/enterprises"): lambda f: Call(role="agent"),
    ("POST", f"{API}/me/enterprises"): lambda f: Call(body={"code": f.directory[3]["org_code"],
                                                            "name": f.directory[3]["name"]}, role="agent"),
    ("DELETE", f"{API}/me/enterprises/{{org_code}}"): lambda f: Call({"org_code": f.directory[0]["org_code"]},
                                                                     role="agent"),
    ("GET", f"{API}/notifications"): lambda f: Call(role="admin"),
    ("POST", f"{API}/password-resets"): lambda f: Call(body={"phone": f.agent.phone, "sms_code": SMS_CODE,
                                                             "new_password": "New-password-2026"}),
    ("POST", f"{API}/sessions"): lambda f: Call(body={"username": "zhangsan", "password": f.agent.password}),
    ("POST", f"{API}/sessions/card"): lambda f: Call(body=_card_login(f)),
    ("DELETE", f"{API}/sessions/current"): lambda f: Call(role="agent"),
    ("POST", f"{API}/sessions/refresh"): lambda f: Call(body={"refresh_token": f._issue(f.agent)["refresh_token"]}),
    ("POST", f"{API}/sms-codes"): lambda f: Call(body={"phone": "13800138000", "purpose": "register"}),
    ("POST", f"{API}/users"): lambda f: Call(body={"phone": "13800138000", "sms_code": SMS_CODE, "username": "lisi",
                                                   "password": "Agent-password-2026", "name": "李四",
                                                   "org_code": f.directory[0]["org_code"]}),
    # 叫号 (issue 18)
    ("POST", f"{API}/desk/shift"): lambda f: Call(body={"desk": 2}, role="staff"),
    ("GET", f"{API}/desk/shift"): lambda f: (_on_shift(f), Call(role="staff"))[1],
    ("DELETE", f"{API}/desk/shift"): lambda f: (_on_shift(f), Call(role="staff"))[1],
    ("POST", f"{API}/desk/call"): lambda f: (_on_shift(f), Call(body={}, role="staff"))[1],
    ("POST", f"{API}/desk/recall"): lambda f: (_called(f), Call(body={}, role="staff"))[1],
    ("POST", f"{API}/desk/skip"): lambda f: (_called(f), Call(body={}, role="staff"))[1],
    ("GET", f"{API}/display-tokens"): lambda f: (_display_token(f), Call(role="staff"))[1],
    ("POST", f"{API}/display-tokens"): lambda f: Call(body={"name": "大厅一号屏"}, role="staff"),
    ("DELETE", f"{API}/display-tokens/{{id}}"): lambda f: Call({"id": _display_token(f)["id"]}, role="staff"),
    ("GET", f"{API}/display/board"): lambda f: Call(query={"token": _display_token(f)["token"]}),
    ("GET", f"{API}/bookings/{{id}}/place"): lambda f: Call({"id": f.allocated["id"]}, role="agent"),
}


def _guess(f: FakeCardCenter, method: str, template: str) -> Call:
    """For an operation this test does not know yet: made-up inputs shaped by the document."""
    doc = document.load()
    op = doc["paths"][template][method.lower()]
    params = {p["name"]: str(examples.make(doc, p.get("schema", {}), p["name"]))
              for p in op.get("parameters", []) if p["in"] == "path"}
    query = {p["name"]: str(examples.make(doc, p.get("schema", {}), p["name"]))
             for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")}
    schema = document.body_schema(doc, op)
    roles = op.get("x-roles") or ["agent"]
    return Call(params, query, examples.make(doc, schema) if schema else None,
                role=("admin" if "admin" in roles else roles[0]) if op.get("security") else None, expect=0)


@pytest.fixture
async def mock():
    fake = FakeCardCenter(STATIC)
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as http:
        yield Mock(fake, f"http://127.0.0.1:{port}", http)
    await runner.cleanup()


# The two event streams are held open: test_calling_web.py and the browser tests read them.
STREAMS = {("GET", f"{API}/display/stream"), ("GET", f"{API}/bookings/{{id}}/place/stream")}


def test_every_operation_of_the_document_is_known_here():
    """A new operation is still called below (made-up inputs), but it needs a real sample here."""
    assert not set(GOOD) - set(OPERATIONS), "samples of operations the document no longer has"
    unknown = [op for op in OPERATIONS if op not in GOOD and op not in STREAMS]
    assert not unknown, f"no sample request yet for {unknown}: add them to GOOD"


@pytest.mark.parametrize(("method", "template"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
async def test_the_mock_answers_as_documented(mock: Mock, method: str, template: str):
    op = document.load()["paths"][template][method.lower()]
    make = GOOD.get((method, template))
    call = make(mock.fake) if make else _guess(mock.fake, method, template)
    status, _, got = await mock.call(method, template, call)
    if make:
        assert 200 <= status < 300, f"{method} {template}: {status} {got.data[:300]!r}"
    else:   # made-up inputs may be refused, but only as documented (checked in call)
        assert status < 500, got.data[:300]

    if op.get("security"):
        status, body, _ = await mock.call(method, template, Call(call.params, call.query, call.body, role=None))
        assert status == 401 and body["code"] == "auth.unauthorized"
    if document.body_schema(document.load(), op) and make:
        status, body, _ = await mock.call(method, template, Call(call.params, call.query, {}, role=call.role))
        schema = document.body_schema(document.load(), op)
        if schema.get("required"):
            assert status == 422 and body["code"] == "validation_error" and body["errors"], body
    if "404" in op["responses"] and make and any(n in call.params for n in ("id", "user_id", "card_no", "center")):
        unknown = {k: ("unknown-1" if k != "date" else v) for k, v in call.params.items()}
        status, body, _ = await mock.call(method, template, Call(unknown, call.query, call.body, role=call.role))
        assert status in (404, 422), body


@pytest.mark.parametrize(("method", "template"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_fallback_answer_of_every_operation_fits_the_document(method: str, template: str):
    """What the mock answers for an operation the fake has no handler for (examples.py, from
    the document's examples or schema) is valid for every operation there is."""
    doc = document.load()
    op = doc["paths"][template][method.lower()]
    status = min(s for s in op["responses"] if s.startswith("2"))
    answer = examples.example_answer(doc, op["responses"][status])
    headers = Headers({"X-Request-ID": "r1", **({"Content-Type": answer[0]} if answer else {})})
    if not answer:
        data = b""
    elif answer[0].endswith("json"):
        data = json.dumps(answer[1]).encode()
    else:    # an event stream: openapi-core cannot read a text/event-stream body, so its type is checked
        assert answer[0] == "text/event-stream" and isinstance(answer[1], str), answer
        assert answer[0] in op["responses"][status]["content"]
        return
    path = re.sub(r"\{[^}]+\}", "p1", template)
    SPEC.validate_response(Sent(method.lower(), path), Got(int(status), headers, data))


async def test_an_operation_the_fake_does_not_know_answers_from_the_document(monkeypatch):
    """A route added to the document before the fake has a handler: documented success for
    the right role, 401 without a token, 403 for another role."""
    doc = copy.deepcopy(document.load())
    doc["paths"]["/api/v1/calls/{call_id}"] = {"get": {
        "security": [{"bearer": []}], "x-roles": ["staff"],
        "parameters": [{"in": "path", "name": "call_id", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
            "type": "object", "required": ["queue_number", "desk"],
            "properties": {"queue_number": {"type": "string"}, "desk": {"type": "integer"}}}}}}}}}
    monkeypatch.setattr(document, "load", lambda: doc)
    fake = FakeCardCenter(STATIC)
    fake.expire_next_token = False
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/v1/calls/c-1"
    try:
        async with aiohttp.ClientSession() as http:
            staff = {"Authorization": f"Bearer {fake._issue(fake.staff)['access_token']}"}
            async with http.get(base, headers=staff) as resp:
                assert resp.status == 200 and await resp.json() == {"queue_number": "A012", "desk": 3}
            async with http.get(base) as resp:
                assert resp.status == 401 and (await resp.json(content_type=None))["code"] == "auth.unauthorized"
            agent = {"Authorization": f"Bearer {fake._issue(fake.agent)['access_token']}"}
            async with http.get(base, headers=agent) as resp:
                assert resp.status == 403 and (await resp.json(content_type=None))["code"] == "auth.forbidden"
    finally:
        await runner.cleanup()


async def test_unknown_paths_answer_the_gateways_not_found(mock: Mock):
    async with mock.http.get(f"{mock.base}/api/v1/no-such-thing") as resp:
        body = await resp.json(content_type=None)
        assert resp.status == 404 and resp.headers["X-Request-ID"]
        assert resp.content_type == "application/problem+json" and body["code"] == "not_found"


def _wrong(schema: dict[str, Any]) -> Any:
    """A value of another JSON type than the schema's."""
    kinds = {s.get("type") for s in schema.get("anyOf", [schema])}
    return 12345 if "string" in kinds else "not-a-number" if kinds & {"integer", "number", "boolean"} else "x"


WITH_BODY = [(m, p) for m, p in OPERATIONS if (m, p) in GOOD
             and document.body_schema(document.load(), document.load()["paths"][p][m.lower()])]


@pytest.mark.parametrize(("method", "template"), WITH_BODY, ids=[f"{m} {p}" for m, p in WITH_BODY])
async def test_a_field_of_the_wrong_type_is_a_validation_error(mock: Mock, method: str, template: str):
    """Each documented field of a body, in turn of the wrong JSON type: 422 validation_error
    naming that field, never a 5xx (what the services' models answer)."""
    doc = document.load()
    schema = document.body_schema(doc, doc["paths"][template][method.lower()])
    good = GOOD[(method, template)](mock.fake)
    for name, sub in schema.get("properties", {}).items():
        body = {**good.body, name: _wrong(document.deref(doc, sub))}
        status, problem, _ = await mock.call(method, template, Call(good.params, good.query, body, role=good.role))
        assert status == 422 and problem["code"] == "validation_error", (name, problem)
        assert any(e["field"].split(".")[0] == name for e in problem["errors"]), (name, problem)


async def test_a_bad_query_is_a_validation_error(mock: Mock):
    for template, query, role in ((f"{API}/bookings", {"from": "yesterday"}, "agent"),
                                  (f"{API}/bookings", {"limit": "lots"}, "agent"),
                                  (f"{API}/admin/calendar", {"month": "December"}, "admin"),
                                  (f"{API}/admin/calendar", {}, "admin"),
                                  (f"{API}/enterprises", {"q": "青"}, None)):
        status, problem, _ = await mock.call("GET", template, Call(query=query, role=role))
        assert status == 422 and problem["code"] == "validation_error" and problem["errors"], (template, query)


async def test_request_ids_as_the_gateway(mock: Mock):
    """The client's X-Request-ID when it is sane, else one of 32 hex digits, on every answer."""
    for sent, echoed in (("web-3f2a", True), ("bad id with spaces", False), ("", False)):
        async with mock.http.get(f"{mock.base}{API}/calendar", headers={"X-Request-ID": sent}) as resp:
            rid = resp.headers["X-Request-ID"]
            assert rid == sent if echoed else re.fullmatch(r"[0-9a-f]{32}", rid), (sent, rid)


async def test_the_problem_answers_carry_the_services_titles(mock: Mock):
    """Same code, title (the HTTP status phrase), detail and members as the services give (the
    booking domain's errors and checks; tests/e2e/test_mock_like_real.py compares with the real
    system)."""
    from booking.domain.errors import DateNotBookable

    body = {**BOOKING(mock.fake), "date": "2000-01-03"}
    status, problem, got = await mock.call("POST", f"{API}/bookings", Call(body=body, role="agent"))
    assert status == 422 and problem["code"] == DateNotBookable.code
    assert problem["title"] == "Unprocessable Entity"
    assert problem["detail"] == "2000-01-03 is in the past" and problem["reason"] == "past"
    assert got.headers["X-Request-ID"]
    status, problem, _ = await mock.call("POST", f"{API}/bookings", Call(body={**body, "enterprises": []}, role="agent"))
    assert status == 422 and problem["code"] == "validation_error" and problem["title"] == "Unprocessable Entity"


# ---- login -> book -> query through scripts/mock ---------------------------------------
@pytest.fixture
def mock_process():
    proc = subprocess.Popen([str(ROOT / "scripts" / "mock"), "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        first = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert m, f"scripts/mock printed {first!r}"
        yield f"http://127.0.0.1:{m[1]}", first + proc.stdout.readline() + proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_scripts_mock_serves_login_book_query(mock_process):
    base, printed = mock_process
    assert SMS_CODE in printed, printed       # it says how to use it
    async with aiohttp.ClientSession() as http:
        async def call(method: str, template: str, token: str | None = None, body: Any = None,
                       query: dict | None = None, **params: str) -> tuple[int, Any]:
            path = template.format(**params) if params else template
            headers = {"X-Request-ID": f"flow-{method}-{len(path)}"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            raw = json.dumps(body).encode() if body is not None else None
            if raw:
                headers["Content-Type"] = "application/json"
            url = base + path + ("?" + urlencode(query) if query else "")
            async with http.request(method, url, data=raw, headers=headers) as resp:
                data = await resp.read()
                got = Got(resp.status, Headers(list(resp.headers.items())), data)
            assert got.headers["X-Request-ID"] == headers["X-Request-ID"]
            check_answer(method, template, Sent(method.lower(), path, query or {}, headers, raw), got)
            return got.status_code, (json.loads(data) if data else None)

        phone = "13912345678"
        assert (await call("POST", f"{API}/sms-codes", body={"phone": phone, "purpose": "register"}))[0] == 202
        status, user = await call("POST", f"{API}/users", body={
            "phone": phone, "sms_code": SMS_CODE, "username": "wangfang", "password": "Wang-fang-2026",
            "name": "王芳"})
        assert status == 201 and user["username"] == "wangfang"
        status, problem = await call("POST", f"{API}/sessions", body={"username": "wangfang", "password": "wrong-one"})
        assert status == 401 and problem["code"] == "auth.invalid_credentials"
        status, session = await call("POST", f"{API}/sessions", body={"phone": phone, "sms_code": SMS_CODE})
        assert status == 200
        token = session["access_token"]
        status, problem = await call("GET", f"{API}/bookings")
        assert status == 401 and problem["code"] == "auth.unauthorized"

        status, ent = await call("POST", f"{API}/me/enterprises", token, {"code": org_code("37020001"),
                                                                          "name": "青岛港航物流有限公司"})
        assert status == 201
        status, calendar = await call("GET", f"{API}/calendar")
        day = next(d for d in calendar["days"] if d["bookable"] and any(p["remaining"] for p in d["periods"]))
        period = next(p["code"] for p in day["periods"] if p["remaining"])
        booking = {"date": day["date"], "period": period, "contact_name": "王芳", "contact_phone": phone,
                   "enterprises": [{"org_code": ent["org_code"], "businesses": [{"type": "NEW_CARD"}]}]}
        status, created = await call("POST", f"{API}/bookings", token, booking)
        assert status == 201 and created["status"] == "confirmed"

        status, page = await call("GET", f"{API}/bookings", token)
        assert [b["id"] for b in page["items"]] == [created["id"]]
        status, one = await call("GET", f"{API}/bookings/{{id}}", token, id=created["id"])
        assert one["enterprises"][0]["name"] == "青岛港航物流有限公司" and one["date"] == day["date"]
        status, cancelled = await call("POST", f"{API}/bookings/{{id}}/cancel", token, id=created["id"])
        assert status == 200 and cancelled["status"] == "cancelled"
        status, problem = await call("POST", f"{API}/bookings/{{id}}/cancel", token, id=created["id"])
        assert status == 409 and problem["code"] == "booking.not_active"
        status, problem = await call("GET", f"{API}/bookings/{{id}}", token, id="bk-nobody")
        assert status == 404 and problem["code"] == "booking.not_found"
        assert date.fromisoformat(day["date"]) > date.today()
