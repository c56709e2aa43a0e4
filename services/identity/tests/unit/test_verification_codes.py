from datetime import timedelta

import pytest

from identity.domain.errors import CodeInvalid
from identity.domain.verification_codes import (
    MAX_WRONG_TRIES,
    CheckResult,
    Purpose,
    VerificationCode,
    generate_code,
    hash_code,
    raise_if_refused,
)
from shared.http.statuses import status_of

PHONE = "13800000000"


def issue(now, secret, purpose=Purpose.REGISTER):
    return VerificationCode.issue(secret=secret, phone=PHONE, purpose=purpose, now=now)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_codes_are_six_digits_and_vary():
    codes = {generate_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 150


def test_the_record_stores_a_keyed_hash_not_the_code(now, code_secret):
    record, code = issue(now, code_secret)
    assert code not in record.code_hash and len(record.code_hash) == 64
    assert record.code_hash == hash_code(code_secret, PHONE, Purpose.REGISTER, code)
    # Without the secret, trying all million codes does not find it.
    assert record.code_hash != hash_code(b"another secret", PHONE, Purpose.REGISTER, code)
    assert record.expires_at == now + timedelta(minutes=5)


def test_the_hash_is_bound_to_phone_and_purpose(code_secret):
    h = hash_code(code_secret, PHONE, "login", "123456")
    assert h != hash_code(code_secret, "13900000000", "login", "123456")
    assert h != hash_code(code_secret, PHONE, "reset_password", "123456")
    with pytest.raises(ValueError):
        hash_code(code_secret, PHONE, "bogus", "123456")
    with pytest.raises(ValueError):
        hash_code(b"", PHONE, "login", "123456")


def test_the_right_code_is_accepted_once(now, code_secret):
    record, code = issue(now, code_secret)
    assert record.check(code, now + timedelta(seconds=10), secret=code_secret) is CheckResult.ACCEPTED
    assert record.used_at == now + timedelta(seconds=10)
    assert record.check(code, now + timedelta(seconds=11), secret=code_secret) is CheckResult.USED


def test_a_wrong_code_is_refused_and_counted(now, code_secret):
    record, code = issue(now, code_secret)
    assert record.check(wrong(code), now, secret=code_secret) is CheckResult.WRONG
    assert record.wrong_tries == 1
    assert record.check(code, now, secret=code_secret) is CheckResult.ACCEPTED


def test_valid_at_exactly_five_minutes_expired_after(now, code_secret):
    record, code = issue(now, code_secret)
    assert record.check(code, now + timedelta(minutes=5), secret=code_secret) is CheckResult.ACCEPTED
    late, late_code = issue(now, code_secret)
    assert late.check(late_code, now + timedelta(minutes=5, seconds=1), secret=code_secret) is CheckResult.EXPIRED
    assert late.used_at is None and late.wrong_tries == 0  # an expired try is not a wrong try


def test_the_fifth_wrong_try_burns_the_code_and_then_even_the_right_one_fails(now, code_secret):
    record, code = issue(now, code_secret)
    results = [record.check(wrong(code), now, secret=code_secret) for _ in range(MAX_WRONG_TRIES)]
    assert results == [CheckResult.WRONG] * 4 + [CheckResult.BURNT]
    assert record.burnt_at == now
    assert record.check(code, now, secret=code_secret) is CheckResult.BURNT  # the sixth try
    assert record.used_at is None


def test_four_wrong_tries_still_leave_the_right_code_usable(now, code_secret):
    record, code = issue(now, code_secret)
    for _ in range(MAX_WRONG_TRIES - 1):
        record.check(wrong(code), now, secret=code_secret)
    assert record.check(code, now, secret=code_secret) is CheckResult.ACCEPTED


def test_a_code_for_another_purpose_does_not_pass(now, code_secret):
    register, code = issue(now, code_secret, Purpose.REGISTER)
    login = VerificationCode(phone=PHONE, purpose=Purpose.LOGIN, code_hash=register.code_hash,
                             created_at=now, expires_at=register.expires_at)
    assert login.check(code, now, secret=code_secret) is CheckResult.WRONG


@pytest.mark.parametrize("candidate", ["", "12345", "1234567", "abcdef", " 123456", None])
def test_malformed_candidates_are_wrong_tries_not_crashes(now, code_secret, candidate):
    record, _ = issue(now, code_secret)
    assert record.check(candidate, now, secret=code_secret) is CheckResult.WRONG
    assert record.wrong_tries == 1


def test_naive_datetimes_are_refused(code_secret):
    from datetime import datetime
    with pytest.raises(ValueError):
        VerificationCode.issue(secret=code_secret, phone=PHONE, purpose="login", now=datetime(2026, 1, 1))


@pytest.mark.parametrize("result, reason", [
    (CheckResult.WRONG, "wrong"), (CheckResult.BURNT, "burnt"), (CheckResult.EXPIRED, "expired"),
    (CheckResult.USED, "used"), (None, "missing"),
])
def test_refusals_raise_sms_code_invalid(result, reason):
    with pytest.raises(CodeInvalid) as exc:
        raise_if_refused(result)
    assert (status_of(exc.value), exc.value.code, exc.value.reason) == (422, "sms.code_invalid", reason)


def test_acceptance_raises_nothing():
    raise_if_refused(CheckResult.ACCEPTED)
