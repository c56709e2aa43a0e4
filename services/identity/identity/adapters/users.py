"""Users: stored, found by id, username or phone."""
from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from identity.domain.errors import PhoneTaken, UsernameTaken
from identity.domain.users import User, parse_roles

_COLUMNS = "id, username, name, phone, email, org_code, password_hash, roles, created_at"
# Unique index -> the 409 the client gets (migrations/0001_identity.sql).
_TAKEN = {"users_username_key": UsernameTaken, "users_phone_key": PhoneTaken}


def _user(row: asyncpg.Record | None) -> User | None:
    if row is None:
        return None
    return User(id=str(row["id"]), username=row["username"], name=row["name"], phone=row["phone"],
                password_hash=row["password_hash"], created_at=row["created_at"], email=row["email"],
                org_code=row["org_code"], roles=parse_roles(row["roles"]))


async def add(conn: asyncpg.Connection, user: User) -> None:
    """Insert; 409 when the username or phone is taken (the unique indexes decide, so two
    concurrent registrations cannot both win)."""
    try:
        await conn.execute(
            f"INSERT INTO users ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            user.id, user.username, user.name, user.phone, user.email, user.org_code,
            user.password_hash, user.sorted_roles(), user.created_at)
    except asyncpg.UniqueViolationError as exc:
        error = _TAKEN.get(exc.constraint_name or "")
        if error is None:
            raise
        raise error() from None


async def by_id(conn: asyncpg.Connection, user_id: str) -> User | None:
    try:
        uuid.UUID(user_id)
    except (ValueError, TypeError, AttributeError):
        return None  # not an id of ours (e.g. a token subject from elsewhere)
    return _user(await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE id = $1", user_id))


async def by_username(conn: asyncpg.Connection, username: str) -> User | None:
    return _user(await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE username = $1", username))


async def by_phone(conn: asyncpg.Connection, phone: str, *, for_update: bool = False) -> User | None:
    lock = " FOR UPDATE" if for_update else ""
    return _user(await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE phone = $1{lock}", phone))


async def phone_registered(conn: asyncpg.Connection, phone: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users WHERE phone = $1)", phone))


async def set_password_hash(conn: asyncpg.Connection, user_id: str, password_hash: str,
                            changed_at: datetime) -> None:
    await conn.execute("UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1",
                       user_id, password_hash, changed_at)
