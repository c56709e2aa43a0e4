"""Card binding (POST /api/v1/me/cards) and card login: a one-use, two-minute challenge
signed by the card's private key (Ed25519 or ECDSA P-256)."""
from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class Card:
    def __init__(self, kind: str = "ed25519") -> None:
        self.no = "C" + uuid.uuid4().hex[:15].upper()
        self.key = Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())

    @property
    def public_pem(self) -> str:
        return self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, nonce: str) -> str:
        """The card signs the ASCII text of the nonce, as sent."""
        message = nonce.encode("ascii")
        if isinstance(self.key, Ed25519PrivateKey):
            sig = self.key.sign(message)
        else:
            sig = self.key.sign(message, ec.ECDSA(hashes.SHA256()))  # DER
        return base64.b64encode(sig).decode()


async def bind(api, acc, card: Card, **proof):
    """Binds with the account's password (the fresh proof) unless ``proof`` says otherwise."""
    proof = proof or {"password": acc.password}
    return await api.client.post("/api/v1/me/cards", json={"card_no": card.no, "public_key": card.public_pem,
                                                           **{k: v for k, v in proof.items() if v is not None}},
                                 headers={**acc.auth, "X-Real-IP": api.ip})


async def challenge(api, card_no: str) -> dict:
    r = await api.client.get("/api/v1/card-challenges", params={"card_no": card_no})
    assert r.status == 200, await r.text()
    return await r.json()


async def card_login(api, card_no: str, challenge_id: str, signature: str):
    return await api.client.post("/api/v1/sessions/card",
                                 json={"card_no": card_no, "challenge_id": challenge_id, "signature": signature})


async def assert_refused(r) -> None:
    assert r.status == 401
    assert (await r.json())["code"] == "auth.card_invalid"


async def test_bind_an_ed25519_card_and_log_in_with_it(api):
    acc, card = await api.account(), Card()
    r = await bind(api, acc, card)
    assert r.status == 201, await r.text()
    body = await r.json()
    assert body["card_no"] == card.no and body["algorithm"] == "Ed25519" and len(body["fingerprint"]) == 64
    c = await challenge(api, card.no.lower())  # card numbers are case-insensitive
    assert set(c) == {"challenge_id", "nonce", "expires_at"}
    assert datetime.fromisoformat(c["expires_at"]) - await api.now() <= timedelta(minutes=2)
    r = await card_login(api, card.no, c["challenge_id"], card.sign(c["nonce"]))
    assert r.status == 200, await r.text()
    session = await r.json()
    assert session["user"]["id"] == acc.id and session["token_type"] == "Bearer"
    assert (await api.me(session["access_token"])).status == 200
    listed = await (await api.client.get("/api/v1/me/cards", headers=acc.auth)).json()
    assert [c["card_no"] for c in listed["items"]] == [card.no]


async def test_an_ecdsa_p256_card_works_too(api):
    acc, card = await api.account(), Card("p256")
    assert (await bind(api, acc, card)).status == 201
    c = await challenge(api, card.no)
    r = await card_login(api, card.no, c["challenge_id"], card.sign(c["nonce"]))
    assert r.status == 200 and (await r.json())["user"]["id"] == acc.id


async def test_a_replayed_challenge_is_refused(api):
    acc, card = await api.account(), Card()
    await bind(api, acc, card)
    c = await challenge(api, card.no)
    signature = card.sign(c["nonce"])
    assert (await card_login(api, card.no, c["challenge_id"], signature)).status == 200
    await assert_refused(await card_login(api, card.no, c["challenge_id"], signature))


async def test_an_expired_challenge_is_refused(api):
    acc, card = await api.account(), Card()
    await bind(api, acc, card)
    c = await challenge(api, card.no)
    await api.move_clock(timedelta(minutes=2, seconds=1))
    await assert_refused(await card_login(api, card.no, c["challenge_id"], card.sign(c["nonce"])))


async def test_a_signature_by_another_key_is_refused_and_uses_the_challenge_up(api):
    acc, card, thief = await api.account(), Card(), Card()
    await bind(api, acc, card)
    c = await challenge(api, card.no)
    await assert_refused(await card_login(api, card.no, c["challenge_id"], thief.sign(c["nonce"])))
    # One try per challenge: the right signature on it no longer helps.
    await assert_refused(await card_login(api, card.no, c["challenge_id"], card.sign(c["nonce"])))


