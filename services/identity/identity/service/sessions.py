"""Refreshing a session (rotation with reuse detection) and ending it (logout)."""
from __future__ import annotations

import uuid
from typing import TypeGuard

from shared.logging import get_logger

from identity.adapters import refresh_tokens, users
from identity.domain.errors import TokenInvalid
from identity.domain.refresh_tokens import hash_refresh_token, rotate
from identity.service.commands import EndSession, RefreshSession
from identity.service.context import IdentityContext
from identity.service.session_tokens import SessionTokens, access_token_for
from identity.service.throttles import address_key, spend

log = get_logger(__name__)


async def refresh_session(ctx: IdentityContext, cmd: RefreshSession) -> SessionTokens:
    """A new pair; the presented token stops working. Presenting an already rotated token
    revokes its whole family (the thief's newer token dies too): 401 either way. Past the
    session's absolute lifetime: 401 auth.token_expired. Per address, then per account:
    429 rate_limited."""
    await spend(ctx, ctx.budgets.refresh_address, address_key(cmd.client_ip))
    token_hash = hash_refresh_token(cmd.refresh_token)
    async with ctx.db.connection() as conn:
        owner = await refresh_tokens.user_of(conn, token_hash)
    await spend(ctx, ctx.budgets.refresh_user, owner)
    session = None
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        presented = await refresh_tokens.by_hash_for_update(conn, token_hash)
        rotation = rotate(presented, now, ctx.refresh_ttl, ctx.session_max_age)
        if rotation.revoke_family:
            revoked = await refresh_tokens.revoke_family(conn, rotation.revoke_family, now)
            log.warning("refresh_token_reused", family_id=rotation.revoke_family, revoked=revoked)
        elif rotation.ok:
            assert rotation.presented and rotation.new_record and rotation.new_token
            user = await users.by_id(conn, rotation.presented.user_id)
            if user is not None:
                await refresh_tokens.save(conn, rotation.presented)
                await refresh_tokens.add(conn, rotation.new_record)
                session = SessionTokens(
                    user=user, expires_in=int(ctx.access_ttl.total_seconds()),
                    access_token=access_token_for(ctx, user, now, rotation.new_record.family_id),
                    refresh_token=rotation.new_token)
    rotation.raise_if_refused()  # after the commit: a revoked family stays revoked
    if session is None:  # the user no longer exists
        raise TokenInvalid("The refresh token is not valid; log in again")
    return session


async def end_session(ctx: IdentityContext, cmd: EndSession) -> None:
    """Logout: every refresh token of the caller's session is revoked. The access token
    itself lives on until it expires (minutes): other services verify it offline."""
    if not _is_uuid(cmd.session_id):
        return  # a token without a session (none of ours): nothing to revoke
    async with ctx.unit_of_work() as uow:
        revoked = await refresh_tokens.revoke_family(uow.conn, cmd.session_id, uow.now, user_id=cmd.user_id)
    log.info("logged_out", user_id=cmd.user_id, revoked=revoked)


def _is_uuid(value: str | None) -> TypeGuard[str]:
    try:
        uuid.UUID(str(value))
        return value is not None
    except ValueError:
        return False
