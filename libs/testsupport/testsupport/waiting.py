"""Waiting in tests: for a condition (``wait_for``), never for a fixed time; the one
negative check, ``holds_throughout``, for what must NOT happen; and for a started process
to answer its readiness probe (``until_answers``)."""
from __future__ import annotations

import asyncio
import inspect
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

Predicate = Callable[[], Any | Awaitable[Any]]


async def _answer(predicate: Predicate) -> Any:
    value = predicate()
    return await value if inspect.isawaitable(value) else value


async def wait_for(predicate: Predicate, timeout: float = 15.0, every: float = 0.05) -> Any:
    """Poll ``predicate`` (sync or async) until its answer is truthy or ``timeout`` passes;
    returns its last answer (so a predicate can hand back what it found)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await _answer(predicate)
        if result or loop.time() > deadline:
            return result
        await asyncio.sleep(every)


async def holds_throughout(predicate: Predicate, seconds: float, every: float = 0.1) -> bool:
    """The negative check: ``predicate`` (sync or async) stays truthy for ``seconds``; False
    as soon as it does not.

    Why a time window here and nowhere else: what such a check proves is that something
    does NOT happen (a repeat delivery, a second SMS, an event after a stop). No signal says
    "it will not come", so the test watches for as long as the thing would take to happen
    were the code wrong, and fails the moment it does. Callers name the window's reason."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        if not await _answer(predicate):
            return False
        if loop.time() >= deadline:
            return True
        await asyncio.sleep(every)


class ProcessExited(RuntimeError):
    """The process being waited for exited before it answered."""


def _ok(status: int, _body: str) -> bool:
    return status == 200


async def until_answers(url: str, process: subprocess.Popen | None = None, *, timeout: float = 30.0,
                        answered: Callable[[int, str], bool] = _ok, every: float = 0.2, what: str = "the process",
                        log: Callable[[], str] = lambda: "") -> None:
    """Poll ``GET url`` (a readiness probe: ``/readyz``, ``/healthz``, ``/metrics``) until
    ``answered(status, body)`` (by default: a 200), while ``process`` (when given) is alive.
    Raises ProcessExited once it exits and TimeoutError after ``timeout`` seconds, both
    with ``log()`` (e.g. the tail of the process's log) in the message."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while True:
            if process is not None and process.poll() is not None:
                raise ProcessExited(f"{what} exited with {process.returncode}: {log()}")
            try:
                async with http.get(url) as r:
                    if answered(r.status, await r.text()):
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            if loop.time() > deadline:
                raise TimeoutError(f"{what} did not answer {url} within {timeout:g} s: {log()}")
            await asyncio.sleep(every)
