"""Operations of the OpenAPI document the browser tests never needed from the fake, added so
that scripts/mock answers every one: the token keys, the centers, card login (challenge and
signed nonce, checked with identity's own key code), password reset and the allocator's
schedule. Each keeps the fake's state: a reset ends the sessions, a card login needs a card
bound through POST /me/cards, the schedule lists the fake's allocated bookings.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from tools.mock_api.fake import FakeCardCenter

API = "/api/v1"
CHALLENGE_SECONDS = 120


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def add_routes(fake: FakeCardCenter, router: web.UrlDispatcher) -> None:
    refused = type(fake).refused
    challenges = fake.card_challenges     # challenge id -> {card_no, nonce, expires}

    async def jwks(_):
        # The fake's tokens are not signed; the key is only there so the shape is the real one.
        x = _b64url(hashlib.sha256(b"card-center-mock-key").digest())
        return fake._json({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "fake", "alg": "EdDSA",
                                     "use": "sig"}]})

    async def centers(_):
        return fake._json({"items": [fake.center_doc], "next_cursor": None})

    async def card_challenge(request):
        card_no = request.query.get("card_no", "").strip().upper()
        if not card_no or len(card_no) > 64:
            raise refused(422, "validation_error", errors=[{"field": "card_no", "message": "1 to 64 characters"}])
        cid, nonce = secrets.token_hex(16), _b64url(secrets.token_bytes(32))
        expires = datetime.now(fake.tz) + timedelta(seconds=CHALLENGE_SECONDS)
        challenges[cid] = {"card_no": card_no, "nonce": nonce, "expires": expires}
        return fake._json({"challenge_id": cid, "nonce": nonce, "expires_at": expires.isoformat()})

    async def card_session(request):
        b = fake.body_of(request, ("card_no", "challenge_id", "signature"))
        challenge = challenges.pop(str(b["challenge_id"]), None)      # one use, whatever the outcome
        card_no = str(b["card_no"]).strip().upper()
        bound = fake.cards.get(card_no)
        if (challenge is None or challenge["expires"] < datetime.now(fake.tz) or challenge["card_no"] != card_no
                or bound is None or not _verifies(bound[1]["public_key"], challenge["nonce"], str(b["signature"]))):
            raise refused(401, "auth.card_invalid")
        return fake._json(fake._issue(fake._user_by_id(bound[0])))

    async def password_reset(request):
        b = fake.body_of(request, ("phone", "sms_code", "new_password"))
        user = next((u for u in fake.users.values() if u.phone == b["phone"]), None)
        fake.check_sms_code(b["phone"], "reset_password", b["sms_code"])
        if user is None:        # identity says nothing more for a phone it does not know
            fake.check_sms_code(b["phone"], "reset_password", None)
        from identity.domain.password_policy import check_password
        check_password(str(b["new_password"]), username=user.username, phone=user.phone)   # after the code, as identity
        user.password = str(b["new_password"])
        fake.end_sessions(user.id)
        fake.cards = {no: v for no, v in fake.cards.items() if v[0] != user.id}
        return web.Response(status=204)

    async def allocation(request):
        fake._auth_any(request, ("staff", "admin"))
        center, iso = request.match_info["center"], request.match_info["date"]
        try:
            day = date.fromisoformat(iso)
        except ValueError:
            raise refused(422, "validation_error", errors=[{"field": "date", "message": "YYYY-MM-DD"}]) from None
        booked = [b for b in fake.bookings.values() if b["date"] == iso and b["allocation"]]
        if center != fake.center_doc["id"] or not booked:
            raise refused(404, "allocation.not_found")
        return fake._json(schedule(fake, day, booked))

    async def openapi(_):      # what the gateway serves beside the API
        return web.FileResponse(fake.static_root / "openapi.json", headers={"Content-Type": "application/json"})

    router.add_get(f"{API}/openapi.json", openapi)
    router.add_get("/.well-known/jwks.json", jwks)
    router.add_get(f"{API}/centers", centers)
    router.add_get(f"{API}/card-challenges", card_challenge)
    router.add_post(f"{API}/sessions/card", card_session)
    router.add_post(f"{API}/password-resets", password_reset)
    router.add_get(f"{API}/allocations/{{center}}/{{date}}", allocation)


def _verifies(pem: str, nonce: str, signature: str) -> bool:
    from identity.domain.card_keys import load_card_key

    return load_card_key(pem).verify(nonce.encode("ascii"), signature)


def schedule(fake: FakeCardCenter, day: date, booked: list[dict]) -> dict:
    """The allocator's ScheduleResponse for the fake's allocated bookings of one day."""
    periods = []
    for code in ("AM", "PM"):
        mine = sorted((b for b in booked if b["period"] == code), key=lambda b: b["allocation"]["queue_number"])
        if not mine:
            continue
        at = [{"booking_id": b["id"], "queue_number": b["allocation"]["queue_number"], "desk": b["allocation"]["desk"],
               "start": b["allocation"]["start"], "end": b["allocation"]["end"],
               "estimated_start": f"{day.isoformat()}T{b['allocation']['start']}",
               "estimated_end": f"{day.isoformat()}T{b['allocation']['end']}", "overflow": False} for b in mine]
        desks = sorted({a["desk"] for a in at})
        periods.append({"period": code, "bookings": len(at), "overflow": 0, "assignments": at,
                        "desks": [{"desk": d, "last_end": max(a["estimated_end"] for a in at if a["desk"] == d)}
                                  for d in desks]})
    cutoff = datetime.combine(day - timedelta(days=1), datetime.min.time(), fake.tz).replace(hour=15, second=9)
    return {"center": fake.center_doc["id"], "date": day.isoformat(), "desks": fake.center_doc["desks"],
            "segment_minutes": fake.center_doc["segment_minutes"], "applied_at": cutoff.isoformat(),
            "run": {"run_id": f"run-{day.isoformat()}", "cutoff_id": f"cut-{day.isoformat()}",
                    "closed_at": cutoff.isoformat(), "created_at": cutoff.isoformat(),
                    "snapshot_fingerprint": _fp("snapshot", day), "policy_fingerprint": _fp("policy", day),
                    "schedule_fingerprint": _fp("schedule", day), "booking_count": len(booked),
                    "overflow_count": 0, "stats": {"desks_used": len({b["allocation"]["desk"] for b in booked})}},
            "periods": periods}


def _fp(kind: str, day: date) -> str:
    return hashlib.sha256(f"{kind}:{day.isoformat()}".encode()).hexdigest()
