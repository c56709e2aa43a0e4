import pytest

from identity.domain.errors import PasswordWeak
from identity.domain.password_policy import PasswordPolicy, check_password, common_passwords, weakness


@pytest.mark.parametrize("password", [
    "correct horse battery",
    "Tr0ub4dor&3x",
    "qd-port-card-2026",
    "我的密码很长很安全啊",      # any script is fine
    "xy1!" * 32,               # exactly 128
    "kx8#Lm2q",                # exactly 8
])
def test_good_passwords_pass(password):
    check_password(password, username="zhangsan", phone="13800000000")


def test_too_short_by_one():
    with pytest.raises(PasswordWeak) as exc:
        check_password("kx8#Lm2")
    assert "at least 8" in exc.value.reason


def test_too_long_by_one():
    assert weakness("xy1!" * 32) is None
    assert "at most 128" in weakness("xy1!" * 32 + "z")


@pytest.mark.parametrize("password", [
    "password", "PASSWORD", "PassWord", "12345678", "qwertyuiop", "iloveyou", "woaini1314",
    "1qaz2wsx", "88888888", "5201314520",
])
def test_common_passwords_are_refused_whatever_the_case(password):
    assert weakness(password) == "the password is too common"


@pytest.mark.parametrize("password", ["Password123!", "password2026", "!!dragon!!2024", "iloveyou@@@", "monkey_1234"])
def test_a_common_word_with_digits_or_symbols_around_it_is_still_common(password):
    assert weakness(password) == "the password is too common"


def test_full_width_characters_count_as_the_ascii_they_look_like():
    # Typed with a Chinese IME in full-width mode; NFKC turns it into "password".
    assert weakness("ｐａｓｓｗｏｒｄ") == "the password is too common"


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "abababab1", "13131313", "abcdefghij", "98765432", "23456789", "zyxwvuts"])
def test_repeated_or_sequential_passwords_are_refused(password):
    assert weakness(password) is not None


@pytest.mark.parametrize("password", ["zhangsan", "ZhangSan", "zhangsan2026!", "nasgnahz", "2026zhangsan"])
def test_the_username_with_only_decoration_is_refused(password):
    assert weakness(password, username="ZhangSan") == "the password must not contain the username"


def test_the_username_inside_a_real_passphrase_is_fine():
    assert weakness("zhangsan rides a green bicycle", username="zhangsan") is None


@pytest.mark.parametrize("password", ["13800000000", "a13800000000", "my phone 13800000000"])
def test_the_phone_number_is_refused(password):
    assert weakness(password, phone="13800000000") == "the password must not contain the phone number"


def test_the_reason_never_echoes_the_password():
    secret = "zhangsan-2026"
    with pytest.raises(PasswordWeak) as exc:
        check_password(secret, username="zhangsan")
    assert secret not in str(exc.value) and secret not in repr(exc.value.extra)


def test_a_non_string_is_refused():
    assert weakness(None) is not None  # type: ignore[arg-type]  # on purpose: not a str


def test_the_policy_is_configurable():
    policy = PasswordPolicy(min_length=12, common=frozenset())
    assert weakness("kx8#Lm2qZ!a", policy=policy) is not None
    assert weakness("kx8#Lm2qZ!ab", policy=policy) is None
    assert weakness("password1234", policy=policy) is None  # empty blocklist


def test_the_shipped_list_is_large_lower_case_and_package_data():
    words = common_passwords()
    assert len(words) >= 300
    assert all(w == w.lower() and w.strip() == w and w for w in words)
    assert {"123456", "password", "qwerty", "woaini1314", "5201314"} <= words
