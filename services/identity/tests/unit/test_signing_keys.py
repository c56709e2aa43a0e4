import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from identity.domain.encoding import b64url_decode
from identity.domain.signing_keys import SigningKey, thumbprint


def pkcs8(private_key) -> str:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()


def test_rfc8037_thumbprint_vector():
    # RFC 8037 appendix A.3: the JWK thumbprint of the example Ed25519 key.
    public = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"))
    assert thumbprint(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_a_generated_key_is_ed25519_with_a_thumbprint_kid():
    key = SigningKey.generate()
    assert key.alg == "EdDSA"
    assert key.kid == thumbprint(key.private_key.public_key())
    assert SigningKey.generate().kid != key.kid


def test_the_pem_round_trip_keeps_the_kid():
    key = SigningKey.generate()
    pem = key.private_pem()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert SigningKey.from_pem(pem).kid == key.kid
    assert SigningKey.from_pem(pem.encode()).kid == key.kid


def test_the_repr_does_not_leak_the_private_key():
    key = SigningKey.generate()
    body = key.private_pem().splitlines()[1]
    assert body not in repr(key) and key.kid in repr(key)


def test_public_jwk_for_jwks():
    key = SigningKey.generate()
    jwk = key.public_jwk()
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"], jwk["kid"]) == ("OKP", "Ed25519", "EdDSA", "sig", key.kid)
    assert len(b64url_decode(jwk["x"])) == 32
    assert "d" not in jwk


def test_a_p256_key_from_a_file_signs_es256():
    key = SigningKey.from_pem(pkcs8(ec.generate_private_key(ec.SECP256R1())))
    jwk = key.public_jwk()
    assert key.alg == "ES256"
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("EC", "P-256", "ES256")
    assert len(b64url_decode(jwk["x"])) == len(b64url_decode(jwk["y"])) == 32


@pytest.mark.parametrize("pem", [
    pkcs8(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    pkcs8(ec.generate_private_key(ec.SECP384R1())),
    "not a pem",
    SigningKey.generate().verification_key().public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
])
def test_other_keys_cannot_sign(pem):
    with pytest.raises(ValueError):
        SigningKey.from_pem(pem)
