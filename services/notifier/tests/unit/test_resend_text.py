"""A resend's text rendered from the booking as it is now (booking sends its state with
booking.sms_resend.requested): the active enterprises after a line was cancelled, the
allocation once there is one; an older event without the state gets None (the kept text)."""
import pytest

from notifier.domain.drafts import resend_text
from notifier.domain.templates import TemplateDataError

BASE = {"booking_id": "b1", "agent_id": "a1", "contact_phone": "13800000000", "date": "2026-12-08",
        "period": "AM"}


def test_a_confirmed_booking_counts_its_active_enterprises_now():
    template, text = resend_text({**BASE, "status": "confirmed", "enterprise_count": 2, "allocation": None})
    assert template == "booking.confirmed"
    assert "共2家企业" in text and "2026年12月8日（星期二）上午" in text


def test_an_allocated_booking_gets_its_allocation():
    template, text = resend_text({**BASE, "status": "allocated", "enterprise_count": 1, "allocation": {
        "desk": 3, "start": "09:30", "end": "10:00", "queue_number": "A007"}})
    assert template == "booking.allocated"
    assert "第3号窗口" in text and "09:30-10:00" in text and "排队号A007" in text


def test_an_older_event_without_the_state_sends_the_kept_text():
    assert resend_text({"booking_id": "b1", "agent_id": "a1", "contact_phone": "13800000000"}) is None


def test_a_state_that_cannot_be_rendered_is_an_error_not_a_wrong_text():
    with pytest.raises(TemplateDataError):
        resend_text({**BASE, "status": "confirmed", "enterprise_count": 0})
