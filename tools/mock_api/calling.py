"""叫号 in the fake API (issue 18): shifts, call/recall/skip, display tokens, the board, the
agent's place, and both streams as Server-Sent Events, shaped as /work/notes' calling
contract and api.md say. Registered by fake.py (``install``); state in memory, like the rest.

Just enough queue rules for the pages: a desk calls its own checked-in bookings in (period,
number) order, then the oldest waiting of other desks; a skipped number goes behind the next
two. A test steers it through the object (``drop_streams()`` ends every open stream, as a
restart of booking does) and reads ``calls``.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

PERIODS = {"AM": 0, "PM": 1}
RECENT = 10


def _now() -> datetime:
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)


class FakeCalling:
    def __init__(self, fake: Any, refused: type[Exception], body_key: Any, *, heartbeat_s: float = 15.0) -> None:
        self.fake = fake
        self._refused = refused          # fake.py's Refused: its middleware answers problem+json
        self._body = body_key
        self.heartbeat_s = heartbeat_s
        self.shifts: dict[str, dict] = {}            # clerk id -> shift
        self.open: dict[int, dict] = {}              # desk -> open CallView
        self.calls: list[dict] = []                  # every call/recall/skip, with seq
        self.order: dict[str, float] = {}            # booking id -> its requeued sort key (after a skip)
        self.served: set[str] = set()                # booking ids called and not skipped back
        self.tokens: dict[str, dict] = {}            # sha256(token) -> token record
        self.display_streams: set[asyncio.Queue] = set()
        self.place_streams: set[asyncio.Queue] = set()
        self.stream_opens: list[str] = []            # "display" / "place", one per stream opened
        self.refuse_streams = 0                      # the next N display streams answer 502
        self._seq = itertools.count(1)

    # ---- routes --------------------------------------------------------------------
    def install(self, app: web.Application, static_root) -> None:
        r, api = app.router, "/api/v1"

        async def display_html(_):
            return web.FileResponse(static_root / "display.html")

        async def display_css(_):
            return web.FileResponse(static_root / "display.css")

        r.add_get("/display.html", display_html)
        r.add_get("/display.css", display_css)
        r.add_post(f"{api}/desk/shift", self.take_shift)
        r.add_get(f"{api}/desk/shift", self.get_shift)
        r.add_delete(f"{api}/desk/shift", self.end_shift)
        r.add_post(f"{api}/desk/call", self.call)
        r.add_post(f"{api}/desk/recall", self.recall)
        r.add_post(f"{api}/desk/skip", self.skip)
        r.add_post(f"{api}/display-tokens", self.create_token)
        r.add_get(f"{api}/display-tokens", self.list_tokens)
        r.add_delete(f"{api}/display-tokens/{{id}}", self.revoke_token)
        r.add_get(f"{api}/display/board", self.board_route)
        r.add_get(f"{api}/display/stream", self.display_stream)
        r.add_get(f"{api}/bookings/{{id}}/place", self.place_route)
        r.add_get(f"{api}/bookings/{{id}}/place/stream", self.place_stream)

    # ---- the queue -------------------------------------------------------------------
    def _today(self) -> list[dict]:
        iso = self.fake.today.isoformat()
        return [b for b in self.fake.bookings.values() if b["date"] == iso and b["allocation"]]

    def _key(self, b: dict) -> float:
        if b["id"] in self.order:
            return self.order[b["id"]]
        digits = "".join(ch for ch in b["allocation"]["queue_number"] if ch.isdigit()) or "0"
        return PERIODS.get(b["period"], 9) * 100_000 + int(digits)

    def _open_ids(self) -> set[str]:
        # A call is open until its booking is completed (the existing desk route) or skipped.
        for desk, c in list(self.open.items()):
            b = self.fake.bookings.get(c["booking_id"])
            if not b or b["status"] != "checked_in":
                del self.open[desk]
        return {c["booking_id"] for c in self.open.values()}

    def waiting(self, desk: int | None = None) -> list[dict]:
        """Checked-in, not called (or skipped back), in queue order; of one desk or all."""
        busy = self._open_ids()
        out = [b for b in self._today() if b["status"] == "checked_in" and b["id"] not in busy
               and b["id"] not in self.served and (desk is None or b["allocation"]["desk"] == desk)]
        return sorted(out, key=self._key)

    def _desks(self) -> int:
        return int(self.fake.center_doc.get("desks") or 4)

    def _record(self, b: dict, desk: int, kind: str, clerk: str) -> dict:
        seq = next(self._seq)
        view = {"id": f"call-{seq}", "booking_id": b["id"], "center": "qingdao", "date": self.fake.today.isoformat(),
                "desk": desk, "queue_number": b["allocation"]["queue_number"], "period": b["period"], "kind": kind,
                "called_at": _now().isoformat()}
        self.calls.append({**view, "seq": seq, "clerk_id": clerk})
        if kind != "skip":   # the desk schedule's DeskBookingView members
            b["called_at"], b["called_desk"] = view["called_at"], desk
        event = {"seq": seq, "desk": desk, "queue_number": view["queue_number"], "kind": kind,
                 "called_at": view["called_at"]}
        for q in list(self.display_streams):
            q.put_nowait(("call", event, seq))
        for q in list(self.place_streams):
            q.put_nowait(("place", None, None))
        return view

    # ---- desk ----------------------------------------------------------------------
    def _shift(self, request) -> tuple[Any, dict]:
        clerk = self.fake._auth(request, "staff")
        shift = self.shifts.get(clerk.id)
        if not shift:
            raise self._refused(409, "desk.no_shift", "Take a desk for the shift first.")
        return clerk, shift

    def _json_body(self, request) -> dict:
        body = request.get(self._body)
        return body if isinstance(body, dict) else {}

    def _shift_view(self, shift: dict) -> dict:
        self._open_ids()
        return {**shift, "current": self.open.get(shift["desk"])}

    async def take_shift(self, request):
        clerk = self.fake._auth(request, "staff")
        b = self._json_body(request)
        desk = b.get("desk")
        if not isinstance(desk, int) or isinstance(desk, bool) or not 1 <= desk <= self._desks():
            raise self._refused(422, "validation_error", "desk is 1..desks",
                                errors=[{"field": "desk", "message": f"an integer 1..{self._desks()}"}])
        for other, s in list(self.shifts.items()):
            if s["desk"] == desk and other != clerk.id:
                del self.shifts[other]       # the fake lets the newcomer take it over
        self.shifts[clerk.id] = {"center": "qingdao", "date": self.fake.today.isoformat(), "desk": desk,
                                 "clerk_id": clerk.id, "started_at": _now().isoformat()}
        return self.fake._json(self._shift_view(self.shifts[clerk.id]))

    async def get_shift(self, request):
        clerk = self.fake._auth(request, "staff")
        shift = self.shifts.get(clerk.id)
        if not shift:
            raise self._refused(404, "desk.no_shift", "No shift taken.")
        return self.fake._json(self._shift_view(shift))

    async def end_shift(self, request):
        clerk = self.fake._auth(request, "staff")
        self.shifts.pop(clerk.id, None)
        return web.Response(status=204)

    async def call(self, request):
        clerk, shift = self._shift(request)
        desk = shift["desk"]
        self._open_ids()
        if desk in self.open:
            raise self._refused(409, "desk.call_open", "Complete or skip the current number first.")
        mine = self.waiting(desk)
        if not mine:
            others = self.waiting()
            mine = sorted(others, key=lambda b: b.get("_checked_in_at", ""))
        if not mine:
            raise self._refused(409, "desk.queue_empty", "Nobody is waiting.")
        b = mine[0]
        view = self._record(b, desk, "call", clerk.id)
        self.open[desk] = view
        self.served.add(b["id"])
        return self.fake._json(view)

    async def recall(self, request):
        clerk, shift = self._shift(request)
        self._open_ids()
        current = self.open.get(shift["desk"])
        if not current:
            raise self._refused(409, "desk.no_call", "No number is called at this desk.")
        view = self._record(self.fake.bookings[current["booking_id"]], shift["desk"], "recall", clerk.id)
        return self.fake._json(view)

    async def skip(self, request):
        clerk, shift = self._shift(request)
        self._open_ids()
        current = self.open.pop(shift["desk"], None)
        if not current:
            raise self._refused(409, "desk.no_call", "No number is called at this desk.")
        b = self.fake.bookings[current["booking_id"]]
        self.served.discard(b["id"])
        ahead = self.waiting(shift["desk"])
        ahead = [x for x in ahead if x["id"] != b["id"]]
        anchor = ahead[min(1, len(ahead) - 1)] if ahead else None
        if anchor is not None:
            after = [self._key(x) for x in ahead if self._key(x) > self._key(anchor)]
            self.order[b["id"]] = (self._key(anchor) + min(after)) / 2 if after else self._key(anchor) + 1
        return self.fake._json(self._record(b, shift["desk"], "skip", clerk.id))

    # ---- display tokens and the board --------------------------------------------------
    async def create_token(self, request):
        clerk = self.fake._auth(request, "staff")
        b = self._json_body(request)
        name = str(b.get("name", "")).strip()
        if not 1 <= len(name) <= 50:
            raise self._refused(422, "validation_error", "name is 1..50 characters",
                                errors=[{"field": "name", "message": "1 to 50 characters"}])
        return self.fake._json(self.issue_token(name, clerk.id), 201)

    def issue_token(self, name: str, by: str = "u-staff") -> dict:
        """A display token (also for a test to open the display without the desk page)."""
        token = secrets.token_urlsafe(32)
        now = _now()
        rec = {"id": str(uuid.uuid4()), "center": "qingdao", "name": name, "created_at": now.isoformat(),
               "expires_at": (now + timedelta(days=30)).isoformat(), "_by": by, "_revoked": False}
        self.tokens[hashlib.sha256(token.encode()).hexdigest()] = rec
        return {**_public(rec), "token": token}

    async def list_tokens(self, request):
        self.fake._auth(request, "staff")
        return self.fake._json({"items": [_public(t) for t in self.tokens.values() if not t["_revoked"]],
                                "next_cursor": None})

    async def revoke_token(self, request):
        self.fake._auth(request, "staff")
        rec = next((t for t in self.tokens.values() if t["id"] == request.match_info["id"]), None)
        if rec is None:
            raise self._refused(404, "display_token.not_found")
        rec["_revoked"] = True
        for q in list(self.display_streams):
            q.put_nowait(("close", rec["id"], None))
        return web.Response(status=204)

    def _display(self, request) -> dict:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = value if scheme == "Display" else request.query.get("token", "")
        rec = self.tokens.get(hashlib.sha256(token.encode()).hexdigest())
        if rec is None or rec["_revoked"]:
            raise self._refused(401, "display.invalid_token", "The display token is not valid.")
        return rec

    def board(self) -> dict:
        self._open_ids()
        waiting = self.waiting()
        periods = sorted({b["period"] for b in self._today()} | {"AM", "PM"}, key=lambda p: PERIODS.get(p, 9))
        recent = [{"desk": c["desk"], "queue_number": c["queue_number"], "kind": c["kind"], "called_at": c["called_at"]}
                  for c in reversed(self.calls) if c["kind"] != "skip"][:RECENT]
        return {"center": "qingdao", "date": self.fake.today.isoformat(), "now": _now().isoformat(),
                "desks": [{"desk": d, "queue_number": self.open[d]["queue_number"] if d in self.open else None,
                           "called_at": self.open[d]["called_at"] if d in self.open else None}
                          for d in range(1, self._desks() + 1)],
                "recent": recent,
                "waiting": [{"period": p, "waiting": sum(1 for b in waiting if b["period"] == p)} for p in periods],
                "last_event_id": self.calls[-1]["seq"] if self.calls else 0}

    async def board_route(self, request):
        self._display(request)
        return self.fake._json(self.board())

    # ---- what other answers gain (for fake.py's desk schedule and day statistics) ------------
    @staticmethod
    def desk_view(view: dict) -> dict:
        """A desk schedule item (DeskBookingView): the booking plus called_at / called_desk."""
        return {**view, "called_at": view.get("called_at"), "called_desk": view.get("called_desk")}

    def day_stats(self, iso: str) -> dict:
        """The day statistics' "calling" member: calls, completed and skipped per desk (the fake
        keeps no timings: the averages are null)."""
        desks: dict[int, dict] = {}
        for c in self.calls:
            if c["date"] != iso:
                continue
            d = desks.setdefault(c["desk"], {"desk": c["desk"], "calls": 0, "completed": 0, "skipped": 0,
                                             "waiting_seconds_avg": None, "waiting_seconds_p90": None,
                                             "service_seconds_avg": None, "_done": set()})
            if c["kind"] == "call":
                d["calls"] += 1
            elif c["kind"] == "skip":
                d["skipped"] += 1
            b = self.fake.bookings.get(c["booking_id"])
            if c["kind"] != "skip" and b and b["status"] == "completed":
                d["_done"].add(b["id"])
        return {"desks": [{**{k: v for k, v in d.items() if k != "_done"}, "completed": len(d["_done"])}
                          for _, d in sorted(desks.items())]}

    # ---- the agent's place -------------------------------------------------------------
    def place(self, b: dict) -> dict:
        self._open_ids()
        a = b.get("allocation") or {}
        desk = a.get("desk")
        today = b["date"] == self.fake.today.isoformat()
        calling_desk = next((d for d, c in self.open.items() if c["booking_id"] == b["id"]), None)
        called = calling_desk is not None
        ahead = None
        if today and b["status"] == "checked_in" and not called and desk is not None:
            ahead = sum(1 for x in self.waiting(desk) if self._key(x) < self._key(b))
        elif called:
            ahead = 0
        now = self.open.get(desk) if today and desk is not None else None
        return {"booking_id": b["id"], "date": b["date"], "desk": desk, "queue_number": a.get("queue_number"),
                "status": b["status"], "now_serving": now["queue_number"] if now else None, "ahead": ahead,
                "called": called, "called_desk": calling_desk}

    def _booking_of(self, request) -> dict:
        user = self.fake._auth(request)
        b = self.fake.bookings.get(request.match_info["id"])
        if not b or (b["_owner"] != user.id and not {"staff", "admin"} & set(user.roles)):
            raise self._refused(404, "booking.not_found")
        return b

    async def place_route(self, request):
        return self.fake._json(self.place(self._booking_of(request)))

    # ---- streams -------------------------------------------------------------------------
    def drop_streams(self) -> None:
        """End every open stream (what a restart of booking does to its clients)."""
        for q in list(self.display_streams | self.place_streams):
            q.put_nowait(("drop", None, None))

    async def _sse(self, request, queue: asyncio.Queue, first: list[tuple[str, Any, int | None]], on_item) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",
                                           "Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        await resp.prepare(request)
        await resp.write(b"retry: 1000\n\n")
        try:
            for event, data, seq in first:
                await resp.write(_frame(event, data, seq))
            while True:
                try:
                    kind, data, seq = await asyncio.wait_for(queue.get(), self.heartbeat_s)
                except asyncio.TimeoutError:
                    await resp.write(b": hb\n\n")
                    continue
                if kind == "drop":
                    break
                out = on_item(kind, data, seq)
                if out is False:
                    break
                if out is not None:
                    await resp.write(_frame(*out))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return resp

    async def display_stream(self, request):
        rec = self._display(request)
        if self.refuse_streams > 0:      # what nginx answers while booking restarts
            self.refuse_streams -= 1
            raise self._refused(502, "gateway.upstream_unavailable", "Upstream service unavailable")
        self.stream_opens.append("display")
        queue: asyncio.Queue = asyncio.Queue()
        self.display_streams.add(queue)
        last = request.headers.get("Last-Event-ID", "")
        known = {c["seq"] for c in self.calls}
        if last.isdigit() and (int(last) in known or int(last) == 0 and not self.calls):
            first = [("call", _call_event(c), c["seq"]) for c in self.calls if c["seq"] > int(last)]
        else:
            first = [("board", self.board(), None)]

        def item(kind, data, seq):
            if kind == "close":
                return False if data == rec["id"] else None
            return (kind, data, seq)
        try:
            return await self._sse(request, queue, first, item)
        finally:
            self.display_streams.discard(queue)

    async def place_stream(self, request):
        b = self._booking_of(request)
        self.stream_opens.append("place")
        queue: asyncio.Queue = asyncio.Queue()
        self.place_streams.add(queue)
        try:
            return await self._sse(request, queue, [("place", self.place(b), None)],
                                   lambda kind, data, seq: ("place", self.place(b), None))
        finally:
            self.place_streams.discard(queue)


def _call_event(c: dict) -> dict:
    return {k: c[k] for k in ("seq", "desk", "queue_number", "kind", "called_at")}


def _frame(event: str, data: Any, seq: int | None) -> bytes:
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _public(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if not k.startswith("_")}
