"""The test token factory signs tokens the shared verifier accepts through its served JWKS."""
from __future__ import annotations

from shared.http.access import public_handler
from shared.app import Runtime, create_base_app
from shared.http.auth import authenticate
from shared.http.problems import json_response
from shared.settings import ServiceSettings


async def test_factory_tokens_pass_the_shared_verifier(aiohttp_client, settings_for, token_factory):
    app = create_base_app(Runtime(settings_for(ServiceSettings, db_schema="svc_tf",
                                               jwks_url=token_factory.jwks_url), None))

    async def who(request):
        p = await authenticate(request, "staff")
        return json_response({"sub": p.user_id})

    app.router.add_get("/who", public_handler(who))
    client = await aiohttp_client(app)
    r = await client.get("/who", headers=token_factory.headers("u-7", roles=("agent", "staff")))
    assert r.status == 200 and (await r.json()) == {"sub": "u-7"}
    assert (await client.get("/who", headers=token_factory.headers("u-8"))).status == 403


async def test_the_session_id_claim_reaches_the_principal(aiohttp_client, settings_for, token_factory):
    import jwt as pyjwt
    app = create_base_app(Runtime(settings_for(ServiceSettings, db_schema="svc_tf",
                                               jwks_url=token_factory.jwks_url), None))

    async def who(request):
        p = await authenticate(request)
        return json_response({"sid": p.session_id})

    app.router.add_get("/who", public_handler(who))
    client = await aiohttp_client(app)
    claims = pyjwt.decode(token_factory.token("u-1"), options={"verify_signature": False})
    claims["sid"] = "family-9"
    signed = pyjwt.encode(claims, token_factory.key, algorithm="EdDSA", headers={"kid": token_factory.kid})
    r = await client.get("/who", headers={"Authorization": f"Bearer {signed}"})
    assert (await r.json()) == {"sid": "family-9"}
    r = await client.get("/who", headers=token_factory.headers("u-2"))
    assert (await r.json()) == {"sid": None}
