"""Card binding and challenge-response card login.

Binding a card is a way in for good (a card login needs no password), so an access token
alone is not enough: the caller proves again that they hold the account, with its
password or an SMS code (purpose bind_card) sent to its phone, and the phone is told of
every binding (identity.card.bound -> the notifier). A password reset removes them all."""
from __future__ import annotations

from datetime import timedelta

from shared.contracts.identity import CardBound
from shared.errors import NotFound, ValidationFailed
from shared.logging import get_logger

from identity.adapters import card_bindings, card_challenges, login_failures, users
from identity.domain.card_challenges import CardChallenge, authenticate_card
from identity.domain.card_keys import load_card_key
from identity.domain.cards import CardBinding, normalize_card_no
from identity.domain.errors import CardInvalid, CardProofInvalid, CardProofRequired, TokenInvalid
from identity.domain.lockout import card_proof_key
from identity.domain.verification_codes import Purpose
from identity.service.code_checks import check_latest_code
from identity.service.commands import BindCard, IssueCardChallenge, LogInWithCard, UnbindCard
from identity.service.logins import count_attempt
from identity.service.context import IdentityContext
from identity.service.session_tokens import SessionTokens, start_session
from identity.service.throttles import address_key, spend

log = get_logger(__name__)
# Challenges this long past their expiry are deleted as new ones are issued.
KEEP_CHALLENGES = timedelta(days=1)


async def bind_card(ctx: IdentityContext, cmd: BindCard) -> CardBinding:
    """201; 422 validation_error for a bad card number or key; 403 card.proof_required /
    card.proof_invalid; 429 auth.locked / rate_limited (password guessing through this
    route is counted like logins, under an identifier of its own); 409 card.already_bound."""
    card_no = normalize_card_no(cmd.card_no)
    key = load_card_key(cmd.public_key)
    if not cmd.password and not cmd.sms_code:
        raise CardProofRequired("Send your password or an SMS code (purpose bind_card) to bind a card.")
    address = address_key(cmd.client_ip)
    client_key = address or ""
    proof_key = card_proof_key(cmd.user_id)
    if cmd.password:
        await spend(ctx, ctx.budgets.hash_address, address)
    proven = False
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        user = await users.by_id(conn, cmd.user_id)
        if user is None:
            raise TokenInvalid("The user no longer exists")
        await count_attempt(conn, ctx, proof_key, client_key, now, "card_proof")
        if cmd.sms_code:
            result = await check_latest_code(conn, secret=ctx.keys.require_code_secret(), phone=user.phone,
                                             purpose=Purpose.BIND_CARD, candidate=cmd.sms_code, now=now)
            proven = result is not None and result.ok
    # Committed: the attempt (and a wrong code's try) stay counted. argon2 with no connection held.
    if not proven and cmd.password and not cmd.sms_code:
        proven = await ctx.verify_password(user.password_hash, cmd.password)
    if not proven:
        log.info("card_bind_refused", user_id=cmd.user_id, reason="proof_invalid")
        raise CardProofInvalid("The password or SMS code is not right.")
    now = ctx.now()
    binding = CardBinding(card_no=card_no, user_id=cmd.user_id, key=key, bound_at=now)
    async with ctx.unit_of_work(now=now) as uow:   # proven: a 409 below must not leave a failure counted
        await login_failures.clear(uow.conn, proof_key, client_key)
    async with ctx.unit_of_work(now=now) as uow:
        await card_bindings.add(uow.conn, binding)
        uow.add(CardBound(user_id=user.id, phone=user.phone, card_tail=card_no[-4:], bound_at=now))
    log.info("card_bound", user_id=cmd.user_id, algorithm=key.algorithm.value)
    return binding


async def cards_of(ctx: IdentityContext, user_id: str) -> list[CardBinding]:
    async with ctx.db.connection() as conn:
        return await card_bindings.of_user(conn, user_id)


async def unbind_card(ctx: IdentityContext, cmd: UnbindCard) -> None:
    try:
        card_no = normalize_card_no(cmd.card_no)
    except ValidationFailed:
        raise NotFound("No such card is bound to you.") from None
    async with ctx.unit_of_work() as uow:
        if not await card_bindings.remove(uow.conn, card_no, cmd.user_id):
            raise NotFound("No such card is bound to you.")
    log.info("card_unbound", user_id=cmd.user_id)


async def issue_card_challenge(ctx: IdentityContext, cmd: IssueCardChallenge) -> CardChallenge:
    """For any well-formed card number, bound or not: the answer tells nothing about cards.
    Each one inserts a row: per address, then per card, 429 rate_limited."""
    card_no = normalize_card_no(cmd.card_no)
    await spend(ctx, ctx.budgets.card_challenge_address, address_key(cmd.client_ip))
    await spend(ctx, ctx.budgets.card_challenge_card, card_no)
    async with ctx.unit_of_work() as uow:
        challenge = CardChallenge.issue(card_no, uow.now)
        await card_challenges.forget_expired_before(uow.conn, uow.now - KEEP_CHALLENGES)
        await card_challenges.add(uow.conn, challenge)
    return challenge


async def log_in_with_card(ctx: IdentityContext, cmd: LogInWithCard) -> SessionTokens:
    """200 session; 401 auth.card_invalid for every refusal (unknown, replayed or expired
    challenge, another card, no binding, bad signature). The challenge is used up by the
    try, and that is committed before the refusal is raised."""
    try:
        card_no = normalize_card_no(cmd.card_no)
    except ValidationFailed:
        raise CardInvalid() from None
    session = None
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        challenge = await card_challenges.by_id_for_update(conn, cmd.challenge_id)
        binding = await card_bindings.by_card_no(conn, card_no)
        result = authenticate_card(challenge, card_no, binding, cmd.signature, now)
        if challenge is not None:
            await card_challenges.save(conn, challenge)
        user = await users.by_id(conn, result.user_id) if result.ok and result.user_id is not None else None
        if user is not None:
            session = await start_session(conn, ctx, user, now)
    if session is None:
        log.info("card_login_failed", reason=result.refusal.value if result.refusal else "no_user")
        ctx.metrics.login_failures.labels("card").inc()
        raise CardInvalid()
    log.info("logged_in", method="card", user_id=session.user.id)
    return session
