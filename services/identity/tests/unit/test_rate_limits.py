from datetime import timedelta

import pytest

from identity.domain.errors import SmsRateLimited
from identity.domain.rate_limits import SmsLimits, Window, ip_rate_key, sms_send_decision
from shared.http.statuses import headers_of, status_of

S, M, H, D = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def test_the_first_send_is_allowed(now):
    decision = sms_send_decision(now, [], [])
    assert decision.allowed and decision.retry_after == 0


def test_one_per_minute_boundary(now):
    sent = [now]
    refused = sms_send_decision(now + 59 * S, sent, [])
    assert not refused.allowed and refused.retry_after == 1 and refused.limited_by == "phone"
    assert sms_send_decision(now + M, sent, []).allowed


def test_retry_after_rounds_up(now):
    decision = sms_send_decision(now + timedelta(seconds=30, milliseconds=500), [now], [])
    assert decision.retry_after == 30


def test_five_per_hour_boundary(now):
    sent = [now + i * 2 * M for i in range(5)]          # 0, 2, 4, 6, 8 minutes
    at = now + 30 * M
    refused = sms_send_decision(at, sent, [])
    assert not refused.allowed
    assert refused.retry_after == (now + H - at).total_seconds()   # when the 0-minute send ages out
    assert sms_send_decision(now + H, sent, []).allowed
    assert sms_send_decision(at, sent[1:], []).allowed  # four in the hour is fine


def test_ten_per_day_boundary(now):
    sent = [now + i * 2 * H for i in range(10)]         # 0h .. 18h, never 5 in one hour
    at = now + 20 * H
    refused = sms_send_decision(at, sent, [])
    assert not refused.allowed and refused.retry_after == 4 * 3600
    assert sms_send_decision(now + D, sent, []).allowed
    assert sms_send_decision(at, sent[1:], []).allowed


def test_the_longest_blocking_window_decides(now):
    # Five in the last hour and one a second ago: the minute frees first, the hour later.
    sent = [now - 50 * M, now - 40 * M, now - 30 * M, now - 20 * M, now - S]
    decision = sms_send_decision(now, sent, [])
    assert decision.retry_after == 10 * 60


def test_sends_older_than_a_day_do_not_count(now):
    sent = [now - D - i * S for i in range(50)]
    assert sms_send_decision(now, sent, []).allowed


def test_sends_after_now_still_count(now):
    # The test clock moved back: those sends must not open the limit again.
    assert not sms_send_decision(now, [now + 10 * S], []).allowed


def test_ip_limit_20_per_hour(now):
    ip_sent = [now - i * M for i in range(1, 20)]       # 19 from other phones
    assert sms_send_decision(now, [], ip_sent).allowed
    refused = sms_send_decision(now, [], ip_sent + [now - 30 * S])
    assert not refused.allowed and refused.limited_by == "ip"
    assert refused.retry_after == 60 * 60 - 19 * 60


def test_ip_limit_100_per_day(now):
    ip_sent = [now - i * 14 * M for i in range(1, 101)]  # 100 over ~23 hours, <= 5 per hour
    refused = sms_send_decision(now, [], ip_sent)
    assert not refused.allowed and refused.limited_by == "ip"
    assert sms_send_decision(now, [], ip_sent[:-1]).allowed


def test_unknown_ip_has_no_ip_limit(now):
    assert sms_send_decision(now, [], None).allowed


def test_limits_are_configurable_and_give_the_lookback(now):
    limits = SmsLimits(per_phone=(Window(M, 2),), per_ip=(Window(timedelta(days=2), 3),))
    assert limits.lookback == timedelta(days=2)
    assert sms_send_decision(now, [now - S], [], limits).allowed
    assert not sms_send_decision(now, [now - S, now - 2 * S], [], limits).allowed
    assert SmsLimits().lookback == D


def test_a_refusal_raises_sms_rate_limited_with_retry_after(now):
    with pytest.raises(SmsRateLimited) as exc:
        sms_send_decision(now + 20 * S, [now], []).raise_if_refused()
    assert status_of(exc.value) == 429 and exc.value.code == "sms.rate_limited"
    assert headers_of(exc.value)["Retry-After"] == "40"
    sms_send_decision(now, [], []).raise_if_refused()  # allowed: nothing raised


@pytest.mark.parametrize("ip, key", [
    ("203.0.113.7", "203.0.113.7"),
    (" 203.0.113.7 ", "203.0.113.7"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
])
def test_ip_rate_key(ip, key):
    assert ip_rate_key(ip) == key


def test_ip_rate_key_refuses_garbage():
    with pytest.raises(ValueError):
        ip_rate_key("not-an-ip")
