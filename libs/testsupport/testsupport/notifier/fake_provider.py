"""A fake SMS provider speaking api.md's protocol, for tests and the local run.

Run it:  ``python -m testsupport.notifier.fake_provider --port 9010`` and point the notifier at
it with ``SMS_PROVIDER=http SMS_HTTP_URL=http://127.0.0.1:9010/sms``.

In tests: ``async with run_fake_provider() as fake: ...`` starts it on a free loopback
port; ``fake.url`` is the send URL, ``fake.state`` the recorded messages and the
scripted behaviour (also reachable over HTTP, below).

HTTP:

``POST /sms`` (also ``POST /``)
    ``{"phone", "text", "ref"}`` -> 200 ``{"id": "fake-<n>"}``. The message is recorded
    once per ``ref``: a repeated ref answers the first id and is not recorded again (a
    real provider dropping repeats). A body that is not such an object -> 400.
    Behaviour can be scripted: the next calls answer a queue of statuses (e.g. 503, 503,
    200; a 429 carries ``Retry-After``), and every call may be delayed. Only 2xx answers
    record the message.
``GET /messages?phone=&ref=``
    ``{"items": [{"id", "phone", "text", "ref", "received_at"}...]}`` oldest first.
``DELETE /messages``
    204; forgets every message, the ref index and the call log.
``GET /codes/latest?phone=``
    ``{"phone", "code", "ref", "id", "received_at"}``: the 6-digit code of the latest
    message to that phone holding one; 404 when none.
``GET /calls``
    ``{"items": [{"ref", "phone", "status", "at"}...]}`` every POST received, whatever
    its answer (for asserting retries); ``state.calls_per_second()`` counts them per second
    (for asserting a rate limit).
``PUT /control``
    ``{"statuses": [503, 503, 200], "delay_ms": 100, "retry_after": "2"}`` (each optional):
    queues statuses (appended), sets the per-call delay and the 429 ``Retry-After``.
``GET /control`` shows it; ``DELETE /control`` resets it (no script, no delay).
``GET /healthz``
    200.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import re
import socket
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

__all__ = [
    "RecordedMessage",
    "RecordedCall",
    "FakeProviderState",
    "FakeProvider",
    "create_app",
    "run_fake_provider",
    "main",
]

_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_PHONE = re.compile(r"1\d{10}")


# Readable Chinese in answers (no \uXXXX escapes).
_json = functools.partial(web.json_response, dumps=functools.partial(json.dumps, ensure_ascii=False))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


@dataclass(frozen=True)
class RecordedMessage:
    id: str
    phone: str
    text: str
    ref: str
    received_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RecordedCall:
    ref: str | None
    phone: str | None
    status: int
    at: str
    traceparent: str | None = None    # the W3C trace context the notifier sent along

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FakeProviderState:
    """What the fake received and how it answers next. Safe to use from the test's loop."""

    messages: list[RecordedMessage] = field(default_factory=list)
    calls: list[RecordedCall] = field(default_factory=list)
    script: deque[int] = field(default_factory=deque)
    delay: float = 0.0                # seconds, every call
    retry_after: str | None = "1"     # Retry-After sent with a 429
    duplicates: int = 0               # repeated refs answered without recording
    _by_ref: dict[str, RecordedMessage] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # -- behaviour ---------------------------------------------------------------------
    def answer_with(self, *statuses: int) -> None:
        """Queue the statuses of the next calls (after them: 200 again)."""
        for s in statuses:
            if not isinstance(s, int) or isinstance(s, bool) or not 100 <= s <= 599:
                raise ValueError(f"not an HTTP status: {s!r}")
        self.script.extend(statuses)

    def set_delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("delay must be >= 0")
        self.delay = float(seconds)

    def reset_behaviour(self) -> None:
        self.script.clear()
        self.delay = 0.0
        self.retry_after = "1"

    def clear_messages(self) -> None:
        self.messages.clear()
        self.calls.clear()
        self._by_ref.clear()
        self.duplicates = 0

    def reset(self) -> None:
        self.reset_behaviour()
        self.clear_messages()

    # -- reading -----------------------------------------------------------------------
    def messages_for(self, phone: str | None = None, ref: str | None = None) -> list[RecordedMessage]:
        return [m for m in self.messages
                if (phone is None or m.phone == phone) and (ref is None or m.ref == ref)]

    def calls_per_second(self) -> Counter[int]:
        """How many calls arrived in each second (Unix time, whole seconds), whatever their answer."""
        return Counter(int(datetime.fromisoformat(c.at).timestamp()) for c in self.calls)

    def latest_code(self, phone: str) -> str | None:
        """The 6-digit code in the latest message to ``phone`` that holds one."""
        found = self._latest_code_message(phone)
        return found[1] if found else None

    def _latest_code_message(self, phone: str) -> tuple[RecordedMessage, str] | None:
        for m in reversed(self.messages):
            if m.phone == phone:
                found = _CODE.search(m.text)
                if found:
                    return m, found.group(1)
        return None

    # -- the provider's side -----------------------------------------------------------
    def _next_status(self) -> int:
        return self.script.popleft() if self.script else 200

    def _accept(self, phone: str, text: str, ref: str) -> RecordedMessage:
        known = self._by_ref.get(ref)
        if known is not None:
            self.duplicates += 1
            return known
        msg = RecordedMessage(id=f"fake-{next(self._ids)}", phone=phone, text=text, ref=ref,
                              received_at=_now())
        self._by_ref[ref] = msg
        self.messages.append(msg)
        return msg


