"""A stand-in for the gateway while the services are being built: the static web client
plus the API routes its screens call, answering canned JSON shaped as api.md says, with
problem+json errors and X-Request-ID on every answer. In-memory and deterministic; a test
steers it through attributes (``next_booking_error``, ``late_ids``) and reads what the
client sent from ``requests``.

Not a model of the services: just enough behaviour (validation, capacity, cancel, resend,
desk transitions) that the screens can be walked end to end. scripts/mock serves it too
(tools/mock_api/__main__.py): for that it answers every operation of the OpenAPI document
(extra_routes.py, then examples.py for any it has no handler for) and refuses with the
services' own checks (models.py, booking_checks.py) in the "scripts/mock" part below.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import logging
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

# The browser tests load this file by path (as fake_api); its sibling modules come from the
# repository root then, as they do for scripts/mock.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
from tools.mock_api import booking_checks, document, examples, extra_routes, models  # noqa: E402
from tools.mock_api.problems import problem  # noqa: E402
from shared.errors import AppError  # noqa: E402
from shared.http.statuses import headers_of, status_of  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
log = logging.getLogger("mock_api")
# The web client's Content-Security-Policy is a header of the gateway's (there is no meta
# tag): the fake serves the very policy of the template, so the screens run under it here too.
_TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "gateway" / "nginx.conf.template"
CLIENT_CSP = re.search(r'^\s*default\s+"(default-src \'self\'[^"]*)";', _TEMPLATE.read_text(encoding="utf-8"),
                       re.M).group(1)
BODY = web.RequestKey("json_body", object)
SMS_CODE = "246810"
INJECTION = '<img src=x onerror=alert(1)><script>alert("x")</script>青岛注入测试有限公司'

TYPES = [
    ("PRE_ENTRY", "预录入", False), ("NEW_CARD", "新制卡", False), ("CHANGE_INFO", "变更企业信息", False),
    ("RENEW_UNLOCK", "卡延期、解锁", True), ("DECLARANT_CARD", "增加、更换报关员卡", True),
    ("OPERATOR_CARD", "增加操作员卡", True), ("REISSUE_CARD", "补卡、换卡", True), ("BUY_READER", "购读卡器", False),
]
_CODES = [c for c, _, _ in TYPES]


def _excludes(code: str) -> list[str]:
    if code in ("PRE_ENTRY", "NEW_CARD"):
        return [c for c in _CODES if c != code]
    pair = {"CHANGE_INFO": ["RENEW_UNLOCK"], "RENEW_UNLOCK": ["CHANGE_INFO"]}.get(code, [])
    return ["PRE_ENTRY", "NEW_CARD", *pair]


BUSINESS_TYPES = [{"code": c, "name": n, "needs_count": needs,
                   "count": "required" if needs else "optional" if c == "BUY_READER" else "none",
                   "excludes": sorted(_excludes(c))} for c, n, needs in TYPES]


def org_check(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    value = sum(w * int(ch, 36) for w, ch in zip(weights, body8))
    c = 11 - value % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def org_code(body8: str) -> str:
    return body8 + org_check(body8)


def valid_org(code: str) -> str | None:
    """The stored 9-char code for a 9-char code or an 18-char credit code, else None."""
    code = code.strip().upper()
    if len(code) == 18 and code.isalnum():
        code = code[8:17]
    if len(code) == 9 and code[:8].isalnum() and code[8] == org_check(code[:8]):
        return code
    return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class User:
    id: str
    username: str
    password: str
    name: str
    phone: str
    roles: list[str]
    email: str | None = None
    enterprises: list[dict] = field(default_factory=list)


class Refused(Exception):
    """A refusal: answered by problems.problem (title from the code; detail as the real system words it)."""
    def __init__(self, status: int, code: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def _calling_module():
    """calling.py beside this file, loaded by path (as the browser tests load this one)."""
    import importlib.util
    import sys
    if "fake_calling" not in sys.modules:
        spec = importlib.util.spec_from_file_location("fake_calling", Path(__file__).with_name("calling.py"))
        sys.modules["fake_calling"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["fake_calling"])
    return sys.modules["fake_calling"]


class FakeCardCenter:
    def __init__(self, static_root: Path, today: date | None = None) -> None:
        self.static_root = static_root
        self.today = today or datetime.now(TZ).date()
        self.requests: list[dict] = []
        self.refreshes = 0
        self.expire_next_token = True       # the first access token issued answers 401 token_expired
        self.next_booking_error: tuple[int, str] | None = None
        self.late_ids: set[str] = set()
        self.not_late_yet: dict[str, str] = {}   # booking id -> late_after (no-show refused before it)
        self.rights_answer = {"suspended_until": None, "reason": None, "no_shows": 1, "cancellations": 2}
        self.calendar_down = False          # answer GET /calendar as nginx does when booking is down
        self.sms_sent: list[dict] = []
        self.cards: dict[str, tuple[str, dict]] = {}     # card number -> (user id, GET /me/cards item)
        self.card_challenges: dict[str, dict] = {}      # GET /card-challenges: id -> {card_no, nonce, expires}
        self._ids = itertools.count(1)
        self._tokens: dict[str, tuple[str, bool]] = {}   # access token -> (user id, expired)
        self._refresh: dict[str, str] = {}               # refresh token -> user id
        self._idem: dict[str, tuple[str, int, dict]] = {}
        self.directory = [
            {"org_code": org_code("37020001"), "name": "青岛港航物流有限公司"},
            {"org_code": org_code("37020002"), "name": "青岛海关报关服务有限公司"},
            {"org_code": org_code("37020003"), "name": INJECTION},
            {"org_code": org_code("37020004"), "name": "青岛新开发贸易有限公司"},
            {"org_code": org_code("MA3C1234"), "name": "青岛保税区供应链有限公司"},
        ]
        d = self.directory
        self.agent = User("u-agent", "zhangsan", "Card-center-2026", "张三", "13800000001", ["agent"],
                          enterprises=[dict(d[0]), dict(d[1]), dict(d[2])])
        self.staff = User("u-staff", "desk1", "Desk-clerk-2026", "李窗口", "13900000002", ["agent", "staff"])
        self.admin = User("u-admin", "admin1", "Center-admin-2026", "王管理", "13900000003", ["agent", "admin"])
        self.users = {u.username: u for u in (self.agent, self.staff, self.admin)}
        # What GET /api/v1/centers/{center} publishes (a test changes it to see the pages follow).
        self.center_doc = {"id": "qingdao", "timezone": "Asia/Shanghai", "cutoff_time": "15:00",
                           "release_working_days": 2, "late_minutes": 10, "closing_time": "17:00", "desks": 4,
                           "segment_minutes": 30,
                           "periods": [{"code": "AM", "start": "09:00", "end": "11:30"},
                                       {"code": "PM", "start": "13:30", "end": "17:00"}],
                           "limits": {"enterprises_per_booking": 10, "contact_name_max": 50,
                                      "enterprise_name_max": 200, "card_count_max": 99}}
        # The official calendar: this year from the package, next year unconfirmed until loaded.
        self.years: dict[int, dict] = {self.today.year: {"source": "package", "holidays": [], "workdays": []}}
        self.overrides: dict[str, dict] = {}
        self.cutoff_runs: dict[str, list[dict]] = {}
        self.cutoff_status: dict[str, str] = {}
        self.lifted: list[tuple[str, str]] = []
        self.suspended = {"id": "u-susp", "username": "zhaoliu", "name": "赵六", "phone": "13700000006",
                          "registered_at": "2026-01-05T10:00:00+08:00",
                          "suspended_until": "2027-02-27T16:00:00+00:00", "reason": "too_many_no_shows",
                          "no_shows": 0, "cancellations": 2}
        self.audit = [{"at": "2026-08-31T15:00:00+08:00", "change": "suspended", "actor": None,
                       "note": "too_many_no_shows", "request_id": None,
                       "before": {"no_shows": 2, "cancellations": 2, "suspended_until": None, "reason": None},
                       "after": {"no_shows": 0, "cancellations": 2, "suspended_until": "2027-02-27T16:00:00+00:00",
                                 "reason": "too_many_no_shows"}}]
        self.days = self._calendar_days()
        self.bookable = [x["date"] for x in self.days if x["bookable"]]
        self.capacity = {(day, p): 40 for day in self.bookable for p in ("AM", "PM")}
        self.booked = {(self.bookable[0], "AM"): 28, (self.bookable[0], "PM"): 40}
        self.bookings: dict[str, dict] = {}
        self._seed_bookings()

    # ---- fixtures ------------------------------------------------------------------
    def _calendar_days(self) -> list[dict]:
        out, bookable = [], 0
        for i in range(1, 15):
            d = self.today + timedelta(days=i)
            working = d.weekday() < 5
            is_bookable = working and bookable < 2
            bookable += is_bookable
            cutoff = datetime.combine(d - timedelta(days=1), datetime.min.time(), TZ).replace(hour=15)
            out.append({"date": d.isoformat(), "working": working, "bookable": is_bookable,
                        "cutoff_at": cutoff.isoformat() if working else None})
        return out

    def _booking(self, owner: User, day: str, period: str, status: str, lines: list[tuple[dict, list[dict]]],
                 *, allocation: dict | None = None, sms: str = "delivered", resend: bool = True,
                 contact: tuple[str, str] | None = None) -> dict:
        bid = f"bk-{next(self._ids):04d}-{uuid.uuid4().hex[:8]}"
        b = {"id": bid, "center": "qingdao", "date": day, "period": period, "status": status,
             "contact_name": (contact or (owner.name, owner.phone))[0],
             "contact_phone": (contact or (owner.name, owner.phone))[1],
             "created_at": datetime.now(TZ).replace(microsecond=0).isoformat(),
             "enterprises": [{"org_code": e["org_code"], "name": e["name"],
                              "status": "cancelled" if status == "cancelled" else "active",
                              "businesses": biz} for e, biz in lines],
             "allocation": allocation, "sms": {"status": sms, "resend_available": resend}, "_owner": owner.id}
        self.bookings[bid] = b
        return b

    def _seed_bookings(self) -> None:
        d, today = self.directory, self.today.isoformat()
        self.allocated = self._booking(self.agent, today, "AM", "allocated",
                                       [(d[0], [{"type": "RENEW_UNLOCK", "count": 2}])],
                                       allocation={"desk": 3, "start": "09:30", "end": "10:00", "queue_number": "A012"},
                                       sms="failed")
        self.cancelled = self._booking(self.agent, (self.today - timedelta(days=3)).isoformat(), "PM", "cancelled",
                                       [(d[1], [{"type": "NEW_CARD"}])])
        other = User("u-other", "wangwu", "x", "王五", "13700000003", ["agent"])
        self.queue = [
            self._booking(other, today, "AM", "allocated", [(d[3], [{"type": "PRE_ENTRY"}])],
                          allocation={"desk": 1, "start": "09:00", "end": "09:30", "queue_number": "A001"}),
            self._booking(other, today, "AM", "allocated", [(d[4], [{"type": "OPERATOR_CARD", "count": 1}])],
                          allocation={"desk": 1, "start": "09:00", "end": "09:30", "queue_number": "A002"},
                          contact=('<script>alert("desk")</script>赵六', "13700000004")),
            self._booking(other, today, "AM", "allocated", [(d[2], [{"type": "BUY_READER", "count": 1}])],
                          allocation={"desk": 2, "start": "09:30", "end": "10:00", "queue_number": "A003"}),
        ]
        # Yesterday's, still allocated: checking it in today is booking.wrong_day.
        self.yesterday = self._booking(other, (self.today - timedelta(days=1)).isoformat(), "PM", "allocated",
                                       [(d[0], [{"type": "CHANGE_INFO"}])],
                                       allocation={"desk": 2, "start": "14:00", "end": "14:30", "queue_number": "B001"})

    # ---- tokens --------------------------------------------------------------------
    def _issue(self, user: User) -> dict:
        claims = {"iss": "cardcenter-identity", "sub": user.id, "roles": user.roles, "name": user.name,
                  "iat": int(datetime.now().timestamp()), "exp": int(datetime.now().timestamp()) + 900,
                  "jti": uuid.uuid4().hex}
        token = ".".join([_b64(b'{"alg":"EdDSA","kid":"fake","typ":"JWT"}'),
                          _b64(json.dumps(claims, ensure_ascii=False).encode()), _b64(b"not-signed")])
        self._tokens[token] = (user.id, self.expire_next_token)
        self.expire_next_token = False
        refresh = uuid.uuid4().hex
        self._refresh[refresh] = user.id
        return {"access_token": token, "token_type": "Bearer", "expires_in": 900, "refresh_token": refresh,
                "user": self._public(user)}

    def _user_by_id(self, uid: str) -> User:
        return next(u for u in self.users.values() if u.id == uid)

    @staticmethod
    def _public(u: User) -> dict:
        return {"id": u.id, "username": u.username, "name": u.name, "phone": u.phone, "email": u.email, "roles": u.roles}

    def _auth(self, request: web.Request, role: str | None = None) -> User:
        if "Authorization" not in request.headers:
            raise Refused(401, "auth.unauthorized", "Sign in first: send Authorization: Bearer <access token>.")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self._tokens:
            malformed = token.count(".") != 2
            raise Refused(401, "auth.invalid_token",
                          "The access token is malformed." if malformed else "The access token is not valid.")
        uid, expired = self._tokens[token]
        if expired:
            raise Refused(401, "auth.token_expired", "The access token has expired.")
        user = self._user_by_id(uid)
        if role and role not in user.roles:
            raise Refused(403, "auth.forbidden", f"This needs the role {role}.")
        return user

    # ---- the app -------------------------------------------------------------------
    def app(self) -> web.Application:
        @web.middleware
        async def middleware(request: web.Request, handler):
            # As the gateway: the client's X-Request-ID when it is sane, else 32 hex digits.
            rid = request.headers.get("X-Request-ID", "")
            if not re.fullmatch(r"[A-Za-z0-9._-]{1,128}", rid):
                rid = uuid.uuid4().hex
            body = None
            if request.can_read_body:
                text = await request.text()
                try:
                    body = json.loads(text)
                except ValueError:
                    body = text
            if request.path.startswith("/api/"):
                self.requests.append({"method": request.method, "path": request.path, "query": dict(request.query),
                                      "headers": dict(request.headers), "body": body})
            request[BODY] = body
            try:
                self.check_request(request, body)
                resp = await handler(request)
            except Refused as r:
                resp = problem(r.status, r.code, r.detail, **r.extra)
            except AppError as e:                    # the services' own checks (booking_checks.py)
                resp = problem(status_of(e), e.code, e.detail, headers=headers_of(e), title=e.title, **e.extra)
            except web.HTTPException as e:           # no such route: the gateway's problem
                if not request.path.startswith("/api/") or e.status not in (404, 405):
                    raise
                resp = problem(e.status, "not_found" if e.status == 404 else "method_not_allowed")
            except Exception:                        # a bug of the fake: answered as the services do
                log.exception("mock: unhandled error on %s %s", request.method, request.path)
                resp = problem(500, "internal_error",
                               "Something went wrong on our side; quote the request id when you report it.",
                               request_id=rid)
            resp.headers["X-Request-ID"] = rid
            resp.headers["Cache-Control"] = "no-store"
            if not request.path.startswith("/api/"):
                resp.headers["Content-Security-Policy"] = CLIENT_CSP
            return resp

        app = web.Application(middlewares=[middleware])
        r, api = app.router, "/api/v1"

        async def index(_):
            return web.FileResponse(self.static_root / "index.html")

        r.add_get("/", index)
        r.add_get("/index.html", index)
        async def css(_):
            return web.FileResponse(self.static_root / "app.css")

        async def business_types(_):
            return self._json({"items": BUSINESS_TYPES, "next_cursor": None})

        r.add_get("/app.css", css)
        r.add_static("/app/", self.static_root / "app")
        r.add_post(f"{api}/sms-codes", self.sms_codes)
        r.add_post(f"{api}/users", self.register)
        r.add_post(f"{api}/sessions", self.login)
        r.add_post(f"{api}/sessions/refresh", self.refresh)
        r.add_delete(f"{api}/sessions/current", self.logout)
        r.add_get(f"{api}/me", self.me)
        r.add_get(f"{api}/enterprises", self.directory_search)
        r.add_post(f"{api}/enterprises", self.register_enterprise)
        r.add_get(f"{api}/me/enterprises", self.my_enterprises)
        r.add_post(f"{api}/me/enterprises", self.add_enterprise)
        r.add_delete(f"{api}/me/enterprises/{{org_code}}", self.delete_enterprise)
        r.add_get(f"{api}/me/cards", self.my_cards)
        r.add_post(f"{api}/me/cards", self.bind_card)
        r.add_delete(f"{api}/me/cards/{{card_no}}", self.unbind_card)
        r.add_get(f"{api}/business-types", business_types)
        r.add_get(f"{api}/calendar", self.calendar)
        r.add_post(f"{api}/bookings", self.create_booking)
        r.add_get(f"{api}/bookings", self.list_bookings)
        r.add_get(f"{api}/bookings/{{id}}", self.get_booking)
        r.add_post(f"{api}/bookings/{{id}}/cancel", self.cancel_booking)
        r.add_post(f"{api}/bookings/{{id}}/enterprises/{{org_code}}/cancel", self.cancel_line)
        r.add_post(f"{api}/bookings/{{id}}/sms-resend", self.sms_resend)
        r.add_get(f"{api}/me/booking-rights", self.rights)
        r.add_get(f"{api}/desk/schedule", self.desk_schedule)
        r.add_post(f"{api}/desk/bookings/{{id}}/{{action}}", self.desk_action)
        r.add_get(f"{api}/centers/{{center}}", self.center)
        r.add_get(f"{api}/admin/calendar", self.admin_calendar)
        r.add_get(f"{api}/admin/calendar/years/{{year}}", self.get_year)
        r.add_put(f"{api}/admin/calendar/years/{{year}}", self.put_year)
        r.add_delete(f"{api}/admin/calendar/years/{{year}}", self.delete_year)
        r.add_put(f"{api}/admin/calendar/{{date}}", self.put_override)
        r.add_delete(f"{api}/admin/calendar/{{date}}", self.delete_override)
        r.add_get(f"{api}/admin/capacity", self.get_capacity)
        r.add_put(f"{api}/admin/capacity", self.put_capacity)
        r.add_get(f"{api}/admin/cutoffs", self.list_cutoffs)
        r.add_get(f"{api}/admin/cutoffs/{{center}}/{{date}}", self.get_cutoff)
        r.add_post(f"{api}/admin/cutoffs", self.run_cutoff)
        r.add_get(f"{api}/admin/stats/{{center}}/{{date}}", self.stats)
        r.add_get(f"{api}/admin/agents", self.search_agents)
        r.add_get(f"{api}/admin/agents/{{id}}/rights", self.agent_rights)
        r.add_delete(f"{api}/admin/suspensions/{{id}}", self.lift)
        r.add_get(f"{api}/notifications", self.notifications)
        # 叫号 (issue 18): shifts, calls, display tokens, the board, the place and both streams.
        self.calling = _calling_module().FakeCalling(self, Refused, BODY)
        self.calling.install(app, self.static_root)
        # scripts/mock: the document's other operations (keep this last: it fills the gaps).
        extra_routes.add_routes(self, r)
        self.add_document_answers(r)
        return app

    @staticmethod
    def _view(b: dict) -> dict:
        """A booking as the API shows it (BookingView): every business with its count (null
        when none), and when changes close (the cutoff, 15:00 the day before)."""
        view = {k: v for k, v in b.items() if not k.startswith("_")}
        view["enterprises"] = [{**e, "businesses": [{"type": x["type"], "count": x.get("count")} for x in e["businesses"]]}
                               for e in b["enterprises"]]
        cutoff = date.fromisoformat(b["date"]) - timedelta(days=1)
        view["cutoff_at"] = f"{cutoff.isoformat()}T15:00:00+08:00"
        return view

    def _json(self, data: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, text=json.dumps(data, ensure_ascii=False), content_type="application/json")

    # ---- scripts/mock: the whole document (tools/mock_api/document.py, examples.py) ----
    refused = Refused
    tz = TZ
    sms_code = SMS_CODE

    def check_request(self, request: web.Request, body: Any) -> None:
        """What the services do before a handler: the token and roles the document declares,
        then the query and the JSON body against the services' own models (models.py), or
        against the document's schemas for an operation no service declares."""
        found = document.operation_of(request.method, request.path)
        if not found:
            return
        template, op = found
        if op.get("security"):
            self._auth_any(request, tuple(op.get("x-roles") or ()))
        doc = document.load()
        body_model, query_model = models.models_of(request.method, template) or (None, None)
        if query_model is not None:
            self._refuse_if(models.errors_of(query_model, dict(request.query)))
        elif errors := document.check_query(doc, op, request.query):
            raise Refused(422, "validation_error", errors=errors)
        schema = document.body_schema(doc, op)
        if not schema and body_model is None:
            return
        if body is None:
            raise Refused(422, "validation_error", errors=[{"field": "body", "message": "a JSON body is required"}])
        if isinstance(body, str):
            raise Refused(422, "validation_error", errors=[{"field": "body", "message": "the body is not valid JSON"}])
        if not isinstance(body, dict):
            raise Refused(422, "validation_error", errors=[{"field": "body", "message": "a JSON object is required"}])
        if body_model is not None:
            self._refuse_if(models.errors_of(body_model, body))
        elif errors := document.check(doc, schema, body):
            raise Refused(422, "validation_error", errors=errors)

    @staticmethod
    def _refuse_if(refusal: tuple[list[dict], str] | None) -> None:
        if refusal:
            raise Refused(422, "validation_error", refusal[1], errors=refusal[0])

    def check_sms_code(self, phone: Any, purpose: str, code: Any) -> None:
        """The fixed code passes for every phone, asked for or not; another is refused with
        identity's words (no code asked for this phone and purpose, or a wrong one)."""
        if code == SMS_CODE:
            return
        from identity.domain.verification_codes import CheckResult, code_invalid
        asked = any(x["phone"] == phone and x.get("purpose") == purpose for x in self.sms_sent)
        raise code_invalid(CheckResult.WRONG if asked else None)

    def body_of(self, request: web.Request, required: tuple[str, ...]) -> dict:
        b = request[BODY] if isinstance(request[BODY], dict) else {}
        missing = [{"field": k, "message": "Field required"} for k in required if k not in b]
        if missing:
            raise Refused(422, "validation_error", errors=missing)
        return b

    def _auth_any(self, request: web.Request, roles: tuple[str, ...]) -> User:
        user = self._auth(request)
        if roles and not set(roles) & set(user.roles):
            raise Refused(403, "auth.forbidden", f"This needs the role {' or '.join(roles)}.")
        return user

    def end_sessions(self, user_id: str) -> None:
        self._tokens = {t: v for t, v in self._tokens.items() if v[0] != user_id}
        self._refresh = {t: uid for t, uid in self._refresh.items() if uid != user_id}

    def add_document_answers(self, router: web.UrlDispatcher) -> None:
        """Every operation of the document no handler serves answers its documented success
        (with the document's auth and roles), made by examples.py."""
        doc = document.load()
        served = [(route.method, document.matcher(route.resource.canonical)) for route in router.routes()
                  if route.resource is not None]
        for method, template, op in document.operations(doc):
            sample = document.shape(template).replace("{}", "p1")
            if not any(m == method and regex.match(sample) for m, regex in served):
                router.add_route(method, template, self._documented(doc, op))

    def _documented(self, doc: dict, op: dict):
        status = min(int(s) for s in op["responses"] if s.startswith("2"))
        answer = examples.example_answer(doc, op["responses"][str(status)])

        async def handler(request):
            if op.get("security"):
                self._auth_any(request, tuple(op.get("x-roles") or ()))
            if answer is None:
                return web.Response(status=status)
            if not answer[0].endswith("json"):      # a text answer (an event stream): the text itself
                return web.Response(status=status, text=str(answer[1]), content_type=answer[0])
            return web.Response(status=status, text=json.dumps(answer[1], ensure_ascii=False),
                                content_type=answer[0])
        return handler

    # ---- identity ------------------------------------------------------------------
    async def sms_codes(self, request):
        b = request[BODY] or {}
        if not str(b.get("phone", "")).isdigit() or len(str(b.get("phone"))) != 11:
            raise Refused(422, "validation_error", errors=[{"field": "phone", "message": "not a mobile phone number"}])
        self.sms_sent.append({"phone": b["phone"], "purpose": b.get("purpose")})
        return self._json({"expires_in": 300}, 202)

    async def register(self, request):
        from identity.domain.registration import validate_registration

        b = request[BODY] or {}
        # identity's order: the form (every shape error, then the password), the code, then taken names.
        reg = validate_registration(phone=b.get("phone"), username=b.get("username"), password=b.get("password"),
                                    name=b.get("name"), email=b.get("email"), org_code=b.get("org_code"))
        self.check_sms_code(reg.phone, "register", b.get("sms_code"))
        if reg.username in self.users:
            raise Refused(409, "user.username_taken")
        if any(u.phone == reg.phone for u in self.users.values()):
            raise Refused(409, "user.phone_taken")
        user = User(f"u-{uuid.uuid4().hex[:6]}", reg.username, b["password"], reg.name, reg.phone, ["agent"],
                    email=reg.email)
        code = valid_org(reg.org_code or "")
        known = next((e for e in self.directory if e["org_code"] == code), None)
        if known:
            user.enterprises.append(dict(known))
        self.users[user.username] = user
        return self._json(self._public(user), 201)

    async def login(self, request):
        b = request[BODY] or {}
        if "username" in b:
            user = self.users.get(str(b.get("username", "")).lower())
            if not user or user.password != b.get("password"):
                raise Refused(401, "auth.invalid_credentials", "Wrong username or password.")
        else:
            user = next((u for u in self.users.values() if u.phone == b.get("phone")), None)
            if not user or b.get("sms_code") != SMS_CODE:
                raise Refused(401, "auth.invalid_credentials", "Wrong phone number or SMS code.")
        return self._json(self._issue(user))

    async def refresh(self, request):
        token = (request[BODY] or {}).get("refresh_token")
        uid = self._refresh.pop(token, None)
        if uid is None:
            from identity.domain.errors import TokenInvalid
            raise TokenInvalid("The refresh token is not valid; log in again")
        self.refreshes += 1
        return self._json(self._issue(self._user_by_id(uid)))

    async def logout(self, request):
        self._auth(request)
        return web.Response(status=204)

    async def me(self, request):
        return self._json(self._public(self._auth(request)))

    # ---- cards ---------------------------------------------------------------------
    async def my_cards(self, request):
        user = self._auth(request)
        return self._json({"items": [v for uid, v in self.cards.values() if uid == user.id], "next_cursor": None})

    def bind(self, user: User, card_no: str, public_key: str) -> dict:
        """What POST /me/cards does (also for a test to bind a card behind the page's back)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519

        card_no = str(card_no).strip().upper()
        if not re.fullmatch(r"[0-9A-Z]{1,32}", card_no):
            raise Refused(422, "validation_error", errors=[{"field": "card_no", "message": "1-32 letters or digits"}])
        try:
            key = serialization.load_pem_public_key(str(public_key).strip().encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError):
            key = None
        if isinstance(key, ed25519.Ed25519PublicKey):
            algorithm = "Ed25519"
        elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            algorithm = "ECDSA-P256"
        else:
            raise Refused(422, "validation_error", errors=[{"field": "public_key", "message": "not an Ed25519 or P-256 public key"}])
        if card_no in self.cards:
            raise Refused(409, "card.already_bound")
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        view = {"card_no": card_no, "algorithm": algorithm, "fingerprint": hashlib.sha256(der).hexdigest(),
                "public_key": pem, "bound_at": datetime.now(TZ).isoformat()}
        self.cards[card_no] = (user.id, view)
        return view

    async def bind_card(self, request):
        user = self._auth(request)
        b = request[BODY] if isinstance(request[BODY], dict) else {}
        if not b.get("password") and not b.get("sms_code"):   # identity wants a fresh proof
            raise Refused(403, "card.proof_required",
                          "Send your password or an SMS code (purpose bind_card) to bind a card.")
        if b.get("password") and b["password"] != user.password:
            raise Refused(403, "card.proof_invalid", "The password or SMS code is not right.")
        return self._json(self.bind(user, b.get("card_no", ""), b.get("public_key", "")), 201)

    async def unbind_card(self, request):
        user = self._auth(request)
        card_no = request.match_info["card_no"].upper()
        if self.cards.get(card_no, ("",))[0] != user.id:
            raise Refused(404, "not_found")
        del self.cards[card_no]
        return web.Response(status=204)

    # ---- enterprises ---------------------------------------------------------------
    async def directory_search(self, request):
        q = request.query.get("q", "").strip()
        if len(q) < 2:
            raise Refused(422, "validation_error", errors=[{"field": "q", "message": "at least 2 characters"}])
        found = [e for e in self.directory if e["org_code"].startswith(q.upper()) or q in e["name"]]
        return self._json({"items": found[:20], "next_cursor": None})

    async def register_enterprise(self, request):
        self._auth(request)
        b = request[BODY] or {}
        name = str(b.get("name", "")).strip()
        if not name or len(name) > 200:
            raise Refused(422, "validation_error", errors=[{"field": "name", "message": "1 to 200 characters"}])
        code = booking_checks.org_code(str(b.get("code", "")))
        if any(e["org_code"] == code for e in self.directory):
            raise Refused(409, "enterprise.exists")
        self.directory.append({"org_code": code, "name": name})
        return self._json({"org_code": code, "name": name}, 201)

    async def my_enterprises(self, request):
        return self._json({"items": [self._mine_view(e) for e in self._auth(request).enterprises], "next_cursor": None})

    def _mine_view(self, e: dict) -> dict:
        return {"org_code": e["org_code"], "name": e["name"],
                "added_at": e.get("added_at") or f"{self.today.isoformat()}T09:00:00+08:00"}

    async def add_enterprise(self, request):
        user = self._auth(request)
        b = request[BODY] or {}
        if not str(b.get("name", "")).strip():
            raise Refused(422, "validation_error", errors=[{"field": "name", "message": "is required"}])
        code = booking_checks.org_code(str(b.get("code", "")))
        if any(e["org_code"] == code for e in user.enterprises):
            raise Refused(409, "enterprise.already_added")
        ent = {"org_code": code, "name": b["name"].strip(), "added_at": datetime.now(TZ).replace(microsecond=0).isoformat()}
        user.enterprises.append(ent)
        return self._json(ent, 201)

    async def delete_enterprise(self, request):
        user = self._auth(request)
        user.enterprises = [e for e in user.enterprises if e["org_code"] != request.match_info["org_code"]]
        return web.Response(status=204)

    # ---- calendar and bookings -----------------------------------------------------
    async def calendar(self, request):
        if self.calendar_down:
            raise Refused(502, "gateway.upstream_unavailable")
        days = []
        for d in self.days:
            periods = []
            if d["working"]:
                for code, start, end in (("AM", "09:00", "11:30"), ("PM", "13:30", "17:00")):
                    cap = self.capacity.get((d["date"], code), 40)
                    left = cap - self.booked.get((d["date"], code), 0) if d["bookable"] else 0
                    periods.append({"code": code, "start": start, "end": end, "capacity": cap, "remaining": max(0, left)})
            reason = None if d["bookable"] else "not_working_day" if not d["working"] else "beyond_horizon"
            days.append({**d, "source": "official", "not_bookable_reason": reason, "periods": periods})
        return self._json({"center": "qingdao", "timezone": "Asia/Shanghai", "now": datetime.now(TZ).isoformat(),
                           "days": days})

    def _check_booking(self, user: User, b: dict) -> None:
        """The booking service's refusals in its order: the domain's shape, period and line
        checks (booking_checks.py), the date, rights, then capacity."""
        booking_checks.check_new_booking(b, self.center_doc["id"], [p["code"] for p in self.center_doc["periods"]])
        booking_checks.check_bookable(date.fromisoformat(b["date"]), self.today, self.bookable,
                                      self.center_doc["release_working_days"])
        until = self.rights_answer.get("suspended_until")
        if until:
            raise Refused(403, "booking.suspended", suspended_until=until)
        key = (b["date"], b["period"])
        if self.booked.get(key, 0) + len(b["enterprises"]) > self.capacity.get(key, 40):
            raise Refused(409, "booking.capacity_exhausted")

    async def create_booking(self, request):
        user = self._auth(request)
        b = request[BODY] or {}
        key = request.headers.get("Idempotency-Key")
        if key and key in self._idem:
            body, status, answer = self._idem[key]
            if body != json.dumps(b, sort_keys=True):
                raise Refused(422, "idempotency.key_reused")
            return self._json(answer, status)
        if self.next_booking_error:
            status, code = self.next_booking_error
            self.next_booking_error = None
            raise Refused(status, code)
        self._check_booking(user, b)
        names = {e["org_code"]: e["name"] for e in user.enterprises}
        codes = [booking_checks.org_code(e["org_code"]) for e in b["enterprises"]]
        booking = self._booking(user, b["date"], b["period"], "confirmed",
                                [({"org_code": code, "name": names.get(code) or e.get("name") or code}, e["businesses"])
                                 for code, e in zip(codes, b["enterprises"])],
                                sms="pending", contact=(b["contact_name"], b["contact_phone"]))
        k = (b["date"], b["period"])
        self.booked[k] = self.booked.get(k, 0) + len(b["enterprises"])
        answer = self._view(booking)
        if key:
            self._idem[key] = (json.dumps(b, sort_keys=True), 201, answer)
        return self._json(answer, 201)

    def _mine(self, request) -> dict:
        user = self._auth(request)
        b = self.bookings.get(request.match_info["id"])
        if not b or b["_owner"] != user.id:
            raise Refused(404, "booking.not_found", f"you have no booking {request.match_info['id']}")
        return b

    async def list_bookings(self, request):
        user = self._auth(request)
        lo, hi = request.query.get("from") or "0000", request.query.get("to") or "9999"
        status = request.query.get("status")
        items = [self._view(b) for b in self.bookings.values()
                 if b["_owner"] == user.id and lo <= b["date"] <= hi and (not status or b["status"] == status)]
        items.sort(key=lambda b: (b["date"], b["period"]), reverse=True)
        return self._json({"items": items, "next_cursor": None})

    async def get_booking(self, request):
        return self._json(self._view(self._mine(request)))

    def _release(self, b: dict, lines: int) -> None:
        k = (b["date"], b["period"])
        self.booked[k] = max(0, self.booked.get(k, 0) - lines)

    async def cancel_booking(self, request):
        b = self._mine(request)
        if b["status"] == "cancelled":
            raise Refused(409, "booking.not_active")
        if b["status"] != "confirmed":
            raise Refused(409, "booking.cutoff_passed")
        active = [e for e in b["enterprises"] if e["status"] == "active"]
        for e in active:
            e["status"] = "cancelled"
        b["status"] = "cancelled"
        self._release(b, len(active))
        return self._json(self._view(b))

    async def cancel_line(self, request):
        b = self._mine(request)
        line = next((e for e in b["enterprises"] if e["org_code"] == request.match_info["org_code"]), None)
        if line is None:
            raise Refused(404, "booking.line_not_found")
        if b["status"] != "confirmed" or line["status"] != "active":
            raise Refused(409, "booking.not_active")
        line["status"] = "cancelled"
        self._release(b, 1)
        if all(e["status"] == "cancelled" for e in b["enterprises"]):
            b["status"] = "cancelled"
        return self._json(self._view(b))

    async def sms_resend(self, request):
        b = self._mine(request)
        if not b["sms"]["resend_available"]:
            raise Refused(409, "booking.sms_resend_used")
        b["sms"] = {"status": "pending", "resend_available": False}
        return self._json({"booking_id": b["id"], "sms": b["sms"]}, 202)

    async def rights(self, request):
        self._auth(request)
        return self._json(self.rights_answer)

    # ---- desk ----------------------------------------------------------------------
    async def desk_schedule(self, request):
        self._auth_any(request, ("staff", "admin"))
        day = request.query.get("date") or self.today.isoformat()
        items = [self.calling.desk_view(self._view(b)) for b in self.bookings.values()
                 if b["date"] == day and b["allocation"]]
        items.sort(key=lambda b: b["allocation"]["queue_number"])
        return self._json({"center": "qingdao", "date": day, "items": items, "next_cursor": None})

    async def desk_action(self, request):
        self._auth_any(request, ("staff", "admin"))
        b = self.bookings.get(request.match_info["id"])
        action = request.match_info["action"]
        if action not in ("check-in", "complete", "no-show"):
            raise Refused(404, "not_found")
        if not b:
            raise Refused(404, "booking.not_found")
        if action == "check-in":
            if b["date"] != self.today.isoformat():
                raise Refused(409, "booking.wrong_day")
            if b["status"] != "allocated":
                raise Refused(409, "booking.not_active")
            if b["id"] in self.late_ids:
                b["status"] = "no_show"
                raise Refused(409, "booking.late", "Too late to check in: counted as a no-show")
            b["status"] = "checked_in"
        elif action == "complete":
            if b["status"] != "checked_in":
                raise Refused(409, "booking.not_active")
            b["status"] = "completed"
        else:
            if b["status"] != "allocated":
                raise Refused(409, "booking.not_active")
            if b["id"] in self.not_late_yet:
                raise Refused(409, "booking.not_late_yet", "The agent is not late enough yet",
                              late_after=self.not_late_yet[b["id"]])
            b["status"] = "no_show"
        return self._json(self._view(b))

    # ---- the center and the administration console -----------------------------------
    async def center(self, request):
        if request.match_info["center"] != "qingdao":
            raise Refused(404, "center.not_found", f"no center {request.match_info['center']!r}")
        return self._json(self.center_doc)

    def _official(self, d: date) -> tuple[str, bool | None]:
        """(source, official working) of a date: package/admin, or fallback (None)."""
        y = self.years.get(d.year)
        if y is None:
            return "fallback", None
        iso = d.isoformat()
        if iso in y["holidays"]:
            return y["source"], False
        if iso in y["workdays"]:
            return y["source"], True
        return y["source"], d.weekday() < 5

    def _first_unconfirmed(self) -> dict | None:
        for i in range(400):
            d = self.today + timedelta(days=i)
            if d.year not in self.years:
                opens = d - timedelta(days=3)
                return {"date": d.isoformat(), "release_opens_on": opens.isoformat(),
                        "days_until_release": (opens - self.today).days}
        return None

    async def admin_calendar(self, request):
        self._auth(request, "admin")
        month = request.query.get("month") or self.today.isoformat()[:7]
        y, m = map(int, month.split("-"))
        d, days = date(y, m, 1), []
        while d.month == m:
            source, official = self._official(d)
            ov = self.overrides.get(d.isoformat())
            working = ov["working"] if ov else bool(official if official is not None else d.weekday() < 5)
            iso = d.isoformat()
            bookable = iso in self.bookable and working and source != "fallback"
            reason = None if bookable else ("calendar_unconfirmed" if source == "fallback" and not ov
                                            else "not_working_day" if not working else "past" if d <= self.today
                                            else "beyond_horizon")
            days.append({"date": iso, "weekday": d.isoweekday(), "working": working,
                         "source": "override" if ov else source, "official_working": official,
                         "confirmed": source != "fallback", "override": ov, "bookable": bookable,
                         "not_bookable_reason": reason,
                         "cutoff_at": f"{(d - timedelta(days=1)).isoformat()}T15:00:00+08:00" if working else None,
                         "cutoff_status": self.cutoff_status.get(iso, "allocated" if d <= self.today else "open")})
            d += timedelta(days=1)
        return self._json({"center": "qingdao", "month": month,
                           "year_source": (self.years.get(y) or {}).get("source"),
                           "first_unconfirmed": self._first_unconfirmed(), "days": days})

    def _year_view(self, year: int) -> dict:
        y = self.years.get(year)
        return {"year": year, "source": y["source"] if y else None, "holidays": y["holidays"] if y else [],
                "workdays": y["workdays"] if y else [], "package_knows": year == self.today.year,
                "loaded_by": "u-admin" if y and y["source"] == "admin" else None,
                "loaded_at": y.get("loaded_at") if y else None, "note": y.get("note") if y else None}

    async def get_year(self, request):
        self._auth(request, "admin")
        return self._json(self._year_view(int(request.match_info["year"])))

    async def put_year(self, request):
        self._auth(request, "admin")
        year = int(request.match_info["year"])
        b = request[BODY] or {}
        hol, work = sorted(set(b.get("holidays") or [])), sorted(set(b.get("workdays") or []))
        outside = [x for x in hol + work if not x.startswith(f"{year}-")]
        if outside:
            raise Refused(422, "calendar.date_outside_year", dates=outside)
        both = sorted(set(hol) & set(work))
        if both:
            raise Refused(422, "calendar.date_in_both_lists", dates=both)
        self.years[year] = {"source": "admin", "holidays": hol, "workdays": work,
                            "loaded_at": datetime.now(TZ).replace(microsecond=0).isoformat(), "note": b.get("note")}
        return self._json(self._year_view(year))

    async def delete_year(self, request):
        self._auth(request, "admin")
        year = int(request.match_info["year"])
        if self.years.get(year, {}).get("source") == "admin":
            del self.years[year]
        return web.Response(status=204)

    async def put_override(self, request):
        self._auth(request, "admin")
        b = request[BODY] or {}
        if not isinstance(b.get("working"), bool):
            raise Refused(422, "validation_error", errors=[{"field": "working", "message": "a boolean"}])
        iso = request.match_info["date"]
        self.overrides[iso] = {"working": b["working"], "note": b.get("note", ""), "set_by": "u-admin",
                               "set_at": datetime.now(TZ).replace(microsecond=0).isoformat()}
        return self._json({"center": "qingdao", "date": iso, "working": b["working"], "source": "override",
                           "note": b.get("note", "")})

    async def delete_override(self, request):
        self._auth(request, "admin")
        self.overrides.pop(request.match_info["date"], None)
        return web.Response(status=204)

    def _period_view(self, iso: str, code: str, start: str, end: str) -> dict:
        cap = self.capacity.get((iso, code), 40)
        booked = self.booked.get((iso, code), 0)
        return {"code": code, "start": start, "end": end, "capacity": cap, "booked": booked,
                "remaining": max(0, cap - booked)}

    async def get_capacity(self, request):
        self._auth(request, "admin")
        lo = date.fromisoformat(request.query.get("from") or self.today.isoformat())
        hi = date.fromisoformat(request.query.get("to") or (lo + timedelta(days=14)).isoformat())
        days, d = [], lo
        while d <= hi:
            working = d.weekday() < 5
            days.append({"date": d.isoformat(), "working": working, "periods": [
                self._period_view(d.isoformat(), c, a, b) for c, a, b in (("AM", "09:00", "11:30"), ("PM", "13:30", "17:00"))
            ] if working else []})
            d += timedelta(days=1)
        return self._json({"center": "qingdao", "days": days})

    async def put_capacity(self, request):
        self._auth(request, "admin")
        b = request[BODY] or {}
        key = (b.get("date"), b.get("period"))
        booked = self.booked.get(key, 0)
        if not isinstance(b.get("capacity"), int) or b["capacity"] < 0:
            raise Refused(422, "validation_error", errors=[{"field": "capacity", "message": "an integer >= 0"}])
        if b["capacity"] < booked:
            raise Refused(409, "capacity.below_booked", booked=booked)
        self.capacity[key] = b["capacity"]
        return self._json({"center": "qingdao", "date": key[0], "period": key[1], "capacity": b["capacity"],
                           "booked": booked, "remaining": b["capacity"] - booked})

    def _cutoff(self, iso: str, *, runs: bool) -> dict:
        d = date.fromisoformat(iso)
        status = self.cutoff_status.get(iso, "allocated" if d <= self.today else "open")
        view = {"center": "qingdao", "date": iso, "status": status,
                "bookings": sum(1 for b in self.bookings.values() if b["date"] == iso and b["status"] != "cancelled"),
                "cutoff_at": f"{(d - timedelta(days=1)).isoformat()}T15:00:00+08:00",
                "closed_at": f"{(d - timedelta(days=1)).isoformat()}T15:00:05+08:00" if status != "open" else None,
                "closed_by": None, "allocated_at": f"{(d - timedelta(days=1)).isoformat()}T15:00:09+08:00"
                if status == "allocated" else None, "cutoff_id": None, "requested_at": None,
                "requests": len(self.cutoff_runs.get(iso, [])), "snapshot_bookings": None}
        if runs:
            view["runs"] = self.cutoff_runs.get(iso, [])
        return view

    async def list_cutoffs(self, request):
        self._auth(request, "admin")
        lo = date.fromisoformat(request.query.get("from") or (self.today - timedelta(days=7)).isoformat())
        hi = date.fromisoformat(request.query.get("to") or (self.today + timedelta(days=7)).isoformat())
        items, d = [], lo
        while d <= hi:
            if d.weekday() < 5:
                items.append(self._cutoff(d.isoformat(), runs=False))
            d += timedelta(days=1)
        return self._json({"center": "qingdao", "items": items})

    async def get_cutoff(self, request):
        self._auth(request, "admin")
        return self._json(self._cutoff(request.match_info["date"], runs=True))

    async def run_cutoff(self, request):
        admin = self._auth(request, "admin")
        b = request[BODY] or {}
        iso = b.get("date")
        rerun = self._cutoff(iso, runs=False)["status"] != "open"
        self.cutoff_runs.setdefault(iso, []).append({"at": datetime.now(TZ).replace(microsecond=0).isoformat(),
                                                     "by": admin.id, "reason": b.get("reason"), "rerun": rerun})
        self.cutoff_status[iso] = "closed"
        return self._json(self._cutoff(iso, runs=True), 202)

    async def stats(self, request):
        self._auth(request, "admin")
        iso = request.match_info["date"]
        day = [b for b in self.bookings.values() if b["date"] == iso]
        statuses = {k: sum(1 for b in day if b["status"] == k)
                    for k in ("confirmed", "allocated", "checked_in", "completed", "no_show", "cancelled")}
        types: dict[str, dict] = {}
        periods = []
        for code in ("AM", "PM"):
            mine = [b for b in day if b["period"] == code and b["status"] != "cancelled"]
            lines = [e for b in mine for e in b["enterprises"] if e["status"] == "active"]
            per: dict[str, dict] = {}
            for e in lines:
                for x in e["businesses"]:
                    for agg in (per, types):
                        t = agg.setdefault(x["type"], {"type": x["type"], "enterprises": 0, "cards": 0})
                        t["enterprises"] += 1
                        t["cards"] += x.get("count") or 0
            cap = self.capacity.get((iso, code), 40)
            periods.append({"code": code, "capacity": cap, "booked": len(lines), "remaining": cap - len(lines),
                            "bookings": len(mine), "enterprise_lines": len(lines), "business_types": list(per.values())})
        active = [b for b in day if b["status"] != "cancelled"]
        return self._json({"center": "qingdao", "date": iso, "periods": periods, "statuses": statuses,
                           "business_types": list(types.values()), "calling": self.calling.day_stats(iso),
                           "totals": {"bookings": len(active),
                                      "enterprise_lines": sum(p["enterprise_lines"] for p in periods),
                                      "cards": sum(t["cards"] for t in types.values()),
                                      "cancelled_bookings": statuses["cancelled"],
                                      "cancelled_lines": sum(1 for b in day for e in b["enterprises"]
                                                             if e["status"] == "cancelled"),
                                      "no_shows": statuses["no_show"]}})

    async def search_agents(self, request):
        self._auth(request, "admin")
        q = request.query.get("q", "").strip().lower()
        if len(q) < 2:
            raise Refused(422, "validation_error", errors=[{"field": "q", "message": "2 to 50 characters"}])
        a = self.suspended
        found = [a] if a["username"].startswith(q) or a["phone"].endswith(q) else []
        return self._json({"items": [{**a, "phone": a["phone"][:3] + "****" + a["phone"][7:]} for a in found],
                           "next_cursor": None})

    async def agent_rights(self, request):
        self._auth(request, "admin")
        a = self.suspended
        if request.match_info["id"] != a["id"]:
            raise Refused(404, "agent.not_found")
        return self._json({"suspended_until": a["suspended_until"], "reason": a["reason"], "no_shows": a["no_shows"],
                           "cancellations": a["cancellations"], "agent_id": a["id"], "audit": self.audit,
                           "agent": {k: a[k] for k in ("id", "username", "name", "registered_at")}
                           | {"phone": a["phone"][:3] + "****" + a["phone"][7:]}})

    async def lift(self, request):
        admin = self._auth(request, "admin")
        b = request[BODY] if isinstance(request[BODY], dict) else {}
        if not str(b.get("reason", "")).strip():
            raise Refused(422, "validation_error", errors=[{"field": "reason", "message": "a reason is required"}])
        a = self.suspended
        before = {k: a[k] for k in ("no_shows", "cancellations", "suspended_until", "reason")}
        a["suspended_until"], a["reason"] = None, None
        self.lifted.append((request.match_info["id"], b["reason"]))
        self.audit.append({"at": datetime.now(TZ).replace(microsecond=0).isoformat(), "change": "lifted",
                           "actor": admin.id, "note": b["reason"], "request_id": None, "before": before,
                           "after": {k: a[k] for k in ("no_shows", "cancellations", "suspended_until", "reason")}})
        return web.Response(status=204)

    async def notifications(self, request):
        self._auth_any(request, ("staff", "admin"))
        phone = request.query.get("phone")
        now = datetime.now(TZ).replace(microsecond=0)
        items = [{"id": f"n-{i}", "ref": f"n-{i}", "booking_id": b["id"], "phone": b["contact_phone"],
                  "kind": "booking.allocated" if b["allocation"] else "booking.confirmed", "event_type": "x",
                  "resend": False, "text": f"【制卡中心】{b['contact_name']}，您已成功预约。",
                  "status": b["sms"]["status"], "attempt_count": 2 if b["sms"]["status"] == "failed" else 1,
                  "attempts": [{"attempt": 1, "provider": "http", "sender": "notifier-1", "started_at": now.isoformat(),
                                "finished_at": now.isoformat(),
                                "outcome": "failed" if b["sms"]["status"] == "failed" else "delivered",
                                "status_code": 400 if b["sms"]["status"] == "failed" else 200, "reason": None}],
                  "provider": "http", "provider_id": None,
                  "last_error": "HTTP 400" if b["sms"]["status"] == "failed" else None, "next_attempt_at": None,
                  "created_at": now.isoformat(), "delivered_at": None, "failed_at": None}
                 for i, b in enumerate(self.bookings.values()) if not phone or b["contact_phone"] == phone]
        return self._json({"items": items, "next_cursor": None})