async def test_a_challenge_for_another_card_or_an_unbound_card_is_refused(api):
    acc, card, other = await api.account(), Card(), Card()
    await bind(api, acc, card)
    c = await challenge(api, other.no)  # issued for any card: tells nothing about bindings
    await assert_refused(await card_login(api, card.no, c["challenge_id"], card.sign(c["nonce"])))
    c = await challenge(api, other.no)
    await assert_refused(await card_login(api, other.no, c["challenge_id"], other.sign(c["nonce"])))
    for bad_id, sig in ((str(uuid.uuid4()), "AAAA"), ("not-a-uuid", "AAAA"), (c["challenge_id"], "%%%")):
        await assert_refused(await card_login(api, card.no, bad_id, sig))


async def test_a_card_is_bound_once(api):
    first, second, card = await api.account(), await api.account(), Card()
    assert (await bind(api, first, card)).status == 201
    r = await bind(api, second, card)
    assert r.status == 409 and (await r.json())["code"] == "card.already_bound"
    r = await bind(api, first, card)
    assert r.status == 409


async def test_binding_needs_a_user_and_an_ed25519_or_p256_key(api):
    acc, card = await api.account(), Card()
    r = await api.client.post("/api/v1/me/cards", json={"card_no": card.no, "public_key": card.public_pem})
    assert r.status == 401
    rsa_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    for pem in (rsa_pem, p384, "not a key"):
        r = await api.client.post("/api/v1/me/cards", json={"card_no": card.no, "public_key": pem}, headers=acc.auth)
        assert r.status == 422 and (await r.json())["errors"][0]["field"] == "public_key"
    r = await api.client.post("/api/v1/me/cards", json={"card_no": "no spaces!", "public_key": card.public_pem},
                              headers=acc.auth)
    assert r.status == 422 and (await r.json())["errors"][0]["field"] == "card_no"


async def test_an_unbound_card_no_longer_logs_in(api):
    acc, card = await api.account(), Card()
    await bind(api, acc, card)
    assert (await api.client.delete(f"/api/v1/me/cards/{card.no}", headers=acc.auth)).status == 204
    assert (await api.client.delete(f"/api/v1/me/cards/{card.no}", headers=acc.auth)).status == 404
    c = await challenge(api, card.no)
    await assert_refused(await card_login(api, card.no, c["challenge_id"], card.sign(c["nonce"])))


async def test_binding_needs_a_fresh_proof_and_announces_itself_without_the_card_number(api):
    acc, card = await api.account(), Card()
    r = await bind(api, acc, card, password=None, sms_code=None, nothing=None)
    assert r.status == 403 and (await r.json())["code"] == "card.proof_required"
    r = await bind(api, acc, card, password="Not-The-Password-1")
    assert r.status == 403 and (await r.json())["code"] == "card.proof_invalid"
    assert (await bind(api, acc, card)).status == 201
    async with api.db.connection() as conn:
        rows = await conn.fetch("SELECT envelope FROM outbox WHERE type = 'identity.card.bound'"
                                " AND envelope->'data'->>'user_id' = $1", acc.id)
    assert len(rows) == 1
    data = rows[0]["envelope"]["data"]
    assert data["phone"] == acc.phone and data["card_tail"] == card.no[-4:]
    assert card.no not in str(rows[0]["envelope"])   # only the tail travels


async def test_a_bind_card_code_binds_and_a_reset_unbinds_everything(api):
    acc, card = await api.account(), Card()
    r = await api.client.post("/api/v1/sms-codes", json={"phone": acc.phone, "purpose": "bind_card"},
                              headers={**acc.auth, "X-Real-IP": api.ip})
    assert r.status == 202, await r.text()
    code = (await api.sent_events(acc.phone, "bind_card"))[0]["data"]["code"]
    assert (await bind(api, acc, card, sms_code=code)).status == 201
    assert (await bind(api, acc, Card(), sms_code=code)).status == 403   # one use
    await api.move_clock(timedelta(minutes=1, seconds=1))
    reset_code = await api.new_code(acc.phone, "reset_password")
    r = await api.client.post("/api/v1/password-resets", json={"phone": acc.phone, "sms_code": reset_code,
                                                               "new_password": "Another-Pass-77"})
    assert r.status == 204
    async with api.db.connection() as conn:
        left = await conn.fetchval("SELECT count(*) FROM card_bindings WHERE user_id = $1", uuid.UUID(acc.id))
    assert left == 0
