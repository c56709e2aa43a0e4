"""Reading a text/event-stream answer in tests and benchmarks: ``await next_event(r)``
gives the next event (comments such as ``: hb`` skipped unless asked for)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson


@dataclass
class Event:
    event: str | None
    id: str | None
    data: Any            # the JSON of the data lines (the raw text when not JSON)
    comment: str | None = None


def parse(block: str) -> Event:
    event = event_id = comment = None
    data: list[str] = []
    for line in block.split("\n"):
        if line.startswith(":"):
            comment = line[1:].strip()
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "id":
            event_id = value
        elif name == "data":
            data.append(value)
    text = "\n".join(data)
    try:
        payload = orjson.loads(text) if text else None
    except orjson.JSONDecodeError:
        payload = text
    return Event(event, event_id, payload, comment)


async def next_block(response: aiohttp.ClientResponse, timeout: float = 5.0) -> Event | None:
    """The next block (event, comment or retry line); None at the end of the stream."""
    async with asyncio.timeout(timeout):
        try:
            raw = await response.content.readuntil(b"\n\n")
        except asyncio.IncompleteReadError:
            return None
    if not raw.endswith(b"\n\n"):
        return None
    return parse(raw[:-2].decode())


async def next_event(response: aiohttp.ClientResponse, timeout: float = 5.0, *,
                     comments: bool = False) -> Event | None:
    """The next event (skipping comments and ``retry:``), or None at the end of the stream."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        block = await next_block(response, max(deadline - loop.time(), 0.01))
        if block is None:
            return None
        if block.comment is not None and comments:
            return block
        if block.event is not None or block.data is not None:
            return block
