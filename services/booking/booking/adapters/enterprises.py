"""The enterprise directory and the agents' own enterprise lists."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

# Org codes are [0-9A-Z]; 'Z' * 9 after a prefix is above every code that starts with it.
_PREFIX_CEILING = "Z" * 9


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class EnterpriseDirectory:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, org_code: str, name: str, *, by: str | None, at: datetime) -> bool:
        """False when the code is there already (the first name stays)."""
        return bool(await self.conn.fetchval(
            "INSERT INTO enterprises (org_code, name, created_by, created_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (org_code) DO NOTHING RETURNING true", org_code, name, by, at))

    async def name_of(self, org_code: str) -> str | None:
        return await self.conn.fetchval("SELECT name FROM enterprises WHERE org_code = $1", org_code)

    async def names(self, org_codes: list[str]) -> dict[str, str]:
        rows = await self.conn.fetch("SELECT org_code, name FROM enterprises WHERE org_code = ANY($1::text[])",
                                     org_codes)
        return {r["org_code"]: r["name"] for r in rows}

    async def search(self, *, code_prefix: str | None, name_part: str, limit: int) -> list[dict]:
        """Code-prefix matches first (primary-key range), then name matches (trigram
        index), without repeats, at most ``limit``."""
        rows = await self.conn.fetch(
            "(SELECT org_code, name FROM enterprises"
            "  WHERE $1::text IS NOT NULL AND org_code >= $1 AND org_code <= $1 || $4"
            "  ORDER BY org_code LIMIT $3)"
            " UNION ALL "
            "(SELECT org_code, name FROM enterprises WHERE name ILIKE $2"
            "  ORDER BY name, org_code LIMIT $3)",
            code_prefix, f"%{like_escape(name_part)}%", limit, _PREFIX_CEILING)
        seen: dict[str, dict] = {}
        for r in rows:
            seen.setdefault(r["org_code"], {"org_code": r["org_code"], "name": r["name"]})
        return list(seen.values())[:limit]


class AgentEnterprises:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def list(self, agent_id: str) -> list[dict]:
        rows = await self.conn.fetch(
            "SELECT org_code, name, added_at FROM agent_enterprises WHERE agent_id = $1"
            " ORDER BY added_at, org_code", agent_id)
        return [dict(r) for r in rows]

    async def add(self, agent_id: str, org_code: str, name: str, at: datetime) -> bool:
        """False when the agent has it already."""
        return bool(await self.conn.fetchval(
            "INSERT INTO agent_enterprises (agent_id, org_code, name, added_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (agent_id, org_code) DO NOTHING RETURNING true", agent_id, org_code, name, at))

    async def remove(self, agent_id: str, org_code: str) -> bool:
        return await self.conn.fetchval(
            "DELETE FROM agent_enterprises WHERE agent_id = $1 AND org_code = $2 RETURNING true",
            agent_id, org_code) or False

    async def names(self, agent_id: str, org_codes: Sequence[str]) -> dict[str, str]:
        rows = await self.conn.fetch(
            "SELECT org_code, name FROM agent_enterprises WHERE agent_id = $1 AND org_code = ANY($2::text[])",
            agent_id, org_codes)
        return {r["org_code"]: r["name"] for r in rows}
