"""Fixed-window budgets (domain/throttles.py) and the global login slowdown (domain/lockout.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from identity.domain.lockout import SlowdownPolicy, slowdown_state
from identity.domain.refresh_tokens import RefreshToken, RotationOutcome, rotate
from identity.domain.throttles import Budget, Limit, per_hour, per_minute, refusal
from shared.http.statuses import headers_of, status_of

T0 = datetime(2027, 3, 1, 10, 0, 0, tzinfo=timezone.utc)


def test_windows_are_aligned_on_the_epoch():
    limit = per_minute(5)
    assert limit.window_start(T0 + timedelta(seconds=59)) == T0
    assert limit.window_end(T0 + timedelta(seconds=59)) == T0 + timedelta(minutes=1)
    assert per_hour(5).window_start(T0 + timedelta(minutes=59)) == T0


def test_a_refusal_waits_for_the_last_exceeded_window():
    budget = Budget("b", (per_minute(3), per_hour(10)))
    now = T0 + timedelta(minutes=5, seconds=20)
    assert refusal(budget, now, [(budget.limits[0], 3), (budget.limits[1], 10)]) is None
    minute_only = refusal(budget, now, [(budget.limits[0], 4), (budget.limits[1], 10)])
    assert minute_only is not None and minute_only.extra["retry_after"] == 40
    assert status_of(minute_only) == 429 and minute_only.code == "rate_limited"
    assert headers_of(minute_only)["Retry-After"] == "40"
    both = refusal(budget, now, [(budget.limits[0], 4), (budget.limits[1], 11)])
    assert both.extra["retry_after"] == 3600 - 5 * 60 - 20   # the hour ends at 11:00


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        Limit(timedelta(minutes=1), 1).window_start(datetime(2027, 1, 1))


def test_the_slowdown_starts_at_the_threshold_and_lasts_one_interval():
    policy = SlowdownPolicy(threshold=3, window=timedelta(minutes=15), interval=timedelta(seconds=5))
    failures = [T0, T0 + timedelta(seconds=1)]
    assert not slowdown_state(T0 + timedelta(seconds=2), failures, policy).locked
    failures.append(T0 + timedelta(seconds=2))
    state = slowdown_state(T0 + timedelta(seconds=3), failures, policy)
    assert state.locked and state.retry_after == 4
    assert not slowdown_state(T0 + timedelta(seconds=7), failures, policy).locked   # never a lock
    # failures older than the window no longer count
    assert not slowdown_state(T0 + timedelta(minutes=16), failures + [T0 + timedelta(minutes=15, seconds=59)],
                              policy).locked


def test_a_session_is_refused_after_its_absolute_lifetime():
    max_age, ttl = timedelta(days=30), timedelta(days=30)
    record, _ = RefreshToken.issue(user_id="u", now=T0, ttl=ttl, max_age=max_age)
    assert record.session_started_at == T0 and record.expires_at == T0 + ttl
    r1 = rotate(record, T0 + timedelta(days=20), ttl, max_age)
    assert r1.ok and r1.new_record.session_started_at == T0
    assert r1.new_record.expires_at == T0 + max_age   # capped: never beyond the session's end
    r2 = rotate(r1.new_record, T0 + timedelta(days=29), ttl, max_age)
    assert r2.ok
    r3 = rotate(r2.new_record, T0 + timedelta(days=30), ttl, max_age)
    assert r3.outcome is RotationOutcome.EXPIRED


def test_without_a_max_age_refreshes_slide_as_before():
    ttl = timedelta(days=30)
    record, _ = RefreshToken.issue(user_id="u", now=T0, ttl=ttl)
    r = rotate(record, T0 + timedelta(days=29), ttl)
    r = rotate(r.new_record, T0 + timedelta(days=58), ttl)
    assert r.ok and r.new_record.session_started_at == T0
