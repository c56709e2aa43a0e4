"""New message rows and what goes with them, one statement for many (issue 20: the SMS
path's round trips): each booking text kept for a resend (``booking_texts``), each phone's
daily cap counted, and each message inserted only when its text was stored (an allocation
sent once per change) and its phone is under its cap. The parts are the statements of their
own modules (booking_texts.keep_sql, message_store.insert_sql) over the drafts ``unnest``ed,
joined here; one message is a batch of one (the same statement text, prepared once).

A statement's parts see the database as it was before it, so a batch goes in ``rounds``: a
booking's text at most once a statement, and a capped message after the earlier messages of
its phone. The cap's count must see every message of the phone committed before it: the
caller takes the phones' advisory locks in a statement of its own first (a lock taken inside
this statement would come after its snapshot)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from notifier.adapters.booking_texts import TextToKeep, keep_sql
from notifier.adapters.message_store import NewMessage, insert_sql
from notifier.domain.message_status import PENDING


@dataclass(frozen=True)
class PhoneCap:
    """At most ``cap`` booking messages to the phone since ``since``."""
    cap: int
    since: datetime


@dataclass(frozen=True)
class Draft:
    message: NewMessage
    text: TextToKeep | None = None     # the booking text it keeps for a resend
    capped: bool = False               # counted against its phone's cap (store_drafts' ``cap``)


@dataclass(frozen=True)
class Stored:
    message_id: uuid.UUID | None   # None: not inserted (see the two flags, or a repeat of the event)
    text_unchanged: bool           # a text to keep only if changed was not stored
    capped: bool                   # the phone had its cap already


# (column, type) of the arrays, in order: the message, its text (prefixed t_), capped.
_MESSAGE = (("id", "uuid"), ("event_id", "uuid"), ("event_type", "text"), ("template", "text"),
            ("booking_id", "text"), ("phone", "text"), ("body", "text"), ("sensitive", "boolean"),
            ("resend", "boolean"), ("correlation_id", "text"), ("traceparent", "text"))
_TEXT = (("booking_id", "text"), ("kind", "text"), ("template", "text"), ("phone", "text"), ("body", "text"),
         ("event_id", "uuid"), ("occurred_at", "timestamptz"), ("only_if_changed", "boolean"))
_ARRAYS = (*_MESSAGE, *((f"t_{c}", t) for c, t in _TEXT), ("capped", "boolean"))


def _store_sql() -> str:
    n = len(_ARRAYS)
    arrays = ", ".join(f"${i}::{t}[]" for i, (_, t) in enumerate(_ARRAYS, 1))
    columns = ", ".join(c for c, _ in _ARRAYS)
    over_cap = (f"coalesce(d.capped AND (SELECT count(*) FROM messages m WHERE m.phone = d.phone"
                f" AND m.event_type LIKE 'booking.%' AND m.created_at > ${n + 4}) >= ${n + 5}, false)")
    return (f"WITH drafts AS (SELECT u.*, ${n + 1}::text AS status, ${n + 2}::timestamptz AS next_attempt_at,"
            f" ${n + 3}::timestamptz AS created_at, ${n + 3}::timestamptz AS updated_at"
            f" FROM unnest({arrays}) WITH ORDINALITY AS u({columns}, n)),"
            f" texts AS (SELECT {', '.join(f't_{c} AS {c}' for c, _ in _TEXT)} FROM drafts WHERE t_kind IS NOT NULL),"
            f" kept AS ({keep_sql('texts')}),"
            " checked AS (SELECT d.*, EXISTS (SELECT 1 FROM kept k WHERE k.booking_id = d.t_booking_id"
            f"  AND k.kind = d.t_kind) AS kept, {over_cap} AS over_cap FROM drafts d),"
            f" ins AS ({insert_sql('checked', '(kept OR t_kind IS NULL OR NOT t_only_if_changed) AND NOT over_cap')})"
            " SELECT ins.id, c.kept, c.over_cap FROM checked c LEFT JOIN ins ON ins.id = c.id ORDER BY c.n")


_STORE = _store_sql()


def rounds(drafts: Sequence[Draft]) -> list[list[int]]:
    """The drafts' indexes, one list per statement, in order: a booking's text at most once
    a statement (an upsert cannot change a row twice; the later one must see the earlier),
    and a capped draft in a statement after every earlier draft of its phone and before
    every later one (its count sees exactly the messages before it). The rest go in the
    first: in the cutoff burst (allocations, one per booking, not capped) that is all."""
    text_last: dict[tuple[str, str], int] = {}
    phone_last: dict[str, int] = {}
    capped_last: dict[str, int] = {}
    out: list[list[int]] = []
    for i, d in enumerate(drafts):
        phone = d.message.phone
        r = 1 + (phone_last.get(phone, -1) if d.capped else capped_last.get(phone, -1))
        if d.text is not None:
            key = (d.text.booking_id, d.text.kind)
            r = max(r, text_last.get(key, -1) + 1)
            text_last[key] = r
        phone_last[phone] = max(phone_last.get(phone, -1), r)
        if d.capped:
            capped_last[phone] = r
        out.extend([] for _ in range(r + 1 - len(out)))
        out[r].append(i)
    return out


def _arrays(drafts: Sequence[Draft]) -> list[list[Any]]:
    rows = []
    for d in drafts:
        m, t = d.message, d.text
        rows.append([uuid.uuid4(), m.event_id, m.event_type, m.template, m.booking_id, m.phone, m.body, m.sensitive,
                     m.resend, m.correlation_id, m.traceparent,
                     *((t.booking_id, t.kind, t.template, t.phone, t.body, t.event_id, t.occurred_at,
                        t.only_if_changed) if t is not None else (None,) * len(_TEXT)),
                     d.capped])
    return [list(column) for column in zip(*rows)]


async def store_drafts(conn: asyncpg.Connection, drafts: Sequence[Draft], *, now: datetime,
                       sweep_after: datetime, cap: PhoneCap | None = None) -> list[Stored]:
    """What became of each draft, in order: one statement per round (none for no drafts)."""
    stored: list[Stored | None] = [None] * len(drafts)
    for indexes in rounds(drafts):
        rows = await conn.fetch(_STORE, *_arrays([drafts[i] for i in indexes]), PENDING, sweep_after, now,
                                cap.since if cap else None, cap.cap if cap else None)
        for i, row in zip(indexes, rows, strict=True):
            text = drafts[i].text
            stored[i] = Stored(row["id"], text_unchanged=text is not None and text.only_if_changed and not row["kept"],
                               capped=row["over_cap"])
    return [s for s in stored if s is not None]


async def store_draft(conn: asyncpg.Connection, draft: Draft, *, now: datetime, sweep_after: datetime,
                      cap: PhoneCap | None = None) -> Stored:
    """One draft: ``store_drafts`` of one (the same statement)."""
    [stored] = await store_drafts(conn, [draft], now=now, sweep_after=sweep_after, cap=cap)
    return stored