STATE_KEY = web.AppKey("fake_sms_state", FakeProviderState)


# ---------------------------------------------------------------------------------------
# HTTP handlers
# ---------------------------------------------------------------------------------------
def _state(request: web.Request) -> FakeProviderState:
    return request.app[STATE_KEY]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return _json({"error": message, "status": status}, status=status, headers=headers)


async def _send(request: web.Request) -> web.Response:
    state = _state(request)
    status = state._next_status()   # taken on arrival: the script follows call order
    try:
        body = await request.json()
    except Exception:
        body = None
    phone = body.get("phone") if isinstance(body, dict) else None
    text = body.get("text") if isinstance(body, dict) else None
    ref = body.get("ref") if isinstance(body, dict) else None
    if state.delay:
        await asyncio.sleep(state.delay)
    valid = (isinstance(phone, str) and _PHONE.fullmatch(phone) is not None
             and isinstance(text, str) and text != "" and isinstance(ref, str) and ref != "")
    if 200 <= status < 300 and not valid:
        status = 400
    state.calls.append(RecordedCall(ref=ref if isinstance(ref, str) else None,
                                    phone=phone if isinstance(phone, str) else None,
                                    status=status, at=_now(),
                                    traceparent=request.headers.get("traceparent")))
    if 200 <= status < 300:
        msg = state._accept(phone, text, ref)  # type: ignore[arg-type]  # 2xx here means `valid`: all three are str
        return _json({"id": msg.id}, status=status)
    if status == 400 and not valid:
        return _error(400, "expected a JSON object {phone: 11 digits, text, ref}")
    headers = {"Retry-After": state.retry_after} if status == 429 and state.retry_after is not None else None
    return _error(status, "scripted failure", headers)


async def _list_messages(request: web.Request) -> web.Response:
    state = _state(request)
    items = state.messages_for(request.query.get("phone") or None, request.query.get("ref") or None)
    return _json({"items": [m.as_dict() for m in items]})


async def _clear_messages(request: web.Request) -> web.Response:
    _state(request).clear_messages()
    return web.Response(status=204)


