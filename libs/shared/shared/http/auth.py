"""Access tokens: verified by every service itself against identity's JWKS (cached, fetched
again on an unknown key id, at most once per ``min_refresh`` seconds). Only asymmetric
algorithms are accepted: ``alg: none`` and HMAC tokens are refused.

A verified token is remembered (a bounded LRU keyed by the token string): a client sends
the same token with every request for its ~15 minutes, and a repeat then costs a dict
look-up instead of a signature check. A remembered token is still refused once its ``exp``
has passed on the service clock, and forgotten as soon as the JWKS no longer holds the key
that verified it (the signature is checked again, against the keys in force)."""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import jwt
from aiohttp import web

from shared.errors import Forbidden, Unauthorized
from shared.logging import bind_context, get_logger

log = get_logger(__name__)
ALGORITHMS = ["EdDSA", "ES256"]
ISSUER = "cardcenter-identity"


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: frozenset[str]
    name: str = ""
    session_id: str | None = None   # the refresh-token family (``sid``): what logout revokes

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


JwksSource = Callable[[], Awaitable[dict[str, Any]]]


def http_jwks_source(url: str, timeout: float = 3.0) -> JwksSource:
    async def fetch() -> dict[str, Any]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as s:
            async with s.get(url) as r:
                r.raise_for_status()
                document: dict[str, Any] = await r.json()
                return document
    return fetch


class TokenVerifier:
    def __init__(self, source: JwksSource, now: Callable[[], datetime], *, min_refresh: float = 10.0,
                 cache_size: int = 10_000) -> None:
        self.source = source
        self.now = now
        self.min_refresh = min_refresh
        self.cache_size = cache_size
        self._keys: dict[str, jwt.PyJWK] = {}
        self._jwks: dict[str, dict[str, Any]] = {}       # kid -> the JWK it was built from
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        # token -> (principal, exp, kid, the key object that verified it)
        self._verified: OrderedDict[str, tuple[Principal, float, str, jwt.PyJWK]] = OrderedDict()

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.min_refresh and self._keys:
                return
            try:
                jwks = await self.source()
            except Exception as exc:
                log.warning("jwks_fetch_failed", error=type(exc).__name__)
                self._fetched_at = time.monotonic()
                return
            keys, raw = {}, {}
            for k in jwks.get("keys", []):
                try:
                    kid = k["kid"]
                    # An unchanged key keeps its object, so tokens it verified stay remembered.
                    keys[kid] = self._keys[kid] if self._jwks.get(kid) == k else jwt.PyJWK(k)
                    raw[kid] = k
                except (KeyError, TypeError, jwt.PyJWKError, ValueError):
                    continue
            if keys:
                self._keys, self._jwks = keys, raw
            self._fetched_at = time.monotonic()

    async def key_for(self, kid: str) -> jwt.PyJWK | None:
        if kid not in self._keys:
            await self._refresh()
        return self._keys.get(kid)

    async def verify(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None:
            principal, exp, kid, key = hit
            if exp > self.now().timestamp() and self._keys.get(kid) is key:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]   # expired or its key is gone: the full check decides
        entry = await self._verify(token)
        self._verified[token] = entry
        principal = entry[0]
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float, str, jwt.PyJWK]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("The access token is malformed.", code="auth.invalid_token") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS or not isinstance(kid, str):
            raise Unauthorized("The access token's algorithm is not accepted.", code="auth.invalid_token")
        key = await self.key_for(kid)
        if key is None:
            raise Unauthorized("The access token was signed by an unknown key.", code="auth.invalid_token")
        try:
            # exp is checked against the service clock (which tests can move), not the OS clock.
            claims = jwt.decode(token, key=key, algorithms=[alg], issuer=ISSUER,
                                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                         "require": ["exp", "sub", "iss"],
                                         "verify_aud": False})
        except jwt.PyJWTError:
            raise Unauthorized("The access token is not valid.", code="auth.invalid_token") from None
        try:
            exp = float(claims["exp"])
        except (TypeError, ValueError):
            raise Unauthorized("The access token is not valid.", code="auth.invalid_token") from None
        if not exp > self.now().timestamp():   # (not <=: a NaN is no expiry)
            raise Unauthorized("The access token has expired.", code="auth.token_expired")
        roles = claims.get("roles") or []
        if not isinstance(roles, list):
            raise Unauthorized("The access token is not valid.", code="auth.invalid_token")
        sid = claims.get("sid")
        principal = Principal(str(claims["sub"]), frozenset(map(str, roles)), str(claims.get("name", "")),
                              str(sid) if sid is not None else None)
        return principal, exp, kid, key


VERIFIER_KEY = web.AppKey("token_verifier", TokenVerifier)
PRINCIPAL_KEY = web.RequestKey("principal", Principal)


async def authenticate(request: web.Request, *roles: str) -> Principal:
    """The caller, from ``Authorization: Bearer``; 401 without a valid token, 403 when the
    token lacks every one of ``roles`` (when roles are given)."""
    cached = request.get(PRINCIPAL_KEY)
    if cached is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Sign in first: send Authorization: Bearer <access token>.")
        cached = await request.app[VERIFIER_KEY].verify(token.strip())
        request[PRINCIPAL_KEY] = cached
        bind_context(user_id=cached.user_id)
    if roles and not cached.has(*roles):
        raise Forbidden(f"This needs the role {' or '.join(roles)}.")
    return cached




def principal_of(request: web.Request) -> Principal:
    """The caller a route's declared access already checked (shared.http.access). A handler
    on a route declared public has none: refused like a request without a token."""
    principal: Principal | None = request.get(PRINCIPAL_KEY)
    if principal is None:
        raise Unauthorized("Sign in first: send Authorization: Bearer <access token>.")
    return principal
