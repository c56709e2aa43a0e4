from identity.domain.password_hashing import Argon2Params, CHEAP_PARAMS, PasswordHashing


def test_hash_is_argon2id_and_salted(hashing):
    first, second = hashing.hash("correct horse"), hashing.hash("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert "correct horse" not in first


def test_verify_accepts_only_the_right_password(hashing):
    stored = hashing.hash("correct horse")
    assert hashing.verify(stored, "correct horse") is True
    assert hashing.verify(stored, "correct horsE") is False
    assert hashing.verify(stored, "") is False


def test_a_damaged_or_foreign_hash_never_verifies(hashing):
    assert hashing.verify("not a hash", "x") is False
    assert hashing.verify("$argon2id$v=19$m=8,t=1,p=1$AAAA$BBBB", "x") is False
    # A bcrypt hash of "x" is not an argon2 hash: refused, not an exception.
    assert hashing.verify("$2b$12$C6UzMDM.H6dfI/f/IKxGhu2Sd1eo1bE2y4K8Cz/3qP3z8V1cJ2yE6", "x") is False


def test_full_width_input_matches_its_ascii_form(hashing):
    stored = hashing.hash("password-ok-1")
    assert hashing.verify(stored, "ｐａｓｓｗｏｒｄ－ｏｋ－１")


def test_needs_rehash_when_parameters_change(hashing):
    stored = hashing.hash("correct horse")
    assert hashing.needs_rehash(stored) is False
    stronger = PasswordHashing(Argon2Params(time_cost=2, memory_cost=16, parallelism=1))
    assert stronger.needs_rehash(stored) is True
    assert stronger.verify(stored, "correct horse")  # old hashes still log in
    assert hashing.needs_rehash("garbage") is True


def test_verify_nothing_is_always_false(hashing):
    assert hashing.verify_nothing("anything") is False


def test_production_defaults_are_argon2_cffi_recommended():
    params = Argon2Params()
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    assert CHEAP_PARAMS.memory_cost < params.memory_cost
