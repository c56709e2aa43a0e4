"""Cards: binding (POST/GET /api/v1/me/cards, DELETE /me/cards/{card_no}), challenges
(GET /api/v1/card-challenges) and card login (POST /api/v1/sessions/card)."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.enforce import Reply
from shared.http.openapi import ApiRouter

from identity.domain.errors import (AccountLocked, CardAlreadyBound, CardInvalid, CardProofInvalid, CardProofRequired,
                                    Throttled)
from identity.api.context import LOGIN_LIMITED, TAG, IDENTITY_TOKEN_ERRORS, client_ip_of, context_of
from identity.api.models import (
    BindCardRequest,
    CardChallengeQuery,
    CardChallengeResponse,
    CardList,
    CardLoginRequest,
    CardView,
    SessionResponse,
)
from identity.api.sessions import session_response
from identity.domain.cards import CardBinding
from identity.service.cards import bind_card, cards_of, issue_card_challenge, log_in_with_card, unbind_card
from identity.service.commands import BindCard, IssueCardChallenge, LogInWithCard, UnbindCard

api = ApiRouter(TAG)


def card_view(b: CardBinding) -> dict:
    return {"card_no": b.card_no, "algorithm": b.key.algorithm.value, "fingerprint": b.key.fingerprint,
            "public_key": b.key.pem, "bound_at": b.bound_at.isoformat()}


@api.post("/api/v1/me/cards",
          description=("Binds a card to the signed-in account: its number and public key (Ed25519 or ECDSA "
                       "P-256, PEM), proven by the account's password or a code of purpose bind_card. The "
                       "account's phone is told by SMS. A card is bound to one account at most."),
          summary="Bind a card (its Ed25519 or ECDSA P-256 public key) to the signed-in user, with a fresh proof "
                  "(password, or an SMS code of purpose bind_card); the account's phone is told by SMS",
          body=BindCardRequest, response=CardView, status=201, roles=(),
          errors=[CardProofRequired, CardProofInvalid, CardAlreadyBound, AccountLocked, Throttled, *IDENTITY_TOKEN_ERRORS])
async def card(request: web.Request, body: BindCardRequest) -> dict:
    principal = principal_of(request)
    b = body
    binding = await bind_card(context_of(request), BindCard(
        user_id=principal.user_id, card_no=b.card_no, public_key=b.public_key, password=b.password,
        sms_code=b.sms_code, client_ip=client_ip_of(request)))
    return card_view(binding)


@api.get("/api/v1/me/cards",
         description=("The cards bound to the signed-in account, with their algorithm, fingerprint and public "
                      "key."),
         summary="The signed-in user's bound cards", response=CardList, roles=(),
         errors=IDENTITY_TOKEN_ERRORS)
async def cards(request: web.Request) -> dict:
    principal = principal_of(request)
    bindings = await cards_of(context_of(request), principal.user_id)
    return {"items": [card_view(b) for b in bindings], "next_cursor": None}


@api.delete("/api/v1/me/cards/{card_no}",
            description=("Removes a binding: the card can no longer log in to this account. 404 not_found when "
                         "the card is not bound to it."),
            summary="Unbind one of the signed-in user's cards", status=204,
            roles=(), errors=[(404, "not_found", "No such card is bound to you."), *IDENTITY_TOKEN_ERRORS],
            path_params={"card_no": {"description": "the card's number", "example": "QD2027000123",
                                     "schema": {"type": "string", "pattern": "^[0-9A-Za-z]{1,32}$"}}})
async def bound_card(request: web.Request) -> None:
    principal = principal_of(request)
    await unbind_card(context_of(request), UnbindCard(user_id=principal.user_id, card_no=request.match_info["card_no"]))


@api.get("/api/v1/card-challenges",
         description=("A one-use challenge for a card login: sign its nonce (the ASCII bytes) with the card's "
                      "private key within 2 minutes and send the signature to POST /api/v1/sessions/card. The "
                      "answer is the same whether or not the card is bound."),
         public=True, summary="A one-use nonce for a card login (valid 2 minutes)",
         query=CardChallengeQuery, response=CardChallengeResponse, errors=[Throttled])
async def card_challenge(request: web.Request, query: CardChallengeQuery) -> Reply:
    c = await issue_card_challenge(context_of(request),
                                   IssueCardChallenge(card_no=query.card_no, client_ip=client_ip_of(request)))
    return Reply({"challenge_id": c.id, "nonce": c.nonce, "expires_at": c.expires_at.isoformat()},
                 headers={"Cache-Control": "no-store"})


@api.post("/api/v1/sessions/card",
          description=("Logs in with a card: the challenge's nonce signed by the card's private key. Answers a "
                       "session like POST /api/v1/sessions. The gateway limits it per client address like a "
                       "login (429 rate_limited with Retry-After)."),
          public=True, summary="Log in with a card: the challenge's nonce signed by the card",
          body=CardLoginRequest, response=SessionResponse, errors=[CardInvalid, LOGIN_LIMITED])
async def card_session(request: web.Request, body: CardLoginRequest) -> Reply:
    return session_response(await log_in_with_card(context_of(request), LogInWithCard(
        card_no=body.card_no, challenge_id=body.challenge_id, signature=body.signature)))
