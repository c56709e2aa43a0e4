"""Sending SMS verification codes: rate-limited per (phone, purpose) and per client IP in the
database, delivered by the notifier through identity.verification_code.requested. Each
purpose has its own per-phone budget: someone asking for ten login codes to a victim's
phone does not stop the victim's password reset."""
from __future__ import annotations

from datetime import timedelta

from shared.contracts.identity import VerificationCodeRequested
from shared.errors import Unauthorized
from shared.logging import get_logger

from identity.adapters import users, verification_codes
from identity.adapters.advisory_locks import lock_for_transaction
from identity.domain.errors import TokenInvalid, invalid_field
from identity.domain.phones import normalize_phone
from identity.domain.rate_limits import sms_send_decision
from identity.domain.verification_codes import CODE_TTL, Purpose, VerificationCode
from identity.service.commands import RequestSmsCode
from identity.service.context import IdentityContext
from identity.service.throttles import address_key

log = get_logger(__name__)
# Rows older than this matter to no limit and no code: forgotten as the phone asks again.
KEEP_SENDS = timedelta(days=2)


def _purpose(raw: str) -> Purpose:
    try:
        return Purpose(raw)
    except ValueError:
        raise invalid_field("purpose", "must be register, login, reset_password or bind_card") from None


async def _require_own_phone(ctx: IdentityContext, user_id: str | None, phone: str) -> None:
    """A bind_card code goes only to the signed-in account's own phone."""
    if user_id is None:
        raise Unauthorized("Sign in to ask for a card binding code")
    async with ctx.db.connection() as conn:
        user = await users.by_id(conn, user_id)
    if user is None:
        raise TokenInvalid("The user no longer exists")
    if user.phone != phone:
        raise invalid_field("phone", "must be the phone number of your account")


async def request_sms_code(ctx: IdentityContext, cmd: RequestSmsCode) -> None:
    """202 or 429 sms.rate_limited. The answer is the same whether the phone has an account:
    a login or reset code for an unknown phone is recorded (it counts against the limits,
    which must not tell either) but never sent."""
    phone = normalize_phone(cmd.phone)
    purpose = _purpose(cmd.purpose)
    if purpose is Purpose.BIND_CARD:
        await _require_own_phone(ctx, cmd.user_id, phone)
    ip_key = address_key(cmd.client_ip)
    now = ctx.now()
    limits = ctx.sms_limits
    async with ctx.unit_of_work(now=now) as uow:
        conn = uow.conn
        # One request at a time per phone, then per IP (always in this order: no deadlock),
        # so concurrent requests see each other's sends, on every replica.
        await lock_for_transaction(conn, "sms:phone", phone)
        if ip_key is not None:
            await lock_for_transaction(conn, "sms:ip", ip_key)
        await verification_codes.forget_before(conn, phone, now - KEEP_SENDS)
        since = now - limits.lookback
        decision = sms_send_decision(
            now, await verification_codes.sends_to_phone(conn, phone, purpose, since),
            await verification_codes.sends_from_ip(conn, ip_key, since) if ip_key else None, limits)
        if not decision.allowed:
            log.info("sms_code_refused", limited_by=decision.limited_by, code_purpose=purpose.value)
            ctx.metrics.sms_codes_refused.labels(decision.limited_by or "unknown").inc()
        decision.raise_if_refused()
        record, plain = VerificationCode.issue(secret=ctx.keys.require_code_secret(), phone=phone,
                                               purpose=purpose, now=now)
        code_id = await verification_codes.add(conn, record, ip_key)
        deliver = purpose is Purpose.REGISTER or await users.phone_registered(conn, phone)
        if deliver:
            uow.add(VerificationCodeRequested(
                request_id=code_id, phone=phone, purpose=purpose.value, code=plain,
                expires_at=record.expires_at, ttl_seconds=int(CODE_TTL.total_seconds())))
    log.info("sms_code_requested", code_purpose=purpose.value, sent=deliver)
