"""Starting a session: a new refresh-token family and an access token naming it (sid)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from identity.adapters import refresh_tokens
from identity.domain.access_tokens import issue_access_token
from identity.domain.refresh_tokens import RefreshToken
from identity.domain.users import User
from identity.service.context import IdentityContext


@dataclass(frozen=True)
class SessionTokens:
    user: User
    expires_in: int
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)

    def as_json(self) -> dict:
        return {"access_token": self.access_token, "token_type": "Bearer", "expires_in": self.expires_in,
                "refresh_token": self.refresh_token, "user": self.user.public_view()}


def access_token_for(ctx: IdentityContext, user: User, now: datetime, session_id: str) -> str:
    return issue_access_token(ctx.keys.require_signing_key(), sub=user.id, roles=user.sorted_roles(),
                              name=user.name, now=now, ttl=ctx.access_ttl, sid=session_id)


async def start_session(conn: asyncpg.Connection, ctx: IdentityContext, user: User, now: datetime) -> SessionTokens:
    await refresh_tokens.forget_expired(conn, user.id, now - ctx.refresh_ttl)
    record, token = RefreshToken.issue(user_id=user.id, now=now, ttl=ctx.refresh_ttl, max_age=ctx.session_max_age)
    await refresh_tokens.add(conn, record)
    return SessionTokens(user=user, expires_in=int(ctx.access_ttl.total_seconds()),
                         access_token=access_token_for(ctx, user, now, record.family_id), refresh_token=token)
