"""Rotating identity's signing key the production way (key files, Kubernetes Secrets
mounted side by side), on the whole system behind nginx: identity restarted with the new
key file and the old key's public half as a verification-only key signs new tokens with the
new kid, serves both keys in JWKS, and the old tokens stay valid at identity and at
booking, whose verifier fetches the new key when a token names it."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import aiohttp
import jwt
from cryptography.hazmat.primitives import serialization

from testsupport.journeys import Gateway
from testsupport.system import REPO
from testsupport.system_fixtures import isolated_system


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def eventually_ok(gw: Gateway, path: str, token: str, within: float = 20.0) -> None:
    """Booking refetches JWKS for an unknown kid at most every 10 s (TokenVerifier.min_refresh)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        status, body = await gw.call("GET", path, headers={"Authorization": f"Bearer {token}"})
        if status == 200 or asyncio.get_running_loop().time() > deadline:
            assert status == 200, (path, status, body)
            return
        await asyncio.sleep(0.5)


async def test_a_rotated_key_signs_new_tokens_and_the_old_ones_stay_valid(
        infra_urls, tmp_path_factory, sms_provider, mint):
    keys = tmp_path_factory.mktemp("rotation")
    async with isolated_system(infra_urls, tmp_path_factory.mktemp("system"), sms_provider, mint) as system, \
            aiohttp.ClientSession() as http:
        gw = Gateway(system, http, sms_provider.state)
        agent = await gw.register()
        old_token = agent.tokens["access_token"]
        old_kid = kid_of(old_token)
        await eventually_ok(gw, "/api/v1/me/booking-rights", old_token)

        # the operator's side: a new key file from the command; the old key's public half only
        new_file = keys / "signing.pem"
        done = subprocess.run([sys.executable, "-m", "identity", "rotate-signing-key", "--pem-out", str(new_file)],
                              env=system.env_used, cwd=REPO, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        old_private = serialization.load_pem_private_key(open(mint.key_file, "rb").read(), password=None)
        (keys / "previous.pem").write_bytes(old_private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        system.env_used.update(IDENTITY_SIGNING_KEY_FILE=str(new_file),
                               IDENTITY_VERIFICATION_KEY_FILES=json.dumps([str(keys / "previous.pem")]))
        system.restart("identity")
        await system.wait_ready(60)

        async with http.get(f"{system.services['identity'].url}/.well-known/jwks.json") as r:
            kids = [k["kid"] for k in (await r.json())["keys"]]
        assert len(kids) == 2 and kids[1] == old_kid
        new_kid = kids[0]
        assert new_kid in done.stdout

        await gw.login(agent)
        new_token = agent.tokens["access_token"]
        assert kid_of(new_token) == new_kid
        for token in (old_token, new_token):
            await eventually_ok(gw, "/api/v1/me", token)
            await eventually_ok(gw, "/api/v1/me/booking-rights", token)
        # the mint signs with the old key: its tokens too stay valid until they expire
        minted = mint.agent(await system.clock_now())
        assert kid_of(minted.tokens["access_token"]) == old_kid
        await eventually_ok(gw, "/api/v1/me/booking-rights", minted.tokens["access_token"])
