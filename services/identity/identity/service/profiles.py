"""Reading the caller's own account (GET /api/v1/me)."""
from __future__ import annotations

from identity.adapters import users
from identity.domain.errors import TokenInvalid
from identity.domain.users import User
from identity.service.context import IdentityContext


async def my_profile(ctx: IdentityContext, user_id: str) -> User:
    async with ctx.db.connection() as conn:
        user = await users.by_id(conn, user_id)
    if user is None:  # a valid token for an account that was removed
        raise TokenInvalid("The user no longer exists")
    return user
