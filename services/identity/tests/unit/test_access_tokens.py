import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from identity.domain.access_tokens import ISSUER, issue_access_token, verify_access_token
from identity.domain.errors import TokenExpired, TokenInvalid
from identity.domain.signing_keys import SigningKey
from shared.http.statuses import status_of

TTL = timedelta(minutes=15)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def keys(key):
    return {key.kid: key.verification_key()}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict, payload: dict, signature: bytes = b"") -> str:
    head = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    return head + "." + b64url(signature)


def claims_at(now, **extra):
    iat = int(now.timestamp())
    return {"iss": ISSUER, "sub": "u1", "roles": ["agent"], "name": "张三", "iat": iat,
            "exp": iat + 900, "jti": "j", **extra}


def test_issue_then_verify(key, keys, now):
    token = issue_access_token(key, sub="u1", roles=["agent", "staff"], name="张三", now=now, ttl=TTL, sid="fam")
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"] == key.kid
    claims = verify_access_token(token, keys, now)
    assert (claims.sub, claims.roles, claims.name, claims.sid, claims.kid) == ("u1", ("agent", "staff"), "张三", "fam", key.kid)
    assert claims.issued_at == now and claims.expires_at == now + TTL


def test_the_payload_has_the_agreed_claims(key, now):
    token = issue_access_token(key, sub="u1", roles=["agent"], name="N", now=now, ttl=TTL)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"iss", "sub", "roles", "name", "iat", "exp", "jti"}
    assert payload["iss"] == "cardcenter-identity" and payload["exp"] - payload["iat"] == 900


def test_jti_is_unique(key, now):
    tokens = [issue_access_token(key, sub="u1", roles=[], name="N", now=now) for _ in range(3)]
    assert len({jwt.decode(t, options={"verify_signature": False})["jti"] for t in tokens}) == 3


def test_expiry_follows_the_given_clock_not_the_machine(key, keys, now):
    # The fixed test clock is in the future of the real one; a token from years ago is expired.
    token = issue_access_token(key, sub="u1", roles=[], name="N", now=now, ttl=TTL)
    verify_access_token(token, keys, now + TTL - timedelta(seconds=1))
    with pytest.raises(TokenExpired) as exc:
        verify_access_token(token, keys, now + TTL)  # not accepted on or after exp
    assert status_of(exc.value) == 401
    old = issue_access_token(key, sub="u1", roles=[], name="N", now=now - timedelta(days=3650), ttl=TTL)
    verify_access_token(old, keys, now - timedelta(days=3650))


def test_leeway(key, keys, now):
    token = issue_access_token(key, sub="u1", roles=[], name="N", now=now, ttl=TTL)
    verify_access_token(token, keys, now + TTL + timedelta(seconds=20), leeway=timedelta(seconds=30))


def test_forged_with_another_key_under_our_kid(key, keys, now):
    other = SigningKey.generate()
    forged = jwt.encode(claims_at(now), other.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    with pytest.raises(TokenInvalid) as exc:
        verify_access_token(forged, keys, now)
    assert not isinstance(exc.value, TokenExpired)


def test_unknown_kid_and_missing_kid(keys, now):
    other = SigningKey.generate()
    token = issue_access_token(other, sub="u1", roles=[], name="N", now=now)
    with pytest.raises(TokenInvalid):
        verify_access_token(token, keys, now)
    no_kid = jwt.encode(claims_at(now), other.private_key, algorithm="EdDSA")
    with pytest.raises(TokenInvalid):
        verify_access_token(no_kid, keys, now)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_alg_none_is_refused(key, keys, now, alg):
    token = handmade({"alg": alg, "typ": "JWT", "kid": key.kid}, claims_at(now))
    with pytest.raises(TokenInvalid):
        verify_access_token(token, keys, now)


@pytest.mark.parametrize("alg, digest", [("HS256", hashlib.sha256), ("HS512", hashlib.sha512)])
def test_hmac_signed_with_the_public_key_bytes_is_refused(key, keys, now, alg, digest):
    public_pem = key.verification_key().public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header, payload = {"alg": alg, "typ": "JWT", "kid": key.kid}, claims_at(now)
    unsigned = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    for secret in (public_pem, json.dumps(key.public_jwk()).encode(), key.public_jwk()["x"].encode()):
        mac = hmac.new(secret, unsigned.encode(), digest).digest()
        with pytest.raises(TokenInvalid):
            verify_access_token(unsigned + "." + b64url(mac), keys, now)


def test_a_header_alg_that_does_not_match_the_key_is_refused(key, keys, now):
    # ES256 is allowed in general, but our kid names an Ed25519 key.
    p256 = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(claims_at(now), p256, algorithm="ES256", headers={"kid": key.kid})
    with pytest.raises(TokenInvalid):
        verify_access_token(token, keys, now)


def test_es256_keys_work(now):
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    key = SigningKey.from_pem(pem)
    token = issue_access_token(key, sub="u9", roles=["admin"], name="N", now=now)
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    assert verify_access_token(token, {key.kid: key.verification_key()}, now).sub == "u9"


def test_a_tampered_payload_is_refused(key, keys, now):
    token = issue_access_token(key, sub="u1", roles=["agent"], name="N", now=now)
    head, _, sig = token.split(".")
    evil = b64url(json.dumps(claims_at(now, roles=["admin"])).encode())
    with pytest.raises(TokenInvalid):
        verify_access_token(f"{head}.{evil}.{sig}", keys, now)


@pytest.mark.parametrize("change", [
    {"iss": "someone-else"},
    {"sub": ""},
    {"sub": 42},
    {"roles": "admin"},
    {"roles": [1]},
    {"exp": "tomorrow"},
    {"exp": True},
])
def test_bad_claims_are_refused_even_when_signed(key, keys, now, change):
    token = jwt.encode(claims_at(now, **change), key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    with pytest.raises(TokenInvalid):
        verify_access_token(token, keys, now)


@pytest.mark.parametrize("missing", ["exp", "sub", "roles", "name", "iss", "iat"])
def test_missing_claims_are_refused(key, keys, now, missing):
    payload = claims_at(now)
    del payload[missing]
    token = jwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    with pytest.raises(TokenInvalid):
        verify_access_token(token, keys, now)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "x" * 9000, None])
def test_garbage_is_refused(keys, now, token):
    with pytest.raises(TokenInvalid):
        verify_access_token(token, keys, now)
