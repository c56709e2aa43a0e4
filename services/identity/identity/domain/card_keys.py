"""Public keys of e-port cards: loading them and checking their signatures.

Only Ed25519 and ECDSA over P-256 (with SHA-256) are accepted: the two the cards hold.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from identity.domain.encoding import b64_decode_lenient
from identity.domain.errors import CardKeyInvalid

# A P-256 or Ed25519 SPKI PEM is under 200 characters; anything far larger is not one.
MAX_PEM_CHARS = 4096
MAX_SIGNATURE_CHARS = 512
P256_RAW_SIGNATURE_BYTES = 64


class CardKeyAlgorithm(StrEnum):
    ED25519 = "Ed25519"
    P256 = "ECDSA-P256"


@dataclass(frozen=True)
class CardKey:
    algorithm: CardKeyAlgorithm
    pem: str           # canonical SubjectPublicKeyInfo PEM, as stored
    fingerprint: str   # sha256 hex of the DER SubjectPublicKeyInfo

    def verify(self, message: bytes, signature_b64: str) -> bool:
        """True when ``signature_b64`` is this key's signature over ``message``."""
        return verify_signature(self, message, signature_b64)


def load_card_key(pem: object) -> CardKey:
    """Parse a PEM public key; 422 validation_error (field public_key) unless Ed25519 or P-256."""
    if not isinstance(pem, str) or not pem.strip():
        raise CardKeyInvalid("a PEM public key is required")
    if len(pem) > MAX_PEM_CHARS:
        raise CardKeyInvalid("the public key is too long")
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm):
        raise CardKeyInvalid("not a PEM public key") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        algorithm = CardKeyAlgorithm.ED25519
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = CardKeyAlgorithm.P256
    else:
        raise CardKeyInvalid("only Ed25519 and ECDSA P-256 public keys are accepted")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    canonical = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return CardKey(algorithm=algorithm, pem=canonical.decode("ascii"),
                   fingerprint=hashlib.sha256(der).hexdigest())


def verify_signature(card_key: CardKey, message: bytes, signature_b64: str) -> bool:
    """Check a base64 (standard or url-safe) signature; any malformed input is simply False.

    P-256 signatures are accepted DER-encoded or as raw 64-byte r||s (what PKCS#11 and
    WebCrypto produce); both are over SHA-256 of the message.
    """
    if not isinstance(signature_b64, str) or len(signature_b64) > MAX_SIGNATURE_CHARS:
        return False
    try:
        signature = b64_decode_lenient(signature_b64)
    except ValueError:
        return False
    key = serialization.load_pem_public_key(card_key.pem.encode("ascii"))
    if card_key.algorithm is CardKeyAlgorithm.ED25519:
        return isinstance(key, ed25519.Ed25519PublicKey) and _verify_ed25519(key, message, signature)
    return isinstance(key, ec.EllipticCurvePublicKey) and _verify_p256(key, message, signature)


def _verify_ed25519(key: ed25519.Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def _verify_p256(key: ec.EllipticCurvePublicKey, message: bytes, signature: bytes) -> bool:
    candidates = []
    if len(signature) == P256_RAW_SIGNATURE_BYTES:
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        candidates.append(encode_dss_signature(r, s))
    # A DER signature can also be 64 bytes long (short r and s): try it as DER too.
    candidates.append(signature)
    for der in candidates:
        try:
            key.verify(der, message, ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError):
            continue
    return False
