"""SMS verification code records; every row also counts as one send for the rate limits."""
from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from identity.domain.verification_codes import Purpose, VerificationCode

_COLUMNS = "phone, purpose, code_hash, created_at, expires_at, wrong_tries, used_at, burnt_at"


def _record(row: asyncpg.Record) -> VerificationCode:
    return VerificationCode(phone=row["phone"], purpose=Purpose(row["purpose"]), code_hash=row["code_hash"],
                            created_at=row["created_at"], expires_at=row["expires_at"],
                            wrong_tries=row["wrong_tries"], used_at=row["used_at"], burnt_at=row["burnt_at"])


async def add(conn: asyncpg.Connection, record: VerificationCode, client_ip: str | None) -> str:
    """Store a new code; returns its id (the event's request_id)."""
    code_id = str(uuid.uuid4())
    await conn.execute(
        f"INSERT INTO verification_codes (id, client_ip, {_COLUMNS})"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        code_id, client_ip, record.phone, record.purpose.value, record.code_hash, record.created_at,
        record.expires_at, record.wrong_tries, record.used_at, record.burnt_at)
    return code_id


async def latest_for_update(conn: asyncpg.Connection, phone: str,
                            purpose: Purpose) -> tuple[str, VerificationCode] | None:
    """The newest code for (phone, purpose), row-locked: concurrent tries are counted one by
    one and one code cannot be accepted twice. A newer code supersedes the older ones."""
    row = await conn.fetchrow(
        f"SELECT id, {_COLUMNS} FROM verification_codes WHERE phone = $1 AND purpose = $2"
        " ORDER BY seq DESC LIMIT 1 FOR UPDATE", phone, purpose.value)
    return (str(row["id"]), _record(row)) if row else None


async def save(conn: asyncpg.Connection, code_id: str, record: VerificationCode) -> None:
    await conn.execute(
        "UPDATE verification_codes SET wrong_tries = $2, used_at = $3, burnt_at = $4 WHERE id = $1",
        code_id, record.wrong_tries, record.used_at, record.burnt_at)


async def sends_to_phone(conn: asyncpg.Connection, phone: str, purpose: Purpose, since: datetime) -> list[datetime]:
    """Sends of one purpose: each purpose has a budget of its own per phone."""
    rows = await conn.fetch("SELECT created_at FROM verification_codes WHERE phone = $1 AND purpose = $2"
                            " AND created_at > $3", phone, purpose.value, since)
    return [r["created_at"] for r in rows]


async def sends_from_ip(conn: asyncpg.Connection, client_ip: str, since: datetime) -> list[datetime]:
    rows = await conn.fetch("SELECT created_at FROM verification_codes WHERE client_ip = $1 AND created_at > $2",
                            client_ip, since)
    return [r["created_at"] for r in rows]


async def forget_before(conn: asyncpg.Connection, phone: str, before: datetime) -> None:
    """Housekeeping, one phone at a time: rows older than every limit and every code's life."""
    await conn.execute("DELETE FROM verification_codes WHERE phone = $1 AND created_at < $2", phone, before)
