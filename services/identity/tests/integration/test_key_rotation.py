"""Rotating the token signing key: ``python -m identity rotate-signing-key`` adds a key, the
identity started after it signs new tokens with it, its JWKS serves the new and the
previous key, tokens of the previous stay valid until they expire, and a verifier of
another service (shared.http.auth.TokenVerifier, which caches keys and tokens) fetches the
new key when a token names it. Keys kept in the database: the dev and test setup; the
file-based production rotation is tests/e2e/test_key_rotation.py."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import jwt
import pytest

from shared.http.auth import TokenVerifier, http_jwks_source

from identity.app import create_app


def _now() -> datetime:
    return datetime.now(timezone.utc)


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


@pytest.fixture
def schema():
    # a schema of its own: other tests' identities keep the session's key
    return f"identity_rot_{uuid.uuid4().hex[:8]}"


async def rotate(database_url: str, schema: str, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "IDENTITY_"))}
    env.update(APP_ENV="test", IDENTITY_DATABASE_URL=database_url, IDENTITY_DB_SCHEMA=schema)
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "identity", "rotate-signing-key", *extra],
                                   env=env, capture_output=True, text=True, timeout=60)


async def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
        aiohttp_client, identity_settings, api_for, database_url, schema, tmp_path):
    settings = identity_settings(db_schema=schema)
    before = api_for(await aiohttp_client(create_app(settings)))
    account = await before.account()
    old_token = account.tokens["access_token"]
    old_kid = kid_of(old_token)
    # another service's verifier, as it stands before the rotation: it knows the old key
    verifier = TokenVerifier(http_jwks_source(str(before.client.make_url("/.well-known/jwks.json"))),
                             _now, min_refresh=0.5)
    assert (await verifier.verify(old_token)).user_id == account.id

    done = await rotate(database_url, schema)
    assert done.returncode == 0, done.stderr
    assert f"previous {old_kid}" in done.stdout

    # the identity started after the rotation (a restart, or a new replica)
    after = api_for(await aiohttp_client(create_app(settings)))
    r = await after.client.get("/.well-known/jwks.json")
    kids = [k["kid"] for k in (await r.json())["keys"]]
    assert len(kids) == 2 and kids[1] == old_kid
    new_kid = kids[0]

    login = await after.login(account.username, account.password)
    assert login.status == 200
    new_token = (await login.json())["access_token"]
    assert kid_of(new_token) == new_kid != old_kid
    assert (await after.me(old_token)).status == 200      # the previous key's token, still valid
    assert (await after.me(new_token)).status == 200

    # the other service: the JWKS it reads now comes from the new identity; a token with a
    # kid it has not seen makes it fetch again (at most every min_refresh seconds)
    verifier.source = http_jwks_source(str(after.client.make_url("/.well-known/jwks.json")))
    await asyncio.sleep(0.6)
    assert (await verifier.verify(new_token)).user_id == account.id
    fresh = TokenVerifier(verifier.source, _now)            # no cached token: the old key is served
    assert (await fresh.verify(old_token)).user_id == account.id

    # a second rotation retires the first key: its tokens are refused
    assert (await rotate(database_url, schema)).returncode == 0
    latest = api_for(await aiohttp_client(create_app(settings)))
    r = await latest.client.get("/.well-known/jwks.json")
    assert old_kid not in [k["kid"] for k in (await r.json())["keys"]]
    assert (await latest.me(old_token)).status == 401
    assert (await latest.me(new_token)).status == 200


async def test_rotation_with_key_files_writes_a_new_key_and_leaves_the_database(database_url, schema, tmp_path):
    out = tmp_path / "next.pem"
    done = await rotate(database_url, schema, "--pem-out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    again = await rotate(database_url, schema, "--pem-out", str(out))
    assert again.returncode == 1 and "not overwritten" in again.stderr
