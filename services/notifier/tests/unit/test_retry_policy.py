"""Backoff grows, is bounded, jitter stays inside the bounds, outcomes are classified."""
from __future__ import annotations

import random

import pytest

from notifier.domain.retry_policy import Decision, Outcome, RetryPolicy, classify_status


class FixedRandom:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


# --- ceilings and growth ----------------------------------------------------------------
def test_ceiling_doubles_from_base_up_to_cap():
    p = RetryPolicy(base=0.5, cap=10.0, max_attempts=10)
    assert [p.ceiling(n) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_ceiling_of_huge_attempt_is_cap_without_overflow():
    p = RetryPolicy(base=1.0, cap=30.0)
    assert p.ceiling(5000) == 30.0


def test_backoff_with_max_random_tracks_the_ceiling():
    p = RetryPolicy(base=1.0, cap=16.0)
    almost_one = FixedRandom(0.999999)
    delays = [p.backoff(n, almost_one) for n in range(1, 8)]
    assert delays == sorted(delays)                 # grows...
    assert delays[0] == pytest.approx(1.0, rel=1e-5)
    assert delays[3] == pytest.approx(8.0, rel=1e-5)
    assert delays[-1] == pytest.approx(16.0, rel=1e-5)  # ...up to the cap


def test_backoff_with_zero_random_is_zero():
    assert RetryPolicy().backoff(3, FixedRandom(0.0)) == 0.0


# --- jitter -----------------------------------------------------------------------------
def test_full_jitter_stays_within_zero_and_ceiling():
    p = RetryPolicy(base=0.2, cap=5.0, max_attempts=20)
    rng = random.Random(1234)
    for attempt in range(1, 15):
        ceiling = p.ceiling(attempt)
        draws = [p.backoff(attempt, rng) for _ in range(500)]
        assert all(0.0 <= d < ceiling for d in draws)
        # Full jitter really spreads over the range, it does not cluster at one end.
        assert min(draws) < ceiling * 0.1
        assert max(draws) > ceiling * 0.9


def test_jitter_is_reproducible_with_a_seed():
    p = RetryPolicy(base=1.0, cap=60.0)
    a = [p.backoff(n, random.Random(7)) for n in range(1, 6)]
    b = [p.backoff(n, random.Random(7)) for n in range(1, 6)]
    assert a == b


def test_mean_delay_grows_with_attempts():
    p = RetryPolicy(base=1.0, cap=1000.0, max_attempts=10)
    rng = random.Random(42)
    means = [sum(p.backoff(n, rng) for _ in range(2000)) / 2000 for n in range(1, 6)]
    for earlier, later in zip(means, means[1:]):
        assert later > earlier * 1.5
    assert means[0] == pytest.approx(0.5, abs=0.05)   # uniform over [0, 1)


# --- Retry-After ------------------------------------------------------------------------
def test_retry_after_is_a_floor():
    p = RetryPolicy(base=0.1, cap=1.0)
    assert p.backoff(1, FixedRandom(0.5), retry_after=7.0) == 7.0


def test_retry_after_does_not_shorten_a_longer_backoff():
    p = RetryPolicy(base=10.0, cap=10.0)
    assert p.backoff(1, FixedRandom(0.9), retry_after=2.0) == pytest.approx(9.0)


def test_retry_after_is_bounded():
    p = RetryPolicy(base=0.1, cap=1.0, max_retry_after=30.0)
    assert p.backoff(1, FixedRandom(0.0), retry_after=3600.0) == 30.0


# --- classification ---------------------------------------------------------------------
@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_2xx_is_delivered(status):
    assert classify_status(status) is Outcome.DELIVERED


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 599])
def test_429_and_5xx_are_retried(status):
    assert classify_status(status) is Outcome.RETRY


def test_timeouts_and_no_answer_are_retried():
    assert classify_status(None) is Outcome.RETRY
    assert classify_status(None, timed_out=True) is Outcome.RETRY


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 413, 422, 301, 302, 100])
def test_other_statuses_fail_at_once(status):
    assert classify_status(status) is Outcome.FAILED


# --- decisions --------------------------------------------------------------------------
def test_decide_retries_until_the_bound_then_fails_exhausted():
    p = RetryPolicy(base=1.0, cap=8.0, max_attempts=4)
    rng = random.Random(3)
    seen = []
    attempt = 1
    while True:
        d = p.decide(attempt, Outcome.RETRY, rng=rng)
        seen.append(d)
        if d.final:
            break
        assert d.next_attempt == attempt + 1
        assert 0.0 <= d.delay < p.ceiling(attempt)
        attempt = d.next_attempt
    assert attempt == 4
    assert [d.outcome for d in seen] == [Outcome.RETRY] * 3 + [Outcome.FAILED]
    assert seen[-1].reason == "exhausted"
    assert seen[-1].delay is None


def test_decide_permanent_failure_is_final_at_once():
    d = RetryPolicy(max_attempts=10).decide(1, Outcome.FAILED)
    assert d == Decision(Outcome.FAILED, reason="permanent")
    assert d.final


def test_decide_delivered():
    d = RetryPolicy().decide(2, Outcome.DELIVERED)
    assert d.outcome is Outcome.DELIVERED and d.final and d.delay is None


def test_decide_honours_retry_after():
    d = RetryPolicy(base=0.1, cap=1.0).decide(1, Outcome.RETRY, retry_after=5.0, rng=FixedRandom(0.5))
    assert d.outcome is Outcome.RETRY and d.delay == 5.0


def test_single_attempt_policy_never_retries():
    assert RetryPolicy(max_attempts=1).decide(1, Outcome.RETRY).reason == "exhausted"


@pytest.mark.parametrize("kwargs", [{"base": 0}, {"base": 2.0, "cap": 1.0}, {"max_attempts": 0},
                                    {"max_retry_after": -1}])
def test_invalid_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_attempts_start_at_one():
    with pytest.raises(ValueError):
        RetryPolicy().ceiling(0)
    with pytest.raises(ValueError):
        RetryPolicy().decide(0, Outcome.RETRY)
