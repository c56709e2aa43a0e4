from datetime import timedelta

import pytest

from identity.domain.errors import AccountLocked
from identity.domain.lockout import LockoutPolicy, lock_state, locked_until, phone_key, username_key
from shared.http.statuses import headers_of, status_of

S, M = timedelta(seconds=1), timedelta(minutes=1)


def test_four_failures_do_not_lock(now):
    failures = [now + i * M for i in range(4)]
    assert not lock_state(now + 4 * M, failures).locked


def test_the_fifth_failure_within_fifteen_minutes_locks_for_fifteen(now):
    failures = [now + i * M for i in range(5)]          # last at +4 min
    state = lock_state(now + 4 * M + S, failures)
    assert state.locked and state.locked_until == now + 19 * M
    assert state.retry_after == 15 * 60 - 1
    assert lock_state(now + 19 * M - S, failures).locked
    assert not lock_state(now + 19 * M, failures).locked


def test_five_failures_spread_over_more_than_the_window_do_not_lock(now):
    failures = [now + i * 4 * M for i in range(5)]      # 0..16 minutes: never 5 within 15
    assert locked_until(failures) is None


def test_exactly_at_the_window_edge_the_oldest_has_aged_out(now):
    failures = [now] + [now + 15 * M - i * S for i in range(4)]  # 5th is exactly 15 min after the first
    assert locked_until(failures) is None
    failures = [now + S] + failures[1:]
    assert locked_until(failures) is not None


def test_after_a_lock_counting_starts_again(now):
    first = [now + i * S for i in range(5)]
    end = locked_until(first)
    after = first + [end + i * S for i in range(4)]
    assert not lock_state(end + 5 * S, after).locked
    again = after + [end + 5 * S]
    assert lock_state(end + 6 * S, again).locked


def test_failures_recorded_during_a_lock_do_not_extend_it(now):
    failures = [now + i * S for i in range(5)] + [now + i * M for i in range(1, 15)]
    assert locked_until(failures) == now + 4 * S + 15 * M


def test_order_of_the_failure_list_does_not_matter(now):
    failures = [now + i * M for i in range(5)]
    assert locked_until(list(reversed(failures))) == locked_until(failures)


def test_policy_is_configurable(now):
    policy = LockoutPolicy(max_failures=3, window=M, lock_for=timedelta(hours=1))
    failures = [now, now + 10 * S, now + 20 * S]
    assert lock_state(now + 30 * S, failures, policy).retry_after == 3600 - 10
    assert policy.lookback == timedelta(hours=1, minutes=1)


def test_raise_if_locked_gives_auth_locked_429(now):
    failures = [now + i * S for i in range(5)]
    with pytest.raises(AccountLocked) as exc:
        lock_state(now + 5 * S, failures).raise_if_locked()
    assert (status_of(exc.value), exc.value.code) == (429, "auth.locked")
    assert int(headers_of(exc.value)["Retry-After"]) == 15 * 60 - 1
    lock_state(now, []).raise_if_locked()


def test_keys_do_not_depend_on_whether_the_user_exists():
    assert username_key(" ZhangSan ") == username_key("zhangsan") == "username:zhangsan"
    assert phone_key("13800000000") == "phone:13800000000"
