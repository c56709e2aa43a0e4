"""Replay the dead-lettered messages of one queue, once the fault that killed them is fixed.

    python -m shared.ops.replay_dead --queue booking.allocations --list
    python -m shared.ops.replay_dead --queue booking.allocations --dry-run
    python -m shared.ops.replay_dead --queue booking.allocations [--limit N] [--amqp-url URL]

Takes messages from ``<queue>.dead`` one at a time and publishes each to ``<queue>`` through
the default exchange, with publisher confirms, ``mandatory`` and a timeout: the original body,
message_id, correlation_id and headers, minus the death records (``x-death``, ``x-error`` and
the broker's other ``x-*-death-*`` and ``x-delivery-count`` headers), with ``x-attempt`` back
to 1, the last error kept as ``x-replayed-error`` and ``x-replayed-at`` / ``x-replay-count``
for the record. The dead copy is acked only after the broker confirmed the new one; when the
publish fails (timeout, nack, returned) the dead copy is handed back to ``<queue>.dead`` and
the command stops with exit status 1. A confirm lost to a timeout can leave both copies: the
consumer's inbox turns the second delivery into a no-op.

Only the messages present when the command starts are taken (and at most ``--limit``), so a
message that dies again while the command runs is not replayed in a loop.

Output: one JSON line per message on stdout (``action``, ``id``, ``type``, ``correlation_id``,
``attempt``, ``error``), never the body (a verification-code event carries the code), then
one ``summary`` line. ``--list`` and ``--dry-run`` only look: they take the messages without
acking them and hand them all back at the end. On RabbitMQ 3.x that leaves ``.dead`` as it
was; on 4.0-4.2 every return counts as a delivery of a quorum queue's message (see
docs/operations.md).

Exit status: 0 done (nothing to do included), 1 a publish failed, 2 bad arguments, missing
queue or no broker.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from shared.consumer import ATTEMPT_HEADER
from shared.logging import mask_phones
from shared.publisher_check import DEAD_COPY_USER_HEADER
from shared.settings import ServiceSettings

DEAD_SUFFIX = ".dead"
ERROR_HEADER = "x-error"                       # set by shared.consumer when it gives up
REPLAYED_ERROR_HEADER = "x-replayed-error"
REPLAYED_AT_HEADER = "x-replayed-at"
REPLAY_COUNT_HEADER = "x-replay-count"
# What the broker adds when it dead-letters or redelivers: none of it describes the new copy.
BROKER_HEADERS = ("x-death", "x-first-death-reason", "x-first-death-queue", "x-first-death-exchange",
                  "x-last-death-reason", "x-last-death-queue", "x-last-death-exchange",
                  "x-delivery-count")
DROPPED_HEADERS = frozenset({ERROR_HEADER, *BROKER_HEADERS})
# A verification code is six digits; error texts are masked for them and for phone numbers.
_CODE = re.compile(r"(?<![0-9A-Za-z])\d{6}(?![0-9A-Za-z])")  # a lone 6-digit run, not part of an id

Emit = Callable[[dict[str, Any]], None]


class ReplayError(RuntimeError):
    """A condition the operator has to fix first (missing queue, wrong name, no broker)."""


@dataclass
class Summary:
    queue: str
    mode: str                  # "list", "dry-run" or "replay"
    seen: int = 0              # messages taken from <queue>.dead
    replayed: int = 0          # confirmed into <queue> and acked in .dead
    failed: int = 0            # handed back to <queue>.dead (the command stopped there)
    in_dead_before: int = 0
    left_in_dead: int | None = None

    def line(self) -> dict[str, Any]:
        return {"action": "summary", **asdict(self)}


def default_amqp_url() -> str:
    """``AMQP_URL``, else the suite's default (the same as every service's settings)."""
    return os.environ.get("AMQP_URL") or ServiceSettings.model_fields["amqp_url"].default


def _user(url: str) -> str:
    from urllib.parse import unquote, urlsplit
    return unquote(urlsplit(url).username or "guest")


def print_line(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


# ---- what is printed and kept about a message ------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def redact(text: str) -> str:
    return _CODE.sub("[redacted]", mask_phones(text))


def last_error(headers: dict[str, Any]) -> str | None:
    """Why it died: the consumer's ``x-error``, else the broker's latest death record."""
    if headers.get(ERROR_HEADER):
        text = _text(headers[ERROR_HEADER])
    elif isinstance(deaths := headers.get("x-death"), list) and deaths and isinstance(deaths[0], dict):
        latest = deaths[0]  # the broker keeps the most recent death first
        text = (f"broker: {_text(latest.get('reason', '?'))} in {_text(latest.get('queue', '?'))}"
                f" (count {latest.get('count', '?')})")
    elif headers.get("x-last-death-reason"):
        text = (f"broker: {_text(headers['x-last-death-reason'])}"
                f" in {_text(headers.get('x-last-death-queue', '?'))}")
    else:
        return None
    return redact(text)[:500]


def _envelope_field(body: bytes, name: str) -> str | None:
    """One top-level string of the event envelope (id, type), never anything of ``data``."""
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    value = envelope.get(name) if isinstance(envelope, dict) else None
    return value[:200] if isinstance(value, str) else None


def describe(message: AbstractIncomingMessage, queue: str) -> dict[str, Any]:
    headers = dict(message.headers or {})
    if ERROR_HEADER in headers:
        by = "consumer"
    elif "x-death" in headers or "x-last-death-reason" in headers:
        by = "broker"
    else:
        by = None
    return {
        "queue": queue,
        "id": message.message_id or _envelope_field(message.body, "id"),
        "type": _envelope_field(message.body, "type"),
        "correlation_id": message.correlation_id,
        "attempt": headers.get(ATTEMPT_HEADER),
        "error": last_error(headers),
        "dead_lettered_by": by,
        "replays": headers.get(REPLAY_COUNT_HEADER, 0),
    }


def replayed_headers(headers: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    out = {k: v for k, v in headers.items() if k not in DROPPED_HEADERS}
    out[ATTEMPT_HEADER] = 1
    error = last_error(headers)
    if error is not None:
        out[REPLAYED_ERROR_HEADER] = error
    out[REPLAYED_AT_HEADER] = (now or datetime.now(timezone.utc)).isoformat()
    out[REPLAY_COUNT_HEADER] = int(headers.get(REPLAY_COUNT_HEADER) or 0) + 1
    return out


def replayed_message(message: AbstractIncomingMessage, user: str | None = None) -> aio_pika.Message:
    headers = replayed_headers(dict(message.headers or {}))
    # Who put the dead copy there (broker-checked): the consumer believes the copy's
    # x-first-publisher only when it dead-lettered it itself (shared.publisher_check).
    headers.pop(DEAD_COPY_USER_HEADER, None)
    if message.user_id:
        headers[DEAD_COPY_USER_HEADER] = message.user_id
    return aio_pika.Message(
        message.body, headers=headers, user_id=user,
        message_id=message.message_id, correlation_id=message.correlation_id,
        content_type=message.content_type or "application/json",
        content_encoding=message.content_encoding, type=message.type, app_id=message.app_id,
        timestamp=message.timestamp, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)


# ---- the broker side -------------------------------------------------------------------

async def _existing(connection: aio_pika.abc.AbstractConnection, name: str) -> int:
    """Message count of an existing queue (a passive declare on a throwaway channel)."""
    channel = await connection.channel(publisher_confirms=False)
    try:
        queue = await channel.declare_queue(name, passive=True)
        return queue.declaration_result.message_count or 0   # a passive declare always has it
    except aio_pika.exceptions.ChannelNotFoundEntity:
        raise ReplayError(f"queue {name!r} does not exist in this vhost") from None
    finally:
        with contextlib.suppress(Exception):
            await channel.close()


async def _peek(dead: AbstractQueue, queue: str, budget: int, action: str, timeout: float,
                emit: Emit, summary: Summary) -> None:
    """Take up to ``budget`` messages without acking, describe them, hand them all back."""
    held: list[AbstractIncomingMessage] = []
    try:
        while len(held) < budget:
            message = await dead.get(no_ack=False, fail=False, timeout=timeout)
            if message is None:
                break
            held.append(message)
            summary.seen += 1
            emit({"action": action, **describe(message, queue)})
    finally:
        if held:  # nack, not reject: on RabbitMQ 4.3+ only a reject counts as a failed delivery
            with contextlib.suppress(Exception):
                await held[-1].nack(multiple=True, requeue=True)


async def _replay(channel: AbstractChannel, dead: AbstractQueue, queue: str, budget: int,
                  timeout: float, emit: Emit, summary: Summary, user: str | None = None) -> None:
    for _ in range(budget):
        message = await dead.get(no_ack=False, fail=False, timeout=timeout)
        if message is None:
            break
        summary.seen += 1
        info = describe(message, queue)
        try:
            await asyncio.wait_for(
                channel.default_exchange.publish(replayed_message(message, user), routing_key=queue, mandatory=True),
                timeout)
        except Exception as exc:  # timeout, nack, returned (unroutable), channel closed
            summary.failed += 1
            with contextlib.suppress(Exception):
                await message.nack(requeue=True)
            emit({"action": "failed", **info, "reason": type(exc).__name__})
            return
        await message.ack()
        summary.replayed += 1
        emit({"action": "replayed", **info})


async def run(url: str, queue: str, *, limit: int | None = None, dry_run: bool = False,
              list_only: bool = False, timeout: float = 5.0, emit: Emit = print_line) -> Summary:
    """The command as a function: returns the summary (also emitted as the last line)."""
    if queue.endswith(DEAD_SUFFIX):
        raise ReplayError(f"give the consuming queue, not its dead-letter queue: --queue {queue[:-len(DEAD_SUFFIX)]}")
    if limit is not None and limit < 1:
        raise ReplayError("--limit must be at least 1")
    mode = "list" if list_only else "dry-run" if dry_run else "replay"
    summary = Summary(queue=queue, mode=mode)
    try:
        connection = await aio_pika.connect(url, timeout=timeout,
                                            client_properties={"connection_name": "ops.replay_dead"})
    except (OSError, asyncio.TimeoutError, aio_pika.exceptions.AMQPError) as exc:
        raise ReplayError(f"cannot connect to the broker: {type(exc).__name__}") from None
    try:
        await _existing(connection, queue)
        summary.in_dead_before = await _existing(connection, queue + DEAD_SUFFIX)
        budget = summary.in_dead_before if limit is None else min(limit, summary.in_dead_before)
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        dead = await channel.declare_queue(queue + DEAD_SUFFIX, passive=True)
        if mode == "replay":
            await _replay(channel, dead, queue, budget, timeout, emit, summary, _user(url))
        else:
            await _peek(dead, queue, budget, "listed" if list_only else "would_replay", timeout, emit, summary)
        await channel.close()
        summary.left_in_dead = await _existing(connection, queue + DEAD_SUFFIX)
    finally:
        await connection.close()
    emit(summary.line())
    return summary


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m shared.ops.replay_dead",
        description="Move dead-lettered messages of a queue (<queue>.dead) back into the queue, "
                    "one by one, with publisher confirms. Prints one JSON line per message, never its body.")
    p.add_argument("--queue", required=True, help="the consuming queue, e.g. booking.allocations")
    p.add_argument("--limit", type=_positive, help="at most this many messages (default: all there at start)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true", help="show what is in <queue>.dead, move nothing")
    mode.add_argument("--dry-run", action="store_true", help="show what would be replayed, move nothing")
    p.add_argument("--amqp-url", help="RabbitMQ URL with the vhost (default: $AMQP_URL, else the local default)")
    p.add_argument("--timeout", type=float, default=5.0,
                   help="seconds to wait for the connection, a message and each publisher confirm (default 5)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        summary = asyncio.run(run(args.amqp_url or default_amqp_url(), args.queue, limit=args.limit,
                                  dry_run=args.dry_run, list_only=args.list, timeout=args.timeout))
    except ReplayError as exc:
        sys.stderr.write(f"replay_dead: {exc}\n")
        return 2
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
