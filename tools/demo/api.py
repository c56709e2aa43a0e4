"""The gateway's API as the demo uses it: one HTTP session per person, from that person's own
loopback address when the gateway is local (20 agents on 20 devices, as the gateway's and
identity's per-address limits expect of real people), waiting out a 429's Retry-After."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tools.demo.cast import Person
from tools.demo.endpoints import Endpoints

MAX_WAIT = 90          # seconds: the longest Retry-After the demo waits out
RETRIES = 5


class DemoError(Exception):
    """An answer the demo cannot go on from; the message says what and where."""


class Api:
    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        self._sessions: dict[str | None, aiohttp.ClientSession] = {}

    async def close(self) -> None:
        for s in self._sessions.values():
            await s.close()

    def session(self, address: str | None = None) -> aiohttp.ClientSession:
        key = address if self.endpoints.gateway_is_local else None
        if key not in self._sessions:
            connector = aiohttp.TCPConnector(local_addr=(key, 0)) if key else aiohttp.TCPConnector()
            self._sessions[key] = aiohttp.ClientSession(connector=connector,
                                                        timeout=aiohttp.ClientTimeout(total=30))
        return self._sessions[key]

    async def call(self, method: str, path: str, *, person: Person | None = None, json: Any = None,
                   params: dict | None = None, headers: dict | None = None,
                   ok: tuple[int, ...] = (200, 201, 202, 204)) -> tuple[int, Any]:
        """(status, body) of a gateway call; a status outside ``ok`` raises DemoError."""
        h = dict(headers or {})
        if person is not None and person.tokens:
            h.update(person.auth)
        http = self.session(person.address if person else None)
        for attempt in range(RETRIES + 1):
            async with http.request(method, self.endpoints.gateway + path, json=json, params=params,
                                    headers=h) as r:
                body = await r.json(content_type=None) if r.content_length != 0 else None
                if r.status in (429, 503) and attempt < RETRIES:
                    wait = min(MAX_WAIT, int(r.headers.get("Retry-After", "2") or 2))
                    print(f"  … {path}: {r.status} {_code(body)}, waiting {wait} s", flush=True)
                    await asyncio.sleep(wait)
                    continue
                if r.status not in ok:
                    raise DemoError(f"{method} {path}: {r.status} {_code(body)} {_detail(body)}")
                return r.status, body
        raise AssertionError("unreachable")

    # --- sessions -----------------------------------------------------------------------
    async def login(self, person: Person, *, ok: tuple[int, ...] = (200,)) -> bool:
        """Sign ``person`` in with the password; False when refused (401) and 401 is in ``ok``."""
        status, body = await self.call("POST", "/api/v1/sessions", person=person, ok=ok,
                                       json={"username": person.username, "password": person.password})
        if status != 200:
            return False
        person.tokens, person.user_id = body, body["user"]["id"]
        return True

    async def refresh(self, person: Person) -> None:
        """New tokens after the clock moved (the access token lives 15 minutes of it)."""
        _, person.tokens = await self.call("POST", "/api/v1/sessions/refresh", person=person,
                                           json={"refresh_token": person.tokens["refresh_token"]})

    # --- outside the gateway ------------------------------------------------------------
    async def latest_code(self, phone: str) -> dict | None:
        """The fake SMS provider's latest code for ``phone`` (None when none yet)."""
        async with self.session().get(f"{self.endpoints.sms_inbox}/codes/latest", params={"phone": phone}) as r:
            if r.status == 404:
                return None
            r.raise_for_status()
            return await r.json()

    async def test_clock(self, service: str, now: str | None = None, *, move: bool = False) -> dict | None:
        """A service's ``/_test/clock`` (GET, or PUT with ``move``); None when it has none."""
        url = f"{self.endpoints.services[service]}/_test/clock"
        try:
            async with self.session().request("PUT" if move else "GET", url,
                                              json={"now": now} if move else None) as r:
                if r.status == 404:
                    return None
                r.raise_for_status()
                return await r.json()
        except aiohttp.ClientConnectionError:
            return None


def _code(body: Any) -> str:
    return str(body.get("code", "")) if isinstance(body, dict) else ""


def _detail(body: Any) -> str:
    return str(body.get("detail", ""))[:200] if isinstance(body, dict) else ""
