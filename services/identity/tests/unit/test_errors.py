from identity.domain import errors
from shared.errors import AppError, ValidationFailed
from shared.http.statuses import headers_of, status_of


def test_codes_and_statuses_are_the_ones_in_api_md():
    expected = {
        errors.UsernameTaken: (409, "user.username_taken"),
        errors.PhoneTaken: (409, "user.phone_taken"),
        errors.CodeInvalid: (422, "sms.code_invalid"),
        errors.InvalidCredentials: (401, "auth.invalid_credentials"),
        errors.CardInvalid: (401, "auth.card_invalid"),
        errors.CardAlreadyBound: (409, "card.already_bound"),
    }
    for cls, (status, code) in expected.items():
        err = cls()
        assert isinstance(err, AppError)
        assert (status_of(err), err.code) == (status, code), cls


def test_password_weak_carries_the_reason_as_a_field_error():
    err = errors.PasswordWeak("the password is too common")
    assert (status_of(err), err.code) == (422, "user.password_weak")
    assert err.extra["errors"] == [{"field": "password", "message": "the password is too common"}]


def test_rate_limited_and_locked_are_429_with_retry_after():
    for err, code in ((errors.SmsRateLimited(42), "sms.rate_limited"), (errors.AccountLocked(42), "auth.locked")):
        assert (status_of(err), err.code) == (429, code)
        assert headers_of(err)["Retry-After"] == "42"
        assert err.extra["retry_after"] == 42


def test_invalid_field_is_a_validation_error_naming_the_field():
    err = errors.invalid_field("phone", "bad")
    assert isinstance(err, ValidationFailed)
    assert (status_of(err), err.code) == (422, "validation_error")
    assert err.extra["errors"] == [{"field": "phone", "message": "bad"}]


def test_card_key_invalid_is_a_validation_error_on_public_key():
    err = errors.CardKeyInvalid("nope")
    assert err.code == "validation_error"
    assert err.extra["errors"][0]["field"] == "public_key"


def test_expired_token_is_also_an_invalid_token():
    err = errors.TokenExpired()
    assert isinstance(err, errors.TokenInvalid)
    assert (status_of(err), err.code) == (401, "auth.token_expired")


def test_token_codes_match_the_shared_verifier():
    # Other services answer with shared.http.auth's codes; identity must use the same ones.
    assert errors.TokenInvalid().code == "auth.invalid_token"
    assert errors.TokenExpired().code == "auth.token_expired"
