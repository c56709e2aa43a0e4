"""``PUT /_test/clock``: only mounted when ``APP_ENV=test`` (api.md "Test mode")."""
from __future__ import annotations


from aiohttp import web
from pydantic import AwareDatetime, BaseModel

from shared.clock import Clock
from shared.http.access import public_handler
from shared.http.problems import json_response
from shared.http.requests import parse_body


class ClockBody(BaseModel):
    now: AwareDatetime | None


def test_clock_routes(clock: Clock) -> list[web.RouteDef]:
    async def put_clock(request: web.Request) -> web.Response:
        body = await parse_body(request, ClockBody)
        clock.set(body.now)
        return json_response({"now": clock.now().isoformat(), "moved": clock.moved})

    async def get_clock(_request: web.Request) -> web.Response:
        return json_response({"now": clock.now().isoformat(), "moved": clock.moved})

    # Public: mounted only with APP_ENV=test, where the suites move the clock without a token.
    return [web.put("/_test/clock", public_handler(put_clock)), web.get("/_test/clock", public_handler(get_clock))]


