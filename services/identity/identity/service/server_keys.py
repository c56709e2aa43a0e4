"""The token signing key and the SMS code secret: read from settings or a file when given,
else made on first start and kept in the identity schema, the same for every replica."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from shared.db import Database

from identity.adapters import server_secrets
from identity.domain.signing_keys import SigningKey, VerificationKey, jwks
from identity.settings import IdentitySettings

SIGNING_KEY = "token_signing_key"
CODE_SECRET = "sms_code_secret"


@dataclass
class ServerKeys:
    signing_key: SigningKey | None = None
    code_secret: bytes | None = None

    def jwks(self) -> dict:
        return jwks([self.signing_key] if self.signing_key else [])

    async def jwks_source(self) -> dict:
        """For shared.http.auth.TokenVerifier: identity's own keys, read in-process."""
        return self.jwks()

    def verification_keys(self) -> dict[str, VerificationKey]:
        key = self.signing_key
        return {key.kid: key.verification_key()} if key else {}

    def require_signing_key(self) -> SigningKey:
        if self.signing_key is None:
            raise RuntimeError("the signing key is not loaded yet")
        return self.signing_key

    def require_code_secret(self) -> bytes:
        if not self.code_secret:
            raise RuntimeError("the SMS code secret is not loaded yet")
        return self.code_secret


async def load_server_keys(db: Database, settings: IdentitySettings) -> ServerKeys:
    if settings.signing_key_file:
        signing_key = SigningKey.from_pem(Path(settings.signing_key_file).read_bytes())
    else:
        async with db.transaction() as conn:
            pem = await server_secrets.get_or_create(conn, SIGNING_KEY, SigningKey.generate().private_pem())
        signing_key = SigningKey.from_pem(pem)
    if settings.code_secret is not None and settings.code_secret.get_secret_value():
        code_secret = settings.code_secret.get_secret_value().encode("utf-8")
    else:
        async with db.transaction() as conn:
            code_secret = bytes.fromhex(await server_secrets.get_or_create(conn, CODE_SECRET, secrets.token_hex(32)))
    return ServerKeys(signing_key=signing_key, code_secret=code_secret)
