"""The keys identity signs access tokens with, and their public JWKs.

A new key is Ed25519 (JWS alg EdDSA). A key read from a file may also be ECDSA P-256
(ES256). The key id is the RFC 7638 JWK thumbprint: stable, derived from the public key,
the same on every replica.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterable, Union

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from identity.domain.encoding import b64url_encode

PrivateKey = Union[ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey]
PublicKey = Union[ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey]

EDDSA = "EdDSA"
ES256 = "ES256"


def _public_members(public_key: PublicKey) -> dict[str, str]:
    """The JWK members that define the key (RFC 7638 "required members")."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(raw)}
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        numbers = public_key.public_numbers()
        return {"crv": "P-256", "kty": "EC",
                "x": b64url_encode(numbers.x.to_bytes(32, "big")),
                "y": b64url_encode(numbers.y.to_bytes(32, "big"))}
    raise ValueError("only Ed25519 and P-256 keys can sign tokens")


def algorithm_for(public_key: PublicKey) -> str:
    """The one JWS alg a key may be used with (RFC 8725: the key decides, never the token)."""
    return EDDSA if isinstance(public_key, ed25519.Ed25519PublicKey) else ES256


def thumbprint(public_key: PublicKey) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, no whitespace; base64url."""
    canonical = json.dumps(_public_members(public_key), sort_keys=True, separators=(",", ":"))
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


@dataclass(frozen=True)
class VerificationKey:
    """A public key as a verifier holds it: its id, its one algorithm, the key."""
    kid: str
    alg: str
    public_key: PublicKey

    def jwk(self) -> dict[str, str]:
        return {**_public_members(self.public_key), "kid": self.kid, "alg": self.alg, "use": "sig"}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: PrivateKey

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls.from_private_key(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def from_private_key(cls, private_key: PrivateKey) -> "SigningKey":
        return cls(kid=thumbprint(private_key.public_key()), private_key=private_key)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> "SigningKey":
        """A key stored in the identity schema or read from a file (unencrypted PKCS#8)."""
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise ValueError("not an unencrypted PEM private key") from exc
        if not isinstance(key, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
            raise ValueError("only Ed25519 and P-256 keys can sign tokens")
        _public_members(key.public_key())  # refuses other curves
        return cls.from_private_key(key)

    @property
    def alg(self) -> str:
        return algorithm_for(self.private_key.public_key())

    def private_pem(self) -> str:
        """PKCS#8 PEM for storage. It is a secret: never log it."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode("ascii")

    def verification_key(self) -> VerificationKey:
        return VerificationKey(kid=self.kid, alg=self.alg, public_key=self.private_key.public_key())

    def public_jwk(self) -> dict[str, str]:
        return self.verification_key().jwk()

    def __repr__(self) -> str:  # keep the private key out of logs and tracebacks
        return f"SigningKey(kid={self.kid!r}, alg={self.alg!r})"


def verification_key_from_pem(pem: str | bytes) -> VerificationKey:
    """A key to verify with only: a retired (or not yet used) signing key's PEM, private or
    public (after a rotation the old private key need not stay mounted)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        return SigningKey.from_pem(data).verification_key()
    try:
        public_key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError("not a PEM public or private key") from exc
    if not isinstance(public_key, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        raise ValueError("only Ed25519 and P-256 keys can sign tokens")
    _public_members(public_key)  # refuses other curves
    return VerificationKey(kid=thumbprint(public_key), alg=algorithm_for(public_key), public_key=public_key)


def jwks(keys: Iterable[SigningKey | VerificationKey]) -> dict[str, list[dict[str, str]]]:
    """The body of GET /.well-known/jwks.json: public members only."""
    return {"keys": [k.public_jwk() if isinstance(k, SigningKey) else k.jwk() for k in keys]}
