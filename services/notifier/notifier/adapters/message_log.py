"""asyncpg reads for the SMS log: messages newest first (keyset pagination) and their
attempts."""
from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg


async def page(conn: asyncpg.Connection, *, phone: str | None, booking_id: str | None,
               before: tuple[datetime, uuid.UUID] | None, limit: int) -> list[asyncpg.Record]:
    where: list[str] = []
    args: list[object] = []
    if phone:
        args.append(phone)
        where.append(f"phone = ${len(args)}")
    if booking_id:
        args.append(booking_id)
        where.append(f"booking_id = ${len(args)}")
    if before:
        args.extend(before)
        where.append(f"(created_at, id) < (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    sql = ("SELECT id, event_type, template, booking_id, phone, body, sensitive, resend, status, attempts,"
           " next_attempt_at, provider, provider_id, last_error, created_at, delivered_at, failed_at"
           " FROM messages" + (" WHERE " + " AND ".join(where) if where else "") +
           f" ORDER BY created_at DESC, id DESC LIMIT ${len(args)}")
    return await conn.fetch(sql, *args)


async def attempts_of(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[asyncpg.Record]]:
    rows = await conn.fetch(
        "SELECT message_id, attempt, provider, sender, started_at, finished_at, outcome, status_code, reason"
        " FROM message_attempts WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, attempt", ids)
    out: dict[uuid.UUID, list[asyncpg.Record]] = {}
    for r in rows:
        out.setdefault(r["message_id"], []).append(r)
    return out
