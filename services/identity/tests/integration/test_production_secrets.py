"""APP_ENV=prod: identity starts only with its signing key and SMS code secret as files (the
way Kubernetes mounts Secrets), never with the copies it keeps in the database for dev and
test. Run as the real command, ``python -m identity``, against the session's database."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import aiohttp
import pytest

from testsupport.fixtures import free_port

from identity.domain.signing_keys import SigningKey

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def prod_env(service_database_urls, amqp_url):
    def build(**files: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "IDENTITY_"))}
        env.update(APP_ENV="prod", IDENTITY_DATABASE_URL=service_database_urls["identity"], AMQP_URL=amqp_url,
                   IDENTITY_PORT=str(free_port()), IDENTITY_ARGON2_MEMORY_COST="8", LOG_LEVEL="WARNING", **files)
        return env
    return build


@pytest.fixture
def key_files(tmp_path):
    key = SigningKey.generate()
    (tmp_path / "signing.pem").write_text(key.private_pem())
    (tmp_path / "code-secret").write_text(os.urandom(32).hex() + "\n")
    return key, {"IDENTITY_SIGNING_KEY_FILE": str(tmp_path / "signing.pem"),
                 "IDENTITY_CODE_SECRET_FILE": str(tmp_path / "code-secret")}


def start(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "identity"], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("given, missing", [
    ((), ["IDENTITY_SIGNING_KEY_FILE", "IDENTITY_CODE_SECRET_FILE"]),
    (("IDENTITY_SIGNING_KEY_FILE",), ["IDENTITY_CODE_SECRET_FILE"]),
    (("IDENTITY_CODE_SECRET_FILE",), ["IDENTITY_SIGNING_KEY_FILE"]),
])
def test_prod_identity_does_not_start_without_its_key_files(prod_env, key_files, given, missing):
    _, files = key_files
    done = start(prod_env(**{k: files[k] for k in given}))
    assert done.returncode != 0
    assert "APP_ENV=prod" in done.stderr
    for name in missing:
        assert name in done.stderr
    assert "Traceback" not in done.stderr     # a clear sentence, not a crash


def test_prod_identity_refuses_a_named_file_that_is_not_there(prod_env, key_files, tmp_path):
    _, files = key_files
    done = start(prod_env(**{**files, "IDENTITY_CODE_SECRET_FILE": str(tmp_path / "absent")}))
    assert done.returncode != 0
    assert "no such file: IDENTITY_CODE_SECRET_FILE=" in done.stderr


async def test_prod_identity_with_its_files_serves_the_file_key(prod_env, key_files):
    key, files = key_files
    env = prod_env(**files)
    proc = subprocess.Popen([sys.executable, "-m", "identity"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{env['IDENTITY_PORT']}"
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
                try:
                    async with http.get(f"{url}/.well-known/jwks.json") as r:
                        if r.status == 200:
                            jwks = await r.json()
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("identity did not start")
        assert [k["kid"] for k in jwks["keys"]] == [key.kid]
    finally:
        proc.terminate()
        proc.wait(15)
