"""Keeping booking's copy of the agents identity registers."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.contracts.identity import UserRegistered
from shared.logging import get_logger

from booking.adapters.agents import Agents
from booking.service.enterprises import add_known_enterprise

log = get_logger(__name__)


async def agent_registered(conn: asyncpg.Connection, user: UserRegistered, now: datetime) -> None:
    """Inside the consumer's inbox transaction."""
    await Agents(conn).save(id=user.user_id, username=user.username, name=user.name, phone=user.phone,
                            registered_at=user.registered_at, now=now)
    if user.org_code:
        added = await add_known_enterprise(conn, user.user_id, user.org_code, now)
        log.info("registration_org_code", user_id=user.user_id, added=added)
