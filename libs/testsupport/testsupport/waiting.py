"""Waiting in tests: for a condition (``wait_for``), never for a fixed time; and the one
negative check, ``holds_throughout``, for what must NOT happen."""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

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
