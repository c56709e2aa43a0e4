"""The token signing key and the SMS code secret. In production (APP_ENV=prod) they are
files only, mounted from Kubernetes Secrets: no copy in the database, which every backup
and any injection could read. In dev and test, without files, they are made on first start
and kept in the identity schema, the same for every replica.

Rotation: the signing key changes, the one before it stays in JWKS (verification only) so
tokens it signed stay valid until they expire. Files: IDENTITY_SIGNING_KEY_FILE names the
new key, IDENTITY_VERIFICATION_KEY_FILES the old one. Database: ``python -m identity
rotate-signing-key`` moves the stored key to ``token_signing_key.previous``."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shared.unit_of_work import UnitOfWork

from identity.adapters import server_secrets
from identity.domain.signing_keys import SigningKey, VerificationKey, jwks, verification_key_from_pem
from identity.settings import IdentitySettings

SIGNING_KEY = "token_signing_key"
PREVIOUS_SIGNING_KEY = "token_signing_key.previous"
CODE_SECRET = "sms_code_secret"
MIN_CODE_SECRET_BYTES = 32


class MissingProductionSecrets(SystemExit):
    """Identity refuses to start: the message says what is missing (exit status 1)."""


def production_secrets_problem(settings: IdentitySettings) -> str | None:
    """Why identity may not start in production, or None."""
    if settings.app_env != "prod":
        return None
    named = {"IDENTITY_SIGNING_KEY_FILE": settings.signing_key_file,
             "IDENTITY_CODE_SECRET_FILE": settings.code_secret_file}
    missing = [env for env, path in named.items() if not path]
    unreadable = [f"{env}={path}" for env, path in named.items() if path and not Path(path).is_file()]
    if not missing and not unreadable:
        return None
    parts = []
    if missing:
        parts.append("missing " + " and ".join(missing))
    if unreadable:
        parts.append("no such file: " + ", ".join(unreadable))
    return ("identity: APP_ENV=prod needs its signing key and SMS code secret as files (Kubernetes "
            "Secrets, docs/operations.md); the copies in the database are for dev and test only: "
            + "; ".join(parts))


def require_production_secrets(settings: IdentitySettings) -> None:
    problem = production_secrets_problem(settings)
    if problem:
        raise MissingProductionSecrets(problem)


@dataclass
class ServerKeys:
    signing_key: SigningKey | None = None
    code_secret: bytes | None = None
    # Published and trusted, never signed with: the previous key (and a next one).
    other_keys: tuple[VerificationKey, ...] = ()

    def take(self, loaded: "ServerKeys") -> None:
        """Adopt freshly loaded keys in place (the verifier holds a bound method of self)."""
        self.signing_key, self.code_secret, self.other_keys = loaded.signing_key, loaded.code_secret, loaded.other_keys

    def _published(self) -> list[VerificationKey]:
        keys = [self.signing_key.verification_key()] if self.signing_key else []
        for k in self.other_keys:
            if all(k.kid != seen.kid for seen in keys):
                keys.append(k)
        return keys

    def jwks(self) -> dict:
        return jwks(self._published())

    async def jwks_source(self) -> dict:
        """For shared.http.auth.TokenVerifier: identity's own keys, read in-process."""
        return self.jwks()

    def verification_keys(self) -> dict[str, VerificationKey]:
        return {k.kid: k for k in self._published()}

    def require_signing_key(self) -> SigningKey:
        if self.signing_key is None:
            raise RuntimeError("the signing key is not loaded yet")
        return self.signing_key

    def require_code_secret(self) -> bytes:
        if not self.code_secret:
            raise RuntimeError("the SMS code secret is not loaded yet")
        return self.code_secret


def read_code_secret_file(path: str) -> bytes:
    secret = Path(path).read_bytes().strip()
    if len(secret) < MIN_CODE_SECRET_BYTES:
        raise ValueError(f"IDENTITY_CODE_SECRET_FILE: at least {MIN_CODE_SECRET_BYTES} bytes are needed")
    return secret


async def load_server_keys(unit_of_work: Callable[[], UnitOfWork], settings: IdentitySettings) -> ServerKeys:
    """``unit_of_work``: the context's (``IdentityContext.unit_of_work``), which holds the keys."""
    require_production_secrets(settings)
    other_keys = [verification_key_from_pem(Path(f).read_bytes()) for f in settings.verification_key_files]
    if settings.signing_key_file:
        signing_key = SigningKey.from_pem(Path(settings.signing_key_file).read_bytes())
    else:
        async with unit_of_work() as uow:
            pem = await server_secrets.get_or_create(uow.conn, SIGNING_KEY, SigningKey.generate().private_pem())
            previous = await server_secrets.get(uow.conn, PREVIOUS_SIGNING_KEY)
        signing_key = SigningKey.from_pem(pem)
        if previous:
            other_keys.append(SigningKey.from_pem(previous).verification_key())
    if settings.code_secret_file:
        code_secret = read_code_secret_file(settings.code_secret_file)
    elif settings.code_secret is not None and settings.code_secret.get_secret_value():
        code_secret = settings.code_secret.get_secret_value().encode("utf-8")
    else:
        async with unit_of_work() as uow:
            code_secret = bytes.fromhex(await server_secrets.get_or_create(uow.conn, CODE_SECRET,
                                                                           secrets.token_hex(32)))
    return ServerKeys(signing_key=signing_key, code_secret=code_secret, other_keys=tuple(other_keys))


async def rotate_stored_signing_key(unit_of_work: Callable[[], UnitOfWork]) -> tuple[str | None, str]:
    """Dev and test: a new signing key in the schema, the current one kept as the previous
    (the one before that is dropped). Returns (previous kid, new kid). Identity signs with
    the new key once restarted."""
    new = SigningKey.generate()
    async with unit_of_work() as uow:
        conn = uow.conn
        await conn.execute("LOCK TABLE server_secrets IN SHARE ROW EXCLUSIVE MODE")
        current = await server_secrets.get(conn, SIGNING_KEY)
        if current:
            await server_secrets.put(conn, PREVIOUS_SIGNING_KEY, current)
        await server_secrets.put(conn, SIGNING_KEY, new.private_pem())
    return (SigningKey.from_pem(current).kid if current else None), new.kid
