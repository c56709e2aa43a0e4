"""Every consumed event, in its contract's exact shape, becomes the right SMS draft."""
from __future__ import annotations

import pytest

from notifier.domain.drafts import draft_for
from notifier.domain.templates import TemplateDataError
from testsupport.notifier import events as ev

PHONE = "13812345678"


def draft(envelope):
    return draft_for(envelope.type, envelope.data)


def test_verification_code_is_sensitive_and_kept_for_no_resend():
    d = draft(ev.verification_code(PHONE, "314159", purpose="reset_password"))
    assert d.template == "verification_code.reset_password" and "314159" in d.text
    assert d.phone == PHONE and d.booking_id is None and d.sensitive and d.keep_as is None
    assert "314159" not in repr(d) and PHONE not in repr(d)


def test_confirmation_counts_the_lines_and_is_kept_for_a_resend():
    d = draft(ev.confirmed("bk-1", PHONE, orgs=("A", "B", "C"), period="AM"))
    assert d.template == "booking.confirmed" and "共3家企业" in d.text and "上午" in d.text
    assert (d.booking_id, d.keep_as, d.sensitive) == ("bk-1", "confirmed", False)


def test_allocation_is_kept_for_a_resend():
    d = draft(ev.allocated("bk-2", PHONE, desk=4, start="10:00", end="10:30", queue_number="A040"))
    assert "第4号窗口" in d.text and "10:00-10:30" in d.text and "排队号A040" in d.text
    assert d.keep_as == "allocated"


def test_whole_cancellation_counts_the_cancelled_lines():
    d = draft(ev.cancelled("bk-3", PHONE, org_codes=("A", "B"), whole=True))
    assert d.template == "booking.cancelled.booking" and "（共2家企业）已取消" in d.text
    assert d.keep_as is None


def test_one_line_cancelled_names_it():
    d = draft(ev.cancelled("bk-4", PHONE, org_codes=("12345678X",), whole=False, booking_cancelled=False))
    assert d.template == "booking.cancelled.enterprise"
    assert "企业12345678X的预约已取消" in d.text and "其他企业的预约不变" in d.text


def test_the_last_line_cancelled_says_the_booking_is_gone():
    d = draft(ev.cancelled("bk-5", PHONE, org_codes=("12345678X",), whole=False, booking_cancelled=True))
    assert d.template == "booking.cancelled.enterprise" and "整个预约已取消" in d.text


@pytest.mark.parametrize("reason, words", [("too_many_no_shows", "逾期未到3次"),
                                           ("too_many_cancellations", "取消预约3次")])
def test_suspension_reads_the_contracts_reasons(reason, words):
    d = draft(ev.suspended(PHONE, reason=reason, count=3))
    assert words in d.text and "2027年6月1日" in d.text
    assert d.booking_id is None and d.keep_as is None


def test_a_suspension_without_a_phone_is_no_sms():
    assert draft(ev.suspended(None)) is None


def test_unrenderable_data_names_the_field():
    data = dict(ev.allocated("bk-6", PHONE).data, start="9h")
    with pytest.raises(TemplateDataError) as err:
        draft_for("booking.allocated", data)
    assert err.value.field == "start"
