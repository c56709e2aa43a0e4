"""Cards: binding (POST/GET /api/v1/me/cards, DELETE /me/cards/{card_no}), challenges
(GET /api/v1/card-challenges) and card login (POST /api/v1/sessions/card)."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.problems import json_response
from shared.http.requests import parse_body, parse_query

from identity.api.models import BindCardRequest, CardChallengeQuery, CardLoginRequest
from identity.api.sessions import session_response
from identity.domain.cards import CardBinding
from identity.service.cards import bind_card, cards_of, issue_card_challenge, log_in_with_card, unbind_card
from identity.service.commands import BindCard, IssueCardChallenge, LogInWithCard, UnbindCard
from identity.service.runtime import IdentityRuntime


def card_view(b: CardBinding) -> dict:
    return {"card_no": b.card_no, "algorithm": b.key.algorithm.value, "fingerprint": b.key.fingerprint,
            "public_key": b.key.pem, "bound_at": b.bound_at.isoformat()}


def card_routes(rt: IdentityRuntime) -> list[web.RouteDef]:
    async def post_card(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        b = await parse_body(request, BindCardRequest)
        binding = await bind_card(rt, BindCard(user_id=principal.user_id, card_no=b.card_no, public_key=b.public_key))
        return json_response(card_view(binding), status=201)

    async def get_cards(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        return json_response({"items": [card_view(b) for b in await cards_of(rt, principal.user_id)],
                              "next_cursor": None})

    async def delete_card(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        await unbind_card(rt, UnbindCard(user_id=principal.user_id, card_no=request.match_info["card_no"]))
        return web.Response(status=204)

    async def get_challenge(request: web.Request) -> web.Response:
        q = parse_query(request, CardChallengeQuery)
        c = await issue_card_challenge(rt, IssueCardChallenge(card_no=q.card_no))
        return json_response({"challenge_id": c.id, "nonce": c.nonce, "expires_at": c.expires_at.isoformat()},
                             headers={"Cache-Control": "no-store"})

    async def post_card_session(request: web.Request) -> web.Response:
        b = await parse_body(request, CardLoginRequest)
        return session_response(await log_in_with_card(
            rt, LogInWithCard(card_no=b.card_no, challenge_id=b.challenge_id, signature=b.signature)))

    return [web.post("/api/v1/me/cards", post_card),
            web.get("/api/v1/me/cards", get_cards),
            web.delete("/api/v1/me/cards/{card_no}", delete_card),
            web.get("/api/v1/card-challenges", get_challenge),
            web.post("/api/v1/sessions/card", post_card_session)]
