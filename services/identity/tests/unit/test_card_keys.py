import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from identity.domain.card_keys import CardKeyAlgorithm, load_card_key
from identity.domain.cards import normalize_card_no
from identity.domain.errors import CardKeyInvalid
from shared.errors import ValidationFailed

MESSAGE = b"the-nonce-text"


def pem_of(private_key) -> str:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def raw_p256(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_ed25519_key_loads_and_verifies():
    private = ed25519.Ed25519PrivateKey.generate()
    key = load_card_key(pem_of(private))
    assert key.algorithm is CardKeyAlgorithm.ED25519
    assert key.verify(MESSAGE, b64(private.sign(MESSAGE)))


def test_p256_accepts_der_and_raw_signatures():
    private = ec.generate_private_key(ec.SECP256R1())
    key = load_card_key(pem_of(private))
    assert key.algorithm is CardKeyAlgorithm.P256
    der = private.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
    assert key.verify(MESSAGE, b64(der))
    assert key.verify(MESSAGE, b64(raw_p256(der)))


def test_url_safe_and_unpadded_base64_are_accepted():
    private = ed25519.Ed25519PrivateKey.generate()
    key = load_card_key(pem_of(private))
    sig = private.sign(MESSAGE)
    assert key.verify(MESSAGE, base64.urlsafe_b64encode(sig).decode().rstrip("="))


def test_signature_by_another_key_fails():
    key = load_card_key(pem_of(ed25519.Ed25519PrivateKey.generate()))
    assert not key.verify(MESSAGE, b64(ed25519.Ed25519PrivateKey.generate().sign(MESSAGE)))
    p256 = load_card_key(pem_of(ec.generate_private_key(ec.SECP256R1())))
    other = ec.generate_private_key(ec.SECP256R1()).sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
    assert not p256.verify(MESSAGE, b64(other))
    assert not p256.verify(MESSAGE, b64(raw_p256(other)))


def test_signature_over_another_message_fails():
    private = ec.generate_private_key(ec.SECP256R1())
    key = load_card_key(pem_of(private))
    assert not key.verify(MESSAGE, b64(private.sign(b"other", ec.ECDSA(hashes.SHA256()))))


def test_p256_with_another_hash_fails():
    private = ec.generate_private_key(ec.SECP256R1())
    key = load_card_key(pem_of(private))
    assert not key.verify(MESSAGE, b64(private.sign(MESSAGE, ec.ECDSA(hashes.SHA384()))))


@pytest.mark.parametrize("signature", ["", "!!!not base64!!!", "A", b64(b"\x00" * 64), b64(b"\x30\x02\x01"),
                                       "A" * 600, None, b64(b"\x00" * 63)])
def test_malformed_signatures_are_false_not_errors(signature):
    for private in (ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())):
        assert load_card_key(pem_of(private)).verify(MESSAGE, signature) is False


@pytest.mark.parametrize("make", [
    lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    lambda: ec.generate_private_key(ec.SECP384R1()),
    lambda: ec.generate_private_key(ec.SECP256K1()),
])
def test_other_key_types_are_refused(make):
    with pytest.raises(CardKeyInvalid) as exc:
        load_card_key(pem_of(make()))
    assert exc.value.code == "validation_error"
    assert exc.value.extra["errors"][0]["field"] == "public_key"


def test_a_private_key_pem_is_refused_and_not_echoed():
    private_pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with pytest.raises(CardKeyInvalid) as exc:
        load_card_key(private_pem)
    assert private_pem.splitlines()[1] not in str(exc.value)


@pytest.mark.parametrize("pem", ["", "garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
                                 "-----BEGIN PUBLIC KEY-----\n" + "A" * 5000 + "\n-----END PUBLIC KEY-----",
                                 "密钥", None, 42])
def test_garbage_is_refused(pem):
    with pytest.raises(CardKeyInvalid):
        load_card_key(pem)


def test_the_stored_pem_is_canonical_and_the_fingerprint_stable():
    private = ec.generate_private_key(ec.SECP256R1())
    pem = pem_of(private)
    messy = "\n\n" + pem.replace("\n", "\r\n") + "\n\n"
    assert load_card_key(messy) == load_card_key(pem)
    assert load_card_key(pem).pem == pem
    assert len(load_card_key(pem).fingerprint) == 64


@pytest.mark.parametrize("raw, stored", [("abc123", "ABC123"), (" 8800000012345 ", "8800000012345"), ("A" * 32, "A" * 32)])
def test_card_numbers(raw, stored):
    assert normalize_card_no(raw) == stored


@pytest.mark.parametrize("raw", ["", "A" * 33, "88-0000", "８８", "卡号", None])
def test_bad_card_numbers(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_card_no(raw)
    assert exc.value.extra["errors"][0]["field"] == "card_no"
