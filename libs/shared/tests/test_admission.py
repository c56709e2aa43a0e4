"""Admission control on a real app (shared.http.admission): writes beyond the limit wait in
arrival order before the handler (and so before any pool connection), reads pass, and a
write that waits too long is 503 service.unavailable with Retry-After."""
from __future__ import annotations

import asyncio

from aiohttp import web

from shared.app import Runtime, create_base_app
from shared.http.access import public_handler
from shared.http.problems import json_response
from shared.settings import ServiceSettings


class Probe:
    """A handler that records how many of its calls run at once, and in which order they start."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.started: list[int] = []
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.running += 1
        self.most = max(self.most, self.running)
        self.started.append(int(request.query.get("n", "0")))
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        return json_response({"ok": True})


def make_app(settings, probe: Probe) -> web.Application:
    app = create_base_app(Runtime(settings, None))

    async def work(request: web.Request) -> web.Response:
        return await probe.handle(request)

    app.router.add_post("/work", public_handler(work))
    app.router.add_get("/work", public_handler(work))
    return app


async def _until(check, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


async def test_writes_beyond_the_limit_wait_in_arrival_order(aiohttp_client, settings_for):
    probe = Probe()
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_admit", admission_limit=2), probe))
    calls = []
    for n in range(6):
        calls.append(asyncio.create_task(client.post(f"/work?n={n}")))
        await asyncio.sleep(0.02)   # the next one arrives after this one is in or waiting
    await asyncio.sleep(0.2)
    assert probe.running == 2 and probe.most == 2   # fails with the gate off: 6
    probe.release.set()
    answers = await asyncio.gather(*calls)
    assert [r.status for r in answers] == [200] * 6
    assert probe.started == [0, 1, 2, 3, 4, 5]
    assert probe.most == 2


async def test_reads_are_not_gated(aiohttp_client, settings_for):
    probe = Probe()
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_admit", admission_limit=1), probe))
    calls = [asyncio.create_task(client.get(f"/work?n={n}")) for n in range(4)]
    await _until(lambda: probe.running == 4)
    probe.release.set()
    assert [r.status for r in await asyncio.gather(*calls)] == [200] * 4


async def test_a_write_that_waits_too_long_is_503_with_retry_after(aiohttp_client, settings_for):
    probe = Probe()
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_admit", admission_limit=1,
                                                        db_acquire_timeout=0.3), probe))
    first = asyncio.create_task(client.post("/work?n=1"))
    await _until(lambda: probe.running == 1)
    second = await asyncio.wait_for(client.post("/work?n=2"), 5)   # without the gate: stuck in the handler
    assert second.status == 503
    assert second.headers["Retry-After"] == "1"
    assert (await second.json())["code"] == "service.unavailable"
    assert probe.started == [1]   # the refused write never reached its handler
    probe.release.set()
    assert (await first).status == 200
