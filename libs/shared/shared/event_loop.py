"""The event loop a service process runs on: uvloop (libuv's loop, in C) unless
``EVENT_LOOP=asyncio``. Under load the asyncio loop's own machinery (selector, handles,
transports) was 27% of booking's samples (issue 20); uvloop does the same work for less.
The setting is an operator's way back to the standard loop, should uvloop ever misbehave.
Tests run on pytest-asyncio's loop; the processes the end-to-end tests start use this."""
from __future__ import annotations

import asyncio
from typing import Literal

EventLoopKind = Literal["uvloop", "asyncio"]


def new_event_loop(kind: EventLoopKind) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop   # imported only when chosen: EVENT_LOOP=asyncio runs without it
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """``uvloop`` or ``asyncio``: what the process reports it runs on (logs, tests)."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
