"""Short-lived access tokens: JWTs signed with identity's asymmetric key.

Claims: iss, sub (user id), roles, name, iat, exp, jti, and sid (the refresh-token family,
so that logout with only an access token knows which session to revoke). The header names
the key (kid). Verification takes the algorithm from the key the kid names, never from the
token, and accepts only EdDSA and ES256: "none" and HS* tokens are refused before any
signature is checked. Expiry is judged against the ``now`` passed in (the service clock,
which tests can move), not the machine's clock.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, TypeGuard

import jwt

from identity.domain.errors import TokenExpired, TokenInvalid
from identity.domain.signing_keys import EDDSA, ES256, SigningKey, VerificationKey
from identity.domain.timeutil import require_aware

ISSUER = "cardcenter-identity"
ALLOWED_ALGORITHMS = (EDDSA, ES256)
DEFAULT_ACCESS_TTL = timedelta(minutes=15)
MAX_TOKEN_CHARS = 8192
_REQUIRED_CLAIMS = ("iss", "sub", "roles", "name", "iat", "exp")


@dataclass(frozen=True)
class AccessClaims:
    sub: str
    roles: tuple[str, ...]
    name: str
    issued_at: datetime
    expires_at: datetime
    jti: str
    kid: str
    sid: str | None = None


def issue_access_token(key: SigningKey, *, sub: str, roles: Iterable[str], name: str,
                       now: datetime, ttl: timedelta = DEFAULT_ACCESS_TTL,
                       sid: str | None = None) -> str:
    """A signed JWT; ``expires_in`` for the client is ``ttl`` in seconds."""
    require_aware(now)
    iat = int(now.timestamp())
    claims = {
        "iss": ISSUER,
        "sub": sub,
        "roles": list(roles),
        "name": name,
        "iat": iat,
        "exp": iat + int(ttl.total_seconds()),
        "jti": secrets.token_urlsafe(16),
    }
    if sid is not None:
        claims["sid"] = sid
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid, "typ": "JWT"})


def verify_access_token(token: str, keys: Mapping[str, VerificationKey], now: datetime,
                        *, leeway: timedelta = timedelta(0)) -> AccessClaims:
    """The claims of a valid token; 401 auth.token_invalid / auth.token_expired otherwise.

    ``keys`` maps kid -> key: ``{k.kid: k.verification_key()}`` (identity's own keys; the
    other services verify through ``shared.http.auth`` and the JWKS).
    """
    require_aware(now)
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise TokenInvalid("malformed token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenInvalid("malformed token") from None
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALLOWED_ALGORITHMS:
        raise TokenInvalid("token algorithm not accepted")
    if not isinstance(kid, str) or (key := keys.get(kid)) is None:
        raise TokenInvalid("unknown signing key")
    if key.alg != alg:
        raise TokenInvalid("token algorithm does not match its key")
    try:
        payload = jwt.decode(
            token, key.public_key, algorithms=[key.alg], issuer=ISSUER,
            # Time claims are checked below against ``now``; PyJWT would use the real clock.
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                     "verify_aud": False, "require": list(_REQUIRED_CLAIMS)},
        )
    except jwt.PyJWTError:
        raise TokenInvalid("invalid token") from None
    return _claims(payload, kid, now, leeway)


def _claims(payload: dict[str, Any], kid: str, now: datetime, leeway: timedelta) -> AccessClaims:
    sub, roles, name = payload.get("sub"), payload.get("roles"), payload.get("name")
    iat, exp = payload.get("iat"), payload.get("exp")
    if (not isinstance(sub, str) or not sub or not isinstance(name, str)
            or not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)
            or not _is_int(iat) or not _is_int(exp)):
        raise TokenInvalid("invalid token claims")
    expires_at = datetime.fromtimestamp(exp, tz=timezone.utc)
    # RFC 7519: not accepted on or after exp.
    if now >= expires_at + leeway:
        raise TokenExpired()
    sid = payload.get("sid")
    return AccessClaims(sub=sub, roles=tuple(roles), name=name,
                        issued_at=datetime.fromtimestamp(iat, tz=timezone.utc),
                        expires_at=expires_at, jti=str(payload.get("jti", "")), kid=kid,
                        sid=sid if isinstance(sid, str) else None)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
