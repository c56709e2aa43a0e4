import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from identity.domain.card_challenges import (
    CardChallenge,
    ChallengeRefusal,
    authenticate_card,
)
from identity.domain.card_keys import load_card_key
from identity.domain.cards import CardBinding
from identity.domain.encoding import b64url_decode
from identity.domain.errors import CardInvalid
from shared.http.statuses import status_of

CARD = "8800000012345"


@pytest.fixture
def private():
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture
def binding(private, now):
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return CardBinding(card_no=CARD, user_id="u1", key=load_card_key(pem), bound_at=now)


def sign(private, challenge: CardChallenge) -> str:
    return base64.b64encode(private.sign(challenge.nonce.encode("ascii"))).decode()


def test_a_challenge_is_a_fresh_32_byte_nonce_valid_two_minutes(now):
    a, b = CardChallenge.issue(CARD, now), CardChallenge.issue(CARD, now)
    assert len(b64url_decode(a.nonce)) == 32 and "=" not in a.nonce
    assert a.nonce != b.nonce and a.id != b.id
    assert a.expires_at == now + timedelta(minutes=2)
    assert a.message == a.nonce.encode("ascii")


def test_a_good_signature_logs_in(now, private, binding):
    challenge = CardChallenge.issue(CARD, now)
    result = authenticate_card(challenge, CARD, binding, sign(private, challenge), now + timedelta(seconds=30))
    assert result.ok and result.user_id == "u1"
    assert challenge.used_at == now + timedelta(seconds=30)
    result.raise_if_refused()


def test_p256_card_with_raw_signature_logs_in(now):
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    binding = CardBinding(CARD, "u2", load_card_key(pem), now)
    challenge = CardChallenge.issue(CARD, now)
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    r, s = decode_dss_signature(private.sign(challenge.message, ec.ECDSA(hashes.SHA256())))
    raw = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    assert authenticate_card(challenge, CARD, binding, raw, now).user_id == "u2"


def test_a_replayed_challenge_is_refused(now, private, binding):
    challenge = CardChallenge.issue(CARD, now)
    signature = sign(private, challenge)
    assert authenticate_card(challenge, CARD, binding, signature, now).ok
    replay = authenticate_card(challenge, CARD, binding, signature, now + timedelta(seconds=1))
    assert not replay.ok and replay.refusal is ChallengeRefusal.USED


def test_valid_at_two_minutes_expired_one_second_later(now, private, binding):
    on_time = CardChallenge.issue(CARD, now)
    assert authenticate_card(on_time, CARD, binding, sign(private, on_time), now + timedelta(minutes=2)).ok
    late = CardChallenge.issue(CARD, now)
    result = authenticate_card(late, CARD, binding, sign(private, late), now + timedelta(minutes=2, seconds=1))
    assert result.refusal is ChallengeRefusal.EXPIRED


def test_a_failed_try_uses_the_challenge_up(now, private, binding):
    challenge = CardChallenge.issue(CARD, now)
    assert authenticate_card(challenge, CARD, binding, "AAAA", now).refusal is ChallengeRefusal.BAD_SIGNATURE
    good = authenticate_card(challenge, CARD, binding, sign(private, challenge), now)
    assert good.refusal is ChallengeRefusal.USED


def test_signature_by_another_key_is_refused(now, binding):
    challenge = CardChallenge.issue(CARD, now)
    forged = sign(ed25519.Ed25519PrivateKey.generate(), challenge)
    assert authenticate_card(challenge, CARD, binding, forged, now).refusal is ChallengeRefusal.BAD_SIGNATURE


def test_a_signature_over_another_nonce_is_refused(now, private, binding):
    old = CardChallenge.issue(CARD, now)
    new = CardChallenge.issue(CARD, now)
    assert authenticate_card(new, CARD, binding, sign(private, old), now).refusal is ChallengeRefusal.BAD_SIGNATURE


def test_a_challenge_for_another_card_is_refused(now, private, binding):
    challenge = CardChallenge.issue("OTHERCARD", now)
    result = authenticate_card(challenge, CARD, binding, sign(private, challenge), now)
    assert result.refusal is ChallengeRefusal.OTHER_CARD


def test_unknown_challenge_and_unbound_card_are_refused(now, private, binding):
    assert authenticate_card(None, CARD, binding, "x", now).refusal is ChallengeRefusal.UNKNOWN
    challenge = CardChallenge.issue(CARD, now)
    assert authenticate_card(challenge, CARD, None, sign(private, challenge), now).refusal is ChallengeRefusal.NOT_BOUND


def test_every_refusal_is_the_same_401_auth_card_invalid(now, binding):
    for result in (authenticate_card(None, CARD, binding, "x", now),
                   authenticate_card(CardChallenge.issue(CARD, now), CARD, None, "x", now)):
        with pytest.raises(CardInvalid) as exc:
            result.raise_if_refused()
        assert (status_of(exc.value), exc.value.code) == (401, "auth.card_invalid")
        assert exc.value.detail == CardInvalid().detail
