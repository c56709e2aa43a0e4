"""Token verification through the shared middleware, using only a JWKS served over HTTP."""
from __future__ import annotations

import base64
from datetime import datetime, timezone
import json
import time
import uuid

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.http.access import public_handler
from shared.app import RUNTIME_KEY, Runtime, create_base_app
from shared.http.auth import VERIFIER_KEY, authenticate
from shared.http.problems import json_response
from shared.settings import ServiceSettings


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Keys:
    def __init__(self) -> None:
        self.current: list[tuple[str, Ed25519PrivateKey]] = []
        self.fetches = 0

    def add(self) -> tuple[str, Ed25519PrivateKey]:
        pair = (uuid.uuid4().hex[:12], Ed25519PrivateKey.generate())
        self.current.append(pair)
        return pair

    def jwks(self) -> dict:
        keys = []
        for kid, key in self.current:
            raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            keys.append({"kty": "OKP", "crv": "Ed25519", "x": b64(raw), "kid": kid, "alg": "EdDSA", "use": "sig"})
        return {"keys": keys}


def token(kid: str, key, *, exp: float | None = None, roles=("agent",), alg="EdDSA", **claims) -> str:
    payload = {"sub": "user-1", "roles": list(roles), "name": "张三", "iss": "cardcenter-identity",
               "exp": int(exp if exp is not None else time.time() + 300), **claims}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture
async def setup(aiohttp_client, aiohttp_server, settings_for):
    keys = Keys()
    keys.add()

    async def serve_jwks(_request):
        keys.fetches += 1
        return web.json_response(keys.jwks())

    jwks_app = web.Application()
    jwks_app.router.add_get("/.well-known/jwks.json", serve_jwks)
    jwks_server = await aiohttp_server(jwks_app)
    settings = settings_for(ServiceSettings, db_schema="svc_auth",
                            jwks_url=str(jwks_server.make_url("/.well-known/jwks.json")))
    app = create_base_app(Runtime(settings, None))

    async def me(request):
        p = await authenticate(request)
        return json_response({"sub": p.user_id, "roles": sorted(p.roles), "name": p.name})

    async def desk(request):
        await authenticate(request, "staff", "admin")
        return json_response({"ok": True})

    app.router.add_get("/me", public_handler(me))  # the handlers test authenticate() itself
    app.router.add_get("/desk", public_handler(desk))
    client = await aiohttp_client(app)
    return client, keys, app


def bearer(t: str) -> dict:
    return {"Authorization": f"Bearer {t}"}


async def test_a_valid_token_is_accepted(setup):
    client, keys, _ = setup
    kid, key = keys.current[0]
    r = await client.get("/me", headers=bearer(token(kid, key)))
    assert r.status == 200
    assert await r.json() == {"sub": "user-1", "roles": ["agent"], "name": "张三"}


async def test_missing_and_malformed_tokens_are_401(setup):
    client, keys, _ = setup
    assert (await client.get("/me")).status == 401
    r = await client.get("/me", headers={"Authorization": "Bearer not.a.token"})
    assert r.status == 401 and (await r.json())["code"] == "auth.invalid_token"
    r = await client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status == 401


async def test_role_is_checked(setup):
    client, keys, _ = setup
    kid, key = keys.current[0]
    r = await client.get("/desk", headers=bearer(token(kid, key)))
    assert r.status == 403 and (await r.json())["code"] == "auth.forbidden"
    r = await client.get("/desk", headers=bearer(token(kid, key, roles=("agent", "staff"))))
    assert r.status == 200


async def test_expired_token_is_refused_by_the_service_clock(setup):
    client, keys, app = setup
    kid, key = keys.current[0]
    t = token(kid, key, exp=time.time() + 60)
    assert (await client.get("/me", headers=bearer(t))).status == 200
    await client.put("/_test/clock", json={"now": "2099-01-01T00:00:00+00:00"})
    r = await client.get("/me", headers=bearer(t))
    assert r.status == 401 and (await r.json())["code"] == "auth.token_expired"
    app[RUNTIME_KEY].clock.set(None)


async def test_alg_none_is_refused(setup):
    client, keys, _ = setup
    kid, _key = keys.current[0]
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps({"sub": "admin", "roles": ["admin"], "iss": "cardcenter-identity",
                           "exp": int(time.time() + 300)}).encode())
    r = await client.get("/me", headers=bearer(f"{header}.{body}."))
    assert r.status == 401


async def test_hmac_token_keyed_with_the_public_key_is_refused(setup):
    client, keys, _ = setup
    kid, key = keys.current[0]
    public = keys.jwks()["keys"][0]["x"].encode()
    forged = jwt.encode({"sub": "admin", "roles": ["admin"], "iss": "cardcenter-identity",
                         "exp": int(time.time() + 300)}, public, algorithm="HS256", headers={"kid": kid})
    assert (await client.get("/me", headers=bearer(forged))).status == 401


async def test_token_signed_by_another_key_with_a_known_kid_is_refused(setup):
    client, keys, _ = setup
    kid, _key = keys.current[0]
    r = await client.get("/me", headers=bearer(token(kid, Ed25519PrivateKey.generate())))
    assert r.status == 401