async def _latest_code(request: web.Request) -> web.Response:
    phone = request.query.get("phone")
    if not phone:
        return _error(400, "phone is required")
    found = _state(request)._latest_code_message(phone)
    if found is None:
        return _error(404, "no code for that phone")
    msg, code = found
    return _json({"phone": phone, "code": code, "ref": msg.ref, "id": msg.id,
                              "received_at": msg.received_at})


async def _list_calls(request: web.Request) -> web.Response:
    return _json({"items": [c.as_dict() for c in _state(request).calls]})


def _control_doc(state: FakeProviderState) -> dict[str, Any]:
    return {"statuses": list(state.script), "delay_ms": round(state.delay * 1000),
            "retry_after": state.retry_after}


async def _get_control(request: web.Request) -> web.Response:
    return _json(_control_doc(_state(request)))


async def _put_control(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        body = await request.json()
    except Exception:
        return _error(400, "expected a JSON object")
    if not isinstance(body, dict):
        return _error(400, "expected a JSON object")
    try:
        if "statuses" in body:
            statuses = body["statuses"]
            if not isinstance(statuses, list):
                raise ValueError("statuses must be a list")
            state.answer_with(*statuses)
        if "delay_ms" in body:
            delay_ms = body["delay_ms"]
            if isinstance(delay_ms, bool) or not isinstance(delay_ms, (int, float)):
                raise ValueError("delay_ms must be a number")
            state.set_delay(delay_ms / 1000)
        if "retry_after" in body:
            ra = body["retry_after"]
            state.retry_after = None if ra is None else str(ra)
    except ValueError as exc:
        return _error(400, str(exc))
    return _json(_control_doc(state))


async def _reset_control(request: web.Request) -> web.Response:
    _state(request).reset_behaviour()
    return web.Response(status=204)


async def _healthz(request: web.Request) -> web.Response:
    return _json({"status": "ok"})


def create_app(state: FakeProviderState | None = None) -> web.Application:
    app = web.Application()
    app[STATE_KEY] = state if state is not None else FakeProviderState()
    app.router.add_post("/sms", _send)
    app.router.add_post("/", _send)
    app.router.add_get("/messages", _list_messages)
    app.router.add_delete("/messages", _clear_messages)
    app.router.add_get("/codes/latest", _latest_code)
    app.router.add_get("/calls", _list_calls)
    app.router.add_get("/control", _get_control)
    app.router.add_put("/control", _put_control)
    app.router.add_delete("/control", _reset_control)
    app.router.add_get("/healthz", _healthz)
    return app


# ---------------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FakeProvider:
    """A running fake: ``url`` is what ``SMS_HTTP_URL`` should be."""
    base_url: str
    state: FakeProviderState

    @property
    def url(self) -> str:
        return f"{self.base_url}/sms"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def run_fake_provider(host: str = "127.0.0.1", port: int = 0, *,
                            state: FakeProviderState | None = None,
                            shutdown_timeout: float = 1.0) -> AsyncIterator[FakeProvider]:
    """Start the fake on ``host:port`` (0: a free port) and yield a ``FakeProvider``."""
    state = state if state is not None else FakeProviderState()
    runner = web.AppRunner(create_app(state), access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0]
        yield FakeProvider(base_url=f"http://{host}:{bound[1]}", state=state)
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m testsupport.notifier.fake_provider",
                                     description="A fake SMS provider (api.md protocol) for tests and local runs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9010)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="delay every answer by this many ms")
    parser.add_argument("--statuses", default="", help="comma-separated statuses of the first calls, e.g. 503,503,200")
    args = parser.parse_args(argv)
    state = FakeProviderState()
    state.set_delay(args.delay_ms / 1000)
    if args.statuses.strip():
        state.answer_with(*(int(s) for s in args.statuses.split(",") if s.strip()))
    port = args.port or _free_port(args.host)
    web.run_app(create_app(state), host=args.host, port=port, access_log=None,
                print=lambda *_: print(f"fake SMS provider on http://{args.host}:{port}/sms", flush=True))


if __name__ == "__main__":
    main()
