"""Starting the scheduler with the app (a cleanup context, once the pool is up) and
stopping it first thing on shutdown, before the consumers and the outbox relay stop, so
what its last pass committed is still published."""
from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from shared.ticker import Ticker

from booking.service.context import BookingContext
from booking.scheduling.daily_work import run_pass


def install(app: web.Application, ctx: BookingContext) -> None:
    settings = ctx.settings
    if not settings.scheduler_enabled:
        return
    ticker = Ticker("cutoff-scheduler", lambda: run_pass(ctx), settings.scheduler_interval)

    async def running(_app: web.Application) -> AsyncIterator[None]:
        ctx.clock.on_change(ticker.wake)
        ticker.start()
        yield
        await ticker.stop()   # already stopped by on_shutdown; here for a failed start-up

    async def stop(_app: web.Application) -> None:
        await ticker.stop()

    app.cleanup_ctx.append(running)
    app.on_shutdown.insert(0, stop)
