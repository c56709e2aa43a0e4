"""Access tokens: identity's own routes verify them with the shared middleware; forged,
expired, alg:none and HMAC tokens are refused; another service verifies them with the JWKS
alone; the signing key is made once for all replicas or read from a file."""
from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import datetime, timedelta, timezone

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.app import Runtime, create_base_app
from shared.http.access import enforced
from shared.http.auth import principal_of
from shared.http.problems import json_response
from shared.settings import ServiceSettings

from identity.app import create_app


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, claims: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}."


async def test_me_answers_the_callers_account(api):
    acc = await api.account()
    r = await api.me(acc.tokens["access_token"])
    assert r.status == 200
    assert await r.json() == {"id": acc.id, "username": acc.username, "name": acc.name, "phone": acc.phone,
                              "email": None, "roles": ["agent"]}
    r = await api.client.get("/api/v1/me")
    assert r.status == 401 and (await r.json())["code"] == "auth.unauthorized"


async def test_forged_tokens_are_refused(api):
    acc = await api.account()
    token = acc.tokens["access_token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    admin = {**claims, "roles": ["agent", "admin"]}
    public_x = (await (await api.client.get("/.well-known/jwks.json")).json())["keys"][0]["x"]
    forged = {
        "alg none": unsigned({"alg": "none", "typ": "JWT", "kid": header["kid"]}, admin),
        "HMAC keyed with the public key": jwt.encode(admin, public_x.encode(), algorithm="HS256",
                                                     headers={"kid": header["kid"]}),
        "another key under our kid": jwt.encode(admin, Ed25519PrivateKey.generate(), algorithm="EdDSA",
                                                headers={"kid": header["kid"]}),
        "an unknown kid": jwt.encode(admin, Ed25519PrivateKey.generate(), algorithm="EdDSA",
                                     headers={"kid": "not-ours"}),
        "tampered claims": ".".join([token.split(".")[0], b64(json.dumps(admin).encode()), token.split(".")[2]]),
        "garbage": "not.a.token",
    }
    for what, bad in forged.items():
        r = await api.me(bad)
        assert r.status == 401, what
        assert (await r.json())["code"] == "auth.invalid_token", what
    assert (await api.me(token)).status == 200


async def test_an_access_token_expires_by_the_service_clock(api):
    acc = await api.account()
    await api.move_clock(timedelta(seconds=899))
    assert (await api.me(acc.tokens["access_token"])).status == 200
    await api.move_clock(timedelta(seconds=2))
    r = await api.me(acc.tokens["access_token"])
    assert r.status == 401 and (await r.json())["code"] == "auth.token_expired"


async def test_tokens_issued_under_a_moved_clock_carry_its_time(api):
    acc = await api.account(logged_in=False)
    future = datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    await api.set_clock(future)
    body = await (await api.login(acc.username, acc.password)).json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert abs(claims["iat"] - future.timestamp()) < 60 and claims["exp"] == claims["iat"] + 900
    assert (await api.me(body["access_token"])).status == 200


async def test_the_jwks_holds_only_public_members(api):
    r = await api.client.get("/.well-known/jwks.json")
    assert r.status == 200
    [key] = (await r.json())["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA" and key["use"] == "sig"
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}  # no "d"


async def test_another_service_verifies_identity_tokens_with_the_jwks_alone(api, aiohttp_client, settings_for):
    """A bare service on the shared middleware, whose only link to identity is JWKS_URL."""
    jwks_url = str(api.client.make_url("/.well-known/jwks.json"))
    other = create_base_app(Runtime(settings_for(ServiceSettings, db_schema="jwks_consumer", jwks_url=jwks_url),
                                    None))

    async def whoami(request):
        p = principal_of(request)
        return json_response({"sub": p.user_id, "roles": sorted(p.roles), "name": p.name})

    async def desk(_request):
        return json_response({"ok": True})

    # Declared as ApiRouter declares them (routes deny by default: bare ones stop the start).
    other.router.add_get("/whoami", enforced(whoami, ()))
    other.router.add_get("/desk", enforced(desk, ("staff",)))
    client = await aiohttp_client(other)

    acc = await api.account()
    r = await client.get("/whoami", headers=acc.auth)
    assert r.status == 200, await r.text()
    assert await r.json() == {"sub": acc.id, "roles": ["agent"], "name": acc.name}
    assert (await client.get("/desk", headers=acc.auth)).status == 403
    forged = jwt.encode({**jwt.decode(acc.tokens["access_token"], options={"verify_signature": False}),
                         "roles": ["staff"]}, Ed25519PrivateKey.generate(), algorithm="EdDSA",
                        headers={"kid": jwt.get_unverified_header(acc.tokens["access_token"])["kid"]})
    assert (await client.get("/desk", headers={"Authorization": f"Bearer {forged}"})).status == 401


async def test_replicas_starting_together_end_with_one_signing_key(aiohttp_client, identity_settings, api_for):
    settings = identity_settings(db_schema=f"identity_race_{uuid.uuid4().hex[:8]}")
    clients = await asyncio.gather(*(aiohttp_client(create_app(settings)) for _ in range(3)))
    documents = [await (await c.get("/.well-known/jwks.json")).json() for c in clients]
    assert documents[0] == documents[1] == documents[2] and len(documents[0]["keys"]) == 1
    first = api_for(clients[0])
    async with first.db.connection() as conn:
        names = await conn.fetch("SELECT name FROM server_secrets ORDER BY name")
    assert [r["name"] for r in names] == ["sms_code_secret", "token_signing_key"]
    # One replica sends the code, another checks it; one signs the token, another accepts it.
    phone = first.new_phone()
    code = await first.new_code(phone)
    acc = await api_for(clients[1]).account(phone=phone, code=code)
    assert (await api_for(clients[2]).me(acc.tokens["access_token"])).status == 200


async def test_a_signing_key_from_a_pem_file_signs_es256_tokens(aiohttp_client, identity_settings, tmp_path,
                                                                 api_for):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = tmp_path / "signing.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    client = await aiohttp_client(create_app(identity_settings(signing_key_file=str(pem))))
    [jwk] = (await (await client.get("/.well-known/jwks.json")).json())["keys"]
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and jwk["alg"] == "ES256" and "d" not in jwk
    acc = await api_for(client).account()
    token = acc.tokens["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    assert jwt.decode(token, key.public_key(), algorithms=["ES256"])["sub"] == acc.id  # signed by the file's key
    assert (await api_for(client).me(token)).status == 200