async def test_tampered_claims_are_refused(setup):
    client, keys, _ = setup
    kid, key = keys.current[0]
    h, p, s = token(kid, key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(p + "=="))
    claims["roles"] = ["admin"]
    r = await client.get("/me", headers=bearer(f"{h}.{b64(json.dumps(claims).encode())}.{s}"))
    assert r.status == 401


async def test_a_new_key_id_triggers_a_jwks_refresh_but_not_a_flood(setup):
    client, keys, app = setup
    kid, key = keys.current[0]
    assert (await client.get("/me", headers=bearer(token(kid, key)))).status == 200
    fetched = keys.fetches
    new_kid, new_key = keys.add()  # identity rotated its key
    # Right after a fetch an unknown kid does not send the service back to identity.
    assert (await client.get("/me", headers=bearer(token(new_kid, new_key)))).status == 401
    assert keys.fetches == fetched
    app[VERIFIER_KEY].min_refresh = 0  # as if the refresh interval had passed
    assert (await client.get("/me", headers=bearer(token(new_kid, new_key)))).status == 200
    assert keys.fetches == fetched + 1
    assert (await client.get("/me", headers=bearer(token(new_kid, new_key)))).status == 200
    assert keys.fetches == fetched + 1  # cached


async def test_a_token_issued_under_a_moved_clock_is_accepted_by_a_service_on_the_same_clock(setup):
    client, keys, app = setup
    kid, key = keys.current[0]
    future = time.time() + 3 * 86400
    app[RUNTIME_KEY].clock.set(datetime.fromtimestamp(future, timezone.utc))
    try:
        t = token(kid, key, exp=future + 300, iat=int(future))
        assert (await client.get("/me", headers=bearer(t))).status == 200
    finally:
        app[RUNTIME_KEY].clock.set(None)


# ---- the verified-token cache (TokenVerifier directly, no HTTP) -----------------------------

class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.at

    def move(self, seconds: float) -> None:
        self.at = datetime.fromtimestamp(self.at.timestamp() + seconds, timezone.utc)


def verifier_for(keys: Keys, clock: Clock, **kw):
    from shared.http.auth import TokenVerifier

    async def source() -> dict:
        keys.fetches += 1
        return keys.jwks()
    return TokenVerifier(source, clock, **kw)


@pytest.fixture
def decodes(monkeypatch):
    """How many signature checks ran."""
    calls = []
    real = jwt.decode

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(jwt, "decode", counting)
    return calls


async def test_a_repeated_token_is_not_checked_again(decodes):
    from shared.http.auth import Principal
    keys, clock = Keys(), Clock()
    kid, key = keys.add()
    verifier = verifier_for(keys, clock)
    t = token(kid, key, exp=clock().timestamp() + 300, roles=("agent", "staff"), sid="fam-1")
    first = await verifier.verify(t)
    assert first == Principal("user-1", frozenset({"agent", "staff"}), "张三", "fam-1")
    for _ in range(3):
        assert await verifier.verify(t) == first
    assert len(decodes) == 1


async def test_a_cached_token_is_refused_once_its_exp_has_passed_on_the_service_clock(decodes):
    from shared.errors import Unauthorized
    keys, clock = Keys(), Clock()
    kid, key = keys.add()
    verifier = verifier_for(keys, clock)
    t = token(kid, key, exp=int(clock().timestamp()) + 60)
    await verifier.verify(t)
    clock.move(59)
    await verifier.verify(t)                      # still valid: from the cache
    assert len(decodes) == 1
    clock.move(1)                                 # exactly exp: no longer valid
    with pytest.raises(Unauthorized) as refused:
        await verifier.verify(t)
    assert refused.value.code == "auth.token_expired"
    with pytest.raises(Unauthorized):
        await verifier.verify(t)                  # and not cached as good again


async def test_a_cached_token_is_refused_once_its_key_is_gone_from_the_jwks():
    from shared.errors import Unauthorized
    keys, clock = Keys(), Clock()
    old_kid, old_key = keys.add()
    verifier = verifier_for(keys, clock, min_refresh=0)
    old = token(old_kid, old_key)
    await verifier.verify(old)
    # identity rotates: the old key leaves the JWKS, and a token of the new key makes the
    # service fetch it.
    keys.current = []
    new_kid, new_key = keys.add()
    await verifier.verify(token(new_kid, new_key))
    with pytest.raises(Unauthorized) as refused:
        await verifier.verify(old)
    assert refused.value.code == "auth.invalid_token"


async def test_a_refetched_jwks_with_the_same_keys_keeps_the_cache(decodes):
    keys, clock = Keys(), Clock()
    kid, key = keys.add()
    verifier = verifier_for(keys, clock, min_refresh=0)
    t = token(kid, key)
    await verifier.verify(t)
    other_kid, other_key = keys.add()             # a second key published beside the first
    await verifier.verify(token(other_kid, other_key))
    assert keys.fetches == 2
    await verifier.verify(t)
    assert len(decodes) == 2                      # t was not checked again


async def test_the_cache_is_bounded():
    keys, clock = Keys(), Clock()
    kid, key = keys.add()
    verifier = verifier_for(keys, clock, cache_size=3)
    tokens = [token(kid, key, jti=str(i)) for i in range(5)]
    for t in tokens:
        await verifier.verify(t)
    assert len(verifier._verified) == 3
    assert list(verifier._verified) == tokens[2:]   # the least recently used went first
