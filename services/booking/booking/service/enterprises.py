"""The enterprise directory (look-up, registering an unknown enterprise) and each agent's
own list (信息维护: add, delete; edit is delete and add again)."""
from __future__ import annotations

import re
import unicodedata

import asyncpg

from booking.adapters.enterprises import AgentEnterprises, EnterpriseDirectory
from booking.domain.errors import EnterpriseAlreadyAdded, EnterpriseExists, InvalidOrgCode
from booking.domain.org_codes import ORG_CODE_LENGTH, USCC_LENGTH, normalize_org_code
from booking.service.context import BookingContext

SEARCH_LIMIT = 20
_CODE_CHARS = re.compile(r"[0-9A-Z]+")


def search_terms(q: str) -> tuple[str | None, str]:
    """(code prefix or None, name fragment) for a look-up text: what looks like the start
    of an organisation code is also tried as one; a full credit code as its org code."""
    text = unicodedata.normalize("NFKC", q).strip()
    compact = text.upper().replace("-", "")
    prefix = None
    if _CODE_CHARS.fullmatch(compact):
        if len(compact) <= ORG_CODE_LENGTH:
            prefix = compact
        elif len(compact) == USCC_LENGTH:
            try:
                prefix = normalize_org_code(compact)
            except InvalidOrgCode:
                prefix = None
    return prefix, text


async def search_directory(ctx: BookingContext, q: str) -> list[dict]:
    prefix, name_part = search_terms(q)
    async with ctx.db.connection() as conn:
        return await EnterpriseDirectory(conn).search(code_prefix=prefix, name_part=name_part,
                                                      limit=SEARCH_LIMIT)


async def register_enterprise(ctx: BookingContext, user_id: str, code: str, name: str) -> dict:
    org_code = normalize_org_code(code)
    async with ctx.unit_of_work() as uow:
        if not await EnterpriseDirectory(uow.conn).add(org_code, name, by=user_id, at=uow.now):
            raise EnterpriseExists(f"{org_code} is already in the directory")
    return {"org_code": org_code, "name": name}


async def my_enterprises(ctx: BookingContext, agent_id: str) -> list[dict]:
    async with ctx.db.connection() as conn:
        rows = await AgentEnterprises(conn).list(agent_id)
    return [{"org_code": r["org_code"], "name": r["name"], "added_at": r["added_at"].isoformat()}
            for r in rows]


async def add_my_enterprise(ctx: BookingContext, agent_id: str, code: str, name: str) -> dict:
    org_code = normalize_org_code(code)
    async with ctx.unit_of_work() as uow:
        # An enterprise the directory does not know yet joins it, so the next agent finds it.
        await EnterpriseDirectory(uow.conn).add(org_code, name, by=agent_id, at=uow.now)
        if not await AgentEnterprises(uow.conn).add(agent_id, org_code, name, uow.now):
            raise EnterpriseAlreadyAdded(f"{org_code} is already in your list")
    return {"org_code": org_code, "name": name, "added_at": uow.now.isoformat()}


async def remove_my_enterprise(ctx: BookingContext, agent_id: str, code: str) -> None:
    """Idempotent: removing what is not in the list changes nothing."""
    try:
        org_code = normalize_org_code(code)
    except InvalidOrgCode:
        return
    async with ctx.unit_of_work() as uow:
        await AgentEnterprises(uow.conn).remove(agent_id, org_code)


async def add_known_enterprise(conn: asyncpg.Connection, agent_id: str, raw_code: str, now) -> bool:
    """At registration: the organisation code the agent gave goes into their list when the
    directory knows it (domain.md "Identity"). False when it was not added."""
    try:
        org_code = normalize_org_code(raw_code)
    except InvalidOrgCode:
        return False
    name = await EnterpriseDirectory(conn).name_of(org_code)
    if name is None:
        return False
    return await AgentEnterprises(conn).add(agent_id, org_code, name, now)
