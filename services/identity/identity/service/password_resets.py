"""Resetting a forgotten password with an SMS code (purpose reset_password)."""
from __future__ import annotations

from shared.logging import get_logger

from identity.adapters import card_bindings, login_failures, refresh_tokens, users
from identity.domain.lockout import username_key
from identity.domain.password_policy import check_password
from identity.domain.phones import normalize_phone
from identity.domain.verification_codes import Purpose, code_invalid
from identity.service.code_checks import check_latest_code
from identity.service.commands import ResetPassword
from identity.service.context import IdentityContext
from identity.service.throttles import address_key, spend

log = get_logger(__name__)


async def reset_password(ctx: IdentityContext, cmd: ResetPassword) -> None:
    """204; 422 sms.code_invalid / user.password_weak. Every refresh token of the user is
    revoked (all sessions end), every card binding removed (a card bound by whoever held
    the account must not outlive the reset) and the password login's lock is lifted.

    The password is judged only after the code is accepted, so that its rules ("must not
    contain the username") tell nothing to someone without the code; a weak one rolls the
    code's use back, so the holder can retry with a better password.
    """
    phone = normalize_phone(cmd.phone)
    await spend(ctx, ctx.budgets.hash_address, address_key(cmd.client_ip))
    user = None
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        result = await check_latest_code(conn, secret=ctx.keys.require_code_secret(), phone=phone,
                                         purpose=Purpose.RESET_PASSWORD, candidate=cmd.sms_code, now=now)
        if result is not None and result.ok:
            user = await users.by_phone(conn, phone, for_update=True)
        if user is not None:
            check_password(cmd.new_password, username=user.username, phone=user.phone)
            await users.set_password_hash(conn, user.id, await ctx.hash_password(cmd.new_password), now)
            revoked = await refresh_tokens.revoke_all_of_user(conn, user.id, now)
            unbound = await card_bindings.remove_all_of_user(conn, user.id)
            await login_failures.clear(conn, username_key(user.username))
    if user is None:
        log.info("password_reset_refused", reason=result.value if result else "missing")
        raise code_invalid(None if result is None or result.ok else result)
    log.info("password_reset", user_id=user.id, sessions_revoked=revoked, cards_unbound=unbound)
