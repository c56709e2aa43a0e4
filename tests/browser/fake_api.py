"""A stand-in for the gateway while the services are being built: the static web client
plus the API routes its screens call, answering canned JSON shaped as api.md says, with
problem+json errors and X-Request-ID on every answer. In-memory and deterministic; a test
steers it through attributes (``next_booking_error``, ``late_ids``) and reads what the
client sent from ``requests``.

Not a model of the services: just enough behaviour (validation, capacity, cancel, resend,
desk transitions) that the screens can be walked end to end.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

TZ = ZoneInfo("Asia/Shanghai")
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


def _problem(status: int, code: str, title: str = "", rid: str = "", **extra: Any) -> web.Response:
    body = {"type": "about:blank", "title": title or code, "status": status, "code": code,
            "detail": title or code, "request_id": rid, **extra}
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False),
                        content_type="application/problem+json")


class Refused(Exception):
    def __init__(self, status: int, code: str, title: str = "", **extra: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.title, self.extra = status, code, title, extra


class FakeCardCenter:
    def __init__(self, static_root: Path, today: date | None = None) -> None:
        self.static_root = static_root
        self.today = today or datetime.now(TZ).date()
        self.requests: list[dict] = []
        self.refreshes = 0
        self.expire_next_token = True       # the first access token issued answers 401 token_expired
        self.next_booking_error: tuple[int, str] | None = None
        self.late_ids: set[str] = set()
        self.rights_answer = {"suspended_until": None, "reason": None, "no_shows": 1, "cancellations": 2}
        self.calendar_down = False          # answer GET /calendar as nginx does when booking is down
        self.sms_sent: list[dict] = []
        self.cards: dict[str, tuple[str, dict]] = {}     # card number -> (user id, GET /me/cards item)
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
        self.users = {u.username: u for u in (self.agent, self.staff)}
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
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self._tokens:
            raise Refused(401, "auth.invalid_token", "The access token is not valid.")
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
            rid = request.headers.get("X-Request-ID") or f"fake-{uuid.uuid4().hex[:12]}"
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
                resp = await handler(request)
            except Refused as r:
                resp = _problem(r.status, r.code, r.title, rid, **r.extra)
            resp.headers["X-Request-ID"] = rid
            resp.headers["Cache-Control"] = "no-store"
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
        return app

    @staticmethod
    def _view(b: dict) -> dict:
        return {k: v for k, v in b.items() if not k.startswith("_")}

    def _json(self, data: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, text=json.dumps(data, ensure_ascii=False), content_type="application/json")

    # ---- identity ------------------------------------------------------------------
    async def sms_codes(self, request):
        b = request[BODY] or {}
        if not str(b.get("phone", "")).isdigit() or len(str(b.get("phone"))) != 11:
            raise Refused(422, "validation_error", errors=[{"field": "phone", "message": "not a mobile phone number"}])
        self.sms_sent.append({"phone": b["phone"], "purpose": b.get("purpose")})
        return self._json({"expires_in": 300}, 202)

    async def register(self, request):
        b = request[BODY] or {}
        if b.get("sms_code") != SMS_CODE:
            raise Refused(422, "sms.code_invalid", "The SMS code is not valid")
        if b.get("username", "").lower() in self.users:
            raise Refused(409, "user.username_taken")
        user = User(f"u-{uuid.uuid4().hex[:6]}", b["username"].lower(), b["password"], b["name"], b["phone"], ["agent"],
                    email=b.get("email"))
        code = valid_org(b.get("org_code") or "")
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
                raise Refused(401, "auth.invalid_credentials", "Wrong phone or code.")
        return self._json(self._issue(user))

    async def refresh(self, request):
        token = (request[BODY] or {}).get("refresh_token")
        uid = self._refresh.pop(token, None)
        if uid is None:
            raise Refused(401, "auth.invalid_token", "The refresh token is not valid; log in again")
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
            raise Refused(409, "card.already_bound", "This card is already bound.")
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
            raise Refused(403, "card.proof_required", "Send your password or an SMS code to bind a card.")
        if b.get("password") and b["password"] != user.password:
            raise Refused(403, "card.proof_invalid", "The password or SMS code is not right.")
        return self._json(self.bind(user, b.get("card_no", ""), b.get("public_key", "")), 201)

    async def unbind_card(self, request):
        user = self._auth(request)
        card_no = request.match_info["card_no"].upper()
        if self.cards.get(card_no, ("",))[0] != user.id:
            raise Refused(404, "not_found", "No such card is bound to you.")
        del self.cards[card_no]
        return web.Response(status=204)

    # ---- enterprises ---------------------------------------------------------------
    async def directory_search(self, request):
        q = request.query.get("q", "").strip()
        if len(q) < 2:
            raise Refused(422, "validation_error", errors=[{"field": "q", "message": "at least 2 characters"}])
        found = [e for e in self.directory if e["org_code"].startswith(q.upper()) or q in e["name"]]
        return self._json({"items": found[:20], "next_cursor": None})

    async def my_enterprises(self, request):
        return self._json({"items": self._auth(request).enterprises, "next_cursor": None})

    async def add_enterprise(self, request):
        user = self._auth(request)
        b = request[BODY] or {}
        if not str(b.get("name", "")).strip():
            raise Refused(422, "validation_error", errors=[{"field": "name", "message": "is required"}])
        code = valid_org(str(b.get("code", "")))
        if code is None:
            raise Refused(422, "enterprise.code_invalid", "Not a valid organisation code or unified social credit code")
        if any(e["org_code"] == code for e in user.enterprises):
            raise Refused(409, "enterprise.already_added")
        ent = {"org_code": code, "name": b["name"].strip()}
        user.enterprises.append(ent)
        return self._json(ent, 201)

    async def delete_enterprise(self, request):
        user = self._auth(request)
        user.enterprises = [e for e in user.enterprises if e["org_code"] != request.match_info["org_code"]]
        return web.Response(status=204)

    # ---- calendar and bookings -----------------------------------------------------
    async def calendar(self, request):
        if self.calendar_down:
            raise Refused(502, "gateway.upstream_unavailable", "Upstream service unavailable")
        days = []
        for d in self.days:
            periods = []
            if d["working"]:
                for code, start, end in (("AM", "09:00", "11:30"), ("PM", "13:30", "17:00")):
                    cap = self.capacity.get((d["date"], code), 40)
                    left = cap - self.booked.get((d["date"], code), 0) if d["bookable"] else 0
                    periods.append({"code": code, "start": start, "end": end, "capacity": cap, "remaining": max(0, left)})
            days.append({**d, "periods": periods})
        return self._json({"center": "qingdao", "now": datetime.now(TZ).isoformat(), "days": days})

    def _check_booking(self, user: User, b: dict) -> None:
        errors = []
        for key in ("date", "period", "contact_name", "contact_phone"):
            if not b.get(key):
                errors.append({"field": key, "message": "is required"})
        ents = b.get("enterprises")
        if not isinstance(ents, list) or not 1 <= len(ents) <= 10:
            errors.append({"field": "enterprises", "message": "1 to 10 enterprises"})
            ents = []
        if len({e.get("org_code") for e in ents}) != len(ents):
            errors.append({"field": "enterprises", "message": "the same enterprise twice"})
        for i, e in enumerate(ents):
            for j, x in enumerate(e.get("businesses") or []):
                kind = next((t for t in BUSINESS_TYPES if t["code"] == x.get("type")), None)
                if kind is None:
                    errors.append({"field": f"enterprises[{i}].businesses[{j}].type", "message": "unknown type"})
                elif "count" in x and not kind["needs_count"] and kind["code"] != "BUY_READER":
                    errors.append({"field": f"enterprises[{i}].businesses[{j}].count", "message": "takes no count"})
        if errors:
            raise Refused(422, "validation_error", "The request is not valid", errors=errors)
        for e in ents:
            types = [x["type"] for x in e["businesses"]]
            if any(other in _excludes(t) for t in types for other in types):
                raise Refused(422, "booking.business_conflict")
            if any(t["needs_count"] and not x.get("count") for x in e["businesses"]
                   for t in BUSINESS_TYPES if t["code"] == x["type"]):
                raise Refused(422, "booking.count_required")
        if b["date"] not in self.bookable:
            raise Refused(422, "booking.date_not_bookable")
        if b["period"] not in ("AM", "PM"):
            raise Refused(422, "booking.period_unknown")
        key = (b["date"], b["period"])
        if self.booked.get(key, 0) + len(ents) > self.capacity.get(key, 40):
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
        until = self.rights_answer.get("suspended_until")
        if until:
            raise Refused(403, "booking.suspended", "Booking rights are suspended", suspended_until=until)
        self._check_booking(user, b)
        names = {e["org_code"]: e["name"] for e in user.enterprises}
        booking = self._booking(user, b["date"], b["period"], "confirmed",
                                [({"org_code": e["org_code"], "name": names.get(e["org_code"], e["org_code"])}, e["businesses"])
                                 for e in b["enterprises"]],
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
            raise Refused(404, "booking.not_found")
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
        return self._json({"status": "accepted"}, 202)

    async def rights(self, request):
        self._auth(request)
        return self._json(self.rights_answer)

    # ---- desk ----------------------------------------------------------------------
    async def desk_schedule(self, request):
        self._auth(request, "staff")
        day = request.query.get("date") or self.today.isoformat()
        items = [self._view(b) for b in self.bookings.values() if b["date"] == day and b["allocation"]]
        items.sort(key=lambda b: b["allocation"]["queue_number"])
        return self._json({"items": items, "next_cursor": None})

    async def desk_action(self, request):
        self._auth(request, "staff")
        b = self.bookings.get(request.match_info["id"])
        action = request.match_info["action"]
        if not b or action not in ("check-in", "complete", "no-show"):
            raise Refused(404, "not_found")
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
            b["status"] = "no_show"
        return self._json(self._view(b))
