from datetime import timedelta

import pytest

from identity.domain.errors import TokenExpired, TokenInvalid
from identity.domain.refresh_tokens import (
    RefreshToken,
    RotationOutcome,
    hash_refresh_token,
    rotate,
)
from shared.http.statuses import status_of

TTL = timedelta(days=30)


def test_issue_gives_a_random_token_and_stores_only_its_hash(now):
    record, token = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    other, other_token = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    assert len(token) >= 43 and token != other_token
    assert record.token_hash == hash_refresh_token(token) and token not in record.token_hash
    assert len(record.token_hash) == 64
    assert record.family_id != other.family_id   # each login is its own family
    assert record.expires_at == now + TTL


def test_rotation_marks_the_old_and_continues_the_family(now):
    record, _ = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    later = now + timedelta(minutes=20)
    rotation = rotate(record, later, TTL)
    assert rotation.ok and rotation.outcome is RotationOutcome.ROTATED
    assert record.rotated_at == later
    assert rotation.new_record.family_id == record.family_id
    assert rotation.new_record.user_id == "u1"
    assert rotation.new_record.token_hash == hash_refresh_token(rotation.new_token)
    assert rotation.new_record.expires_at == later + TTL
    assert rotation.revoke_family is None
    rotation.raise_if_refused()


def test_reusing_a_rotated_token_revokes_the_family(now):
    first, _ = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    second = rotate(first, now + timedelta(minutes=1), TTL).new_record
    reuse = rotate(first, now + timedelta(minutes=2), TTL)
    assert reuse.outcome is RotationOutcome.REUSED
    assert reuse.revoke_family == first.family_id == second.family_id
    assert reuse.new_record is None and reuse.new_token is None
    with pytest.raises(TokenInvalid):
        reuse.raise_if_refused()


def test_reuse_is_detected_even_after_the_old_token_expired(now):
    first, _ = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    rotate(first, now + timedelta(days=1), TTL)
    assert rotate(first, now + TTL + timedelta(days=1), TTL).outcome is RotationOutcome.REUSED


def test_after_revocation_the_newest_token_is_refused_too(now):
    first, _ = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    second = rotate(first, now, TTL).new_record
    decision = rotate(first, now, TTL)
    second.revoke(now)  # what the service layer does for every token of decision.revoke_family
    assert decision.revoke_family == second.family_id
    assert rotate(second, now, TTL).outcome is RotationOutcome.REVOKED


def test_logout_revokes(now):
    record, _ = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    record.revoke(now)
    record.revoke(now + timedelta(hours=1))
    assert record.revoked_at == now  # the first revocation is kept
    rotation = rotate(record, now + timedelta(minutes=1), TTL)
    assert rotation.outcome is RotationOutcome.REVOKED and rotation.revoke_family is None
    with pytest.raises(TokenInvalid):
        rotation.raise_if_refused()


def test_expiry_boundary(now):
    record, _ = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    rotation = rotate(record, now + TTL, TTL)
    assert rotation.outcome is RotationOutcome.EXPIRED and record.rotated_at is None
    with pytest.raises(TokenExpired):
        rotation.raise_if_refused()
    fresh, _ = RefreshToken.issue(user_id="u1", now=now, ttl=TTL)
    assert rotate(fresh, now + TTL - timedelta(seconds=1), TTL).ok


def test_an_unknown_token_is_refused(now):
    rotation = rotate(None, now, TTL)
    assert rotation.outcome is RotationOutcome.UNKNOWN
    with pytest.raises(TokenInvalid) as exc:
        rotation.raise_if_refused()
    assert status_of(exc.value) == 401
