"""Logging in with username + password or phone + SMS code, behind the lockout.

Every attempt is counted as a failure BEFORE the secret is checked, under an advisory lock
on the login identifier, and the count is cleared when the attempt succeeds. So parallel
guesses cannot slip past the limit while a slow argon2 check runs, and no connection is
held during that check. Failures lock per (identifier, client address); across addresses
they only slow the identifier down (domain/lockout.py). A password login first spends the
address's hash budget: no argon2 for an address that has spent it.
"""
from __future__ import annotations

from datetime import datetime

from shared.logging import get_logger

from identity.adapters import login_failures, users
from identity.adapters.advisory_locks import lock_for_transaction
from identity.domain.errors import InvalidCredentials
from identity.domain.lockout import lock_state, phone_key, slowdown_state, username_key
from identity.domain.phones import is_valid_phone
from identity.domain.verification_codes import Purpose
from identity.service.code_checks import check_latest_code
from identity.service.commands import LogInWithPassword, LogInWithSmsCode
from identity.service.context import IdentityContext
from identity.service.session_tokens import SessionTokens, start_session
from identity.service.throttles import address_key, spend

log = get_logger(__name__)


async def count_attempt(conn, ctx: IdentityContext, login_key: str, client_key: str, now: datetime,
                        method: str = "password") -> bool:
    """429 auth.locked while this address is locked out of the identifier, or while the
    identifier is slowed down and this address is not one it logged in from lately (nothing
    recorded then, so both end on time); else the attempt is recorded as a failure until it
    proves right. True when this attempt, if it fails, starts a lock (for the lockout counter)."""
    await lock_for_transaction(conn, "login", login_key)
    lookback = max(ctx.lockout.lookback, ctx.slowdown.window)
    await login_failures.forget_before(conn, login_key, now - lookback)
    mine = await login_failures.since(conn, login_key, now - ctx.lockout.lookback, client_key)
    state = lock_state(now, mine, ctx.lockout)
    if state.locked:
        log.info("login_refused", reason="locked")
        ctx.metrics.locked_refusals.labels(method).inc()
    state.raise_if_locked()
    everyone = await login_failures.since(conn, login_key, now - ctx.slowdown.window)
    slowed = slowdown_state(now, everyone, ctx.slowdown)
    if slowed.locked and not await login_failures.is_known_address(conn, login_key, client_key,
                                                                   now - ctx.slowdown.known_for):
        log.info("login_refused", reason="slowed_down")
        slowed.raise_if_locked()
    await login_failures.record(conn, login_key, now, client_key)
    return lock_state(now, [*mine, now], ctx.lockout).locked


def count_failure(ctx: IdentityContext, method: str, starts_lock: bool) -> None:
    ctx.metrics.login_failures.labels(method).inc()
    if starts_lock:
        ctx.metrics.lockouts.labels(method).inc()


async def count_success(conn, login_key: str, client_key: str, now: datetime) -> None:
    await login_failures.clear(conn, login_key, client_key)
    await login_failures.remember_address(conn, login_key, client_key, now)


async def log_in_with_password(ctx: IdentityContext, cmd: LogInWithPassword) -> SessionTokens:
    """200 session; 401 auth.invalid_credentials alike for an unknown username and a wrong
    password (same answer, same argon2 time); 429 auth.locked."""
    username = cmd.username.strip().lower()
    login_key = username_key(username)
    address = address_key(cmd.client_ip)
    await spend(ctx, ctx.budgets.hash_address, address)
    client_key = address or ""
    async with ctx.unit_of_work() as uow:
        starts_lock = await count_attempt(uow.conn, ctx, login_key, client_key, uow.now, "password")
        user = await users.by_username(uow.conn, username)
    if not await ctx.verify_password(user.password_hash if user else None, cmd.password):
        log.info("login_failed", method="password")
        count_failure(ctx, "password", starts_lock)
        raise InvalidCredentials("Wrong username or password.")
    assert user is not None
    # Parameters raised since this hash was made: upgrade it now that we hold the password.
    new_hash = await ctx.hash_password(cmd.password) if ctx.hashing.needs_rehash(user.password_hash) else None
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        await count_success(conn, login_key, client_key, now)
        if new_hash is not None:
            await users.set_password_hash(conn, user.id, new_hash, now)
        session = await start_session(conn, ctx, user, now)
    log.info("logged_in", method="password", user_id=user.id)
    return session


async def log_in_with_sms_code(ctx: IdentityContext, cmd: LogInWithSmsCode) -> SessionTokens:
    """200 session; 401 auth.invalid_credentials for any refused code; 429 auth.locked."""
    if not is_valid_phone(cmd.phone):
        raise InvalidCredentials("Wrong phone number or SMS code.")
    phone = cmd.phone.strip()
    login_key = phone_key(phone)
    client_key = address_key(cmd.client_ip) or ""
    session = None
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        starts_lock = await count_attempt(conn, ctx, login_key, client_key, now, "sms_code")
        result = await check_latest_code(conn, secret=ctx.keys.require_code_secret(), phone=phone,
                                         purpose=Purpose.LOGIN, candidate=cmd.sms_code, now=now)
        user = await users.by_phone(conn, phone) if result is not None and result.ok else None
        if user is not None:
            await count_success(conn, login_key, client_key, now)
            session = await start_session(conn, ctx, user, now)
    # Committed either way: the wrong try and the failure count stay recorded.
    if session is None:
        log.info("login_failed", method="sms_code", reason=result.value if result else "missing")
        count_failure(ctx, "sms_code", starts_lock)
        raise InvalidCredentials("Wrong phone number or SMS code.")
    log.info("logged_in", method="sms_code", user_id=session.user.id)
    return session
