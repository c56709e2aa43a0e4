"""Registering an agent with an SMS code, and the operator's create-user."""
from __future__ import annotations

import uuid

from shared.contracts.identity import UserRegistered
from shared.logging import get_logger
from shared.unit_of_work import UnitOfWork

from identity.adapters import users
from identity.domain.registration import Registration, validate_registration
from identity.domain.users import User, parse_roles
from identity.domain.verification_codes import Purpose, code_invalid
from identity.service.code_checks import check_latest_code
from identity.service.commands import CreateUser, RegisterUser
from identity.service.context import IdentityContext
from identity.service.throttles import address_key, spend

log = get_logger(__name__)


async def register_user(ctx: IdentityContext, cmd: RegisterUser) -> User:
    """201 user; 422 validation_error / user.password_weak / sms.code_invalid; 409 taken.

    The form is judged first (no code spent on a bad form). The code is checked before the
    unique indexes so that only the phone's holder learns whether it is registered; a 409
    rolls the code's use back, so the holder can retry with another username.
    """
    reg = validate_registration(phone=cmd.phone, username=cmd.username, password=cmd.password, name=cmd.name,
                                email=cmd.email, org_code=cmd.org_code)
    # Per address and per phone, then the address's hash budget: before the code check and
    # long before any argon2.
    address = address_key(cmd.client_ip)
    await spend(ctx, ctx.budgets.registration_address, address)
    await spend(ctx, ctx.budgets.registration_phone, reg.phone)
    await spend(ctx, ctx.budgets.hash_address, address)
    now = ctx.now()
    user = None
    async with ctx.unit_of_work(now=now) as uow:
        result = await check_latest_code(uow.conn, secret=ctx.keys.require_code_secret(), phone=reg.phone,
                                         purpose=Purpose.REGISTER, candidate=cmd.sms_code, now=now)
        if result is not None and result.ok:
            # Hashed only for the code's holder: nobody else can make the server spend argon2 here.
            user = _new_user(reg, await ctx.hash_password(reg.password), roles=("agent",), now=now)
            await _add(uow, user)
    # Committed either way: a wrong try stays counted.
    if user is None:
        log.info("registration_refused", reason=result.value if result else "missing")
        raise code_invalid(result)
    log.info("user_registered", user_id=user.id)
    return user


async def create_user(ctx: IdentityContext, cmd: CreateUser) -> User:
    """The operator command (staff and admin accounts): the same rules but no SMS code."""
    reg = validate_registration(phone=cmd.phone, username=cmd.username, password=cmd.password, name=cmd.name,
                                email=cmd.email, org_code=cmd.org_code)
    roles = parse_roles(cmd.roles)
    now = ctx.now()
    user = _new_user(reg, await ctx.hash_password(reg.password), roles=roles, now=now)
    async with ctx.unit_of_work(now=now) as uow:
        await _add(uow, user)
    log.info("user_created", user_id=user.id, roles=user.sorted_roles())
    return user


def _new_user(reg: Registration, password_hash: str, *, roles, now) -> User:
    return User(id=str(uuid.uuid4()), username=reg.username, name=reg.name, phone=reg.phone,
                password_hash=password_hash, created_at=now, email=reg.email, org_code=reg.org_code,
                roles=parse_roles(roles))


async def _add(uow: UnitOfWork, user: User) -> None:
    """Store the user and announce it (booking adds the org code to the agent's list)."""
    await users.add(uow.conn, user)
    uow.add(UserRegistered(
        user_id=user.id, username=user.username, name=user.name, phone=user.phone, email=user.email,
        org_code=user.org_code, roles=user.sorted_roles(), registered_at=user.created_at))
