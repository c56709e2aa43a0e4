"""Card binding and challenge-response card login."""
from __future__ import annotations

from datetime import timedelta

from shared.errors import NotFound, ValidationFailed
from shared.logging import get_logger

from identity.adapters import card_bindings, card_challenges, users
from identity.domain.card_challenges import CardChallenge, authenticate_card
from identity.domain.card_keys import load_card_key
from identity.domain.cards import CardBinding, normalize_card_no
from identity.domain.errors import CardInvalid, TokenInvalid
from identity.service.commands import BindCard, IssueCardChallenge, LogInWithCard, UnbindCard
from identity.service.runtime import IdentityRuntime
from identity.service.session_tokens import SessionTokens, start_session

log = get_logger(__name__)
# Challenges this long past their expiry are deleted as new ones are issued.
KEEP_CHALLENGES = timedelta(days=1)


async def bind_card(rt: IdentityRuntime, cmd: BindCard) -> CardBinding:
    """201; 422 validation_error for a bad card number or key; 409 card.already_bound."""
    card_no = normalize_card_no(cmd.card_no)
    key = load_card_key(cmd.public_key)
    binding = CardBinding(card_no=card_no, user_id=cmd.user_id, key=key, bound_at=rt.now())
    async with rt.db.transaction() as conn:
        if await users.by_id(conn, cmd.user_id) is None:
            raise TokenInvalid("The user no longer exists")
        await card_bindings.add(conn, binding)
    log.info("card_bound", user_id=cmd.user_id, algorithm=key.algorithm.value)
    return binding


async def cards_of(rt: IdentityRuntime, user_id: str) -> list[CardBinding]:
    async with rt.db.connection() as conn:
        return await card_bindings.of_user(conn, user_id)


async def unbind_card(rt: IdentityRuntime, cmd: UnbindCard) -> None:
    try:
        card_no = normalize_card_no(cmd.card_no)
    except ValidationFailed:
        raise NotFound("No such card is bound to you.") from None
    async with rt.db.transaction() as conn:
        if not await card_bindings.remove(conn, card_no, cmd.user_id):
            raise NotFound("No such card is bound to you.")
    log.info("card_unbound", user_id=cmd.user_id)


async def issue_card_challenge(rt: IdentityRuntime, cmd: IssueCardChallenge) -> CardChallenge:
    """For any well-formed card number, bound or not: the answer tells nothing about cards."""
    card_no = normalize_card_no(cmd.card_no)
    now = rt.now()
    challenge = CardChallenge.issue(card_no, now)
    async with rt.db.transaction() as conn:
        await card_challenges.forget_expired_before(conn, now - KEEP_CHALLENGES)
        await card_challenges.add(conn, challenge)
    return challenge


async def log_in_with_card(rt: IdentityRuntime, cmd: LogInWithCard) -> SessionTokens:
    """200 session; 401 auth.card_invalid for every refusal (unknown, replayed or expired
    challenge, another card, no binding, bad signature). The challenge is used up by the
    try, and that is committed before the refusal is raised."""
    try:
        card_no = normalize_card_no(cmd.card_no)
    except ValidationFailed:
        raise CardInvalid() from None
    now = rt.now()
    session = None
    async with rt.db.transaction() as conn:
        challenge = await card_challenges.by_id_for_update(conn, cmd.challenge_id)
        binding = await card_bindings.by_card_no(conn, card_no)
        result = authenticate_card(challenge, card_no, binding, cmd.signature, now)
        if challenge is not None:
            await card_challenges.save(conn, challenge)
        user = await users.by_id(conn, result.user_id) if result.ok else None
        if user is not None:
            session = await start_session(conn, rt, user, now)
    if session is None:
        log.info("card_login_failed", reason=result.refusal.value if result.refusal else "no_user")
        rt.metrics.login_failures.labels("card").inc()
        raise CardInvalid()
    log.info("logged_in", method="card", user_id=session.user.id)
    return session
