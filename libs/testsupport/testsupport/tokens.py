"""Access tokens for tests of services other than identity: a real Ed25519 key, its JWKS
served over real HTTP, and tokens signed like identity signs them."""
from __future__ import annotations

import base64
import time
import uuid

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "cardcenter-identity"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenFactory:
    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex[:16]
        self.key = Ed25519PrivateKey.generate()
        self.jwks_url = ""

    def jwks(self) -> dict:
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": _b64(raw), "kid": self.kid,
                          "alg": "EdDSA", "use": "sig"}]}

    def token(self, user_id: str | None = None, roles=("agent",), *, name: str = "测试用户",
              ttl: float = 3600, now: float | None = None) -> str:
        issued = now if now is not None else time.time()
        claims = {"sub": user_id or str(uuid.uuid4()), "roles": list(roles), "name": name, "iss": ISSUER,
                  "iat": int(issued), "exp": int(issued + ttl), "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.kid})

    def headers(self, user_id: str | None = None, roles=("agent",), **kw) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, roles, **kw)}"}


@pytest.fixture(scope="session")
async def token_factory():
    """A TokenFactory whose JWKS is served on a real port for the whole session; pass
    ``jwks_url=token_factory.jwks_url`` to ``settings_for``."""
    factory = TokenFactory()
    app = web.Application()

    async def serve(_request):
        return web.json_response(factory.jwks())

    app.router.add_get("/.well-known/jwks.json", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # a started site has its server
    factory.jwks_url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
    yield factory
    await runner.cleanup()
