"""Every SMS text holds what it must, is signed, and bad input fails clearly."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from notifier.domain.templates import (
    SIGNATURE,
    TEMPLATED_EVENT_TYPES,
    TEMPLATES,
    RenderedSms,
    TemplateDataError,
    UnknownTemplate,
    format_date_cn,
    render,
    template_key,
)

VERIFY = "identity.verification_code.requested"


# --- verification codes -----------------------------------------------------------------
@pytest.mark.parametrize("purpose, word", [("register", "注册"), ("login", "登录"), ("reset_password", "重置密码")])
def test_verification_code_text_has_code_validity_and_purpose(purpose, word):
    sms = render(VERIFY, {"phone": "13800000000", "code": "042917", "purpose": purpose})
    assert sms.template == f"verification_code.{purpose}"
    assert sms.text.startswith(SIGNATURE)
    assert "042917" in sms.text
    assert "5分钟内有效" in sms.text
    assert word in sms.text
    assert sms.sensitive is True


def test_verification_code_validity_follows_ttl_rounded_up():
    assert "10分钟内有效" in render(VERIFY, {"code": "123456", "purpose": "login", "ttl_seconds": 600}).text
    assert "2分钟内有效" in render(VERIFY, {"code": "123456", "purpose": "login", "ttl_seconds": 61}).text


@pytest.mark.parametrize("code", [None, "12345", "1234567", "12a456", " 123456"])
def test_verification_code_must_be_six_digits_and_error_never_shows_it(code):
    data = {"purpose": "login"}
    if code is not None:
        data["code"] = code
    with pytest.raises(TemplateDataError) as err:
        render(VERIFY, data)
    assert err.value.field == "code"
    if code:
        assert code.strip() not in str(err.value)


def test_unknown_verification_purpose_is_unknown_template():
    with pytest.raises(UnknownTemplate, match="purpose"):
        render(VERIFY, {"code": "123456", "purpose": "change_phone"})


def test_rendered_sms_repr_does_not_show_the_code():
    sms = render(VERIFY, {"code": "987654", "purpose": "login"})
    assert "987654" not in repr(sms)


# --- booking confirmed ------------------------------------------------------------------
def test_confirmed_has_date_period_and_enterprise_count():
    sms = render("booking.confirmed", {"booking_id": "b1", "date": "2026-12-01", "period": "AM",
                                       "enterprise_count": 4})
    assert sms.text.startswith(SIGNATURE)
    assert "2026年12月1日（星期二）" in sms.text
    assert "上午" in sms.text
    assert "共4家企业" in sms.text
    assert sms.sensitive is False


def test_confirmed_counts_active_enterprise_lines():
    lines = [{"org_code": "A", "status": "active"}, {"org_code": "B", "status": "cancelled"},
             {"org_code": "C"}]
    sms = render("booking.confirmed", {"date": date(2026, 12, 2), "period": "PM", "enterprises": lines})
    assert "共2家企业" in sms.text
    assert "下午" in sms.text
    assert "2026年12月2日（星期三）" in sms.text


def test_confirmed_unknown_period_is_an_error():
    with pytest.raises(TemplateDataError) as err:
        render("booking.confirmed", {"date": "2026-12-01", "period": "EVE", "enterprise_count": 1})
    assert err.value.field == "period"


# --- allocated --------------------------------------------------------------------------
def test_allocated_has_date_desk_segment_queue_and_lateness_rule():
    sms = render("booking.allocated", {"date": "2026-12-01", "period": "AM", "desk": 3,
                                       "start": "09:30", "end": "10:00", "queue_number": "A012"})
    t = sms.text
    assert t.startswith(SIGNATURE)
    assert "2026年12月1日" in t
    assert "第3号窗口" in t
    assert "09:30-10:00" in t
    assert "排队号A012" in t
    assert "超过起始时间10分钟不予办理" in t
    assert "逾期" in t


def test_allocated_reads_nested_allocation_and_normalises_times():
    sms = render("booking.allocated", {"date": "2026-12-01",
                                       "allocation": {"desk": "2", "start": "13:30:00", "end": "14:00:00",
                                                      "queue_number": "B003"}})
    assert "第2号窗口" in sms.text
    assert "13:30-14:00" in sms.text
    assert "B003" in sms.text
    assert "10分钟" in sms.text


@pytest.mark.parametrize("field, value", [("desk", 0), ("desk", None), ("start", "9:30"), ("end", "25:00"),
                                          ("queue_number", ""), ("date", "2026-13-01")])
def test_allocated_rejects_bad_fields_by_name(field, value):
    data = {"date": "2026-12-01", "desk": 1, "start": "09:00", "end": "09:30", "queue_number": "A001"}
    data[field] = value
    with pytest.raises(TemplateDataError) as err:
        render("booking.allocated", data)
    assert err.value.field == field


# --- cancelled --------------------------------------------------------------------------
def test_cancelled_whole_booking_counts_its_lines():
    sms = render("booking.cancelled", {"date": "2026-12-01", "period": "PM", "whole": True,
                                       "org_codes": ["12345678X", "23456789X", "34567890X"],
                                       "booking_cancelled": True})
    assert sms.template == "booking.cancelled.booking"
    assert "2026年12月1日" in sms.text and "下午" in sms.text
    assert "共3家企业" in sms.text
    assert "已取消" in sms.text


def test_cancelled_one_enterprise_names_its_code_and_says_the_rest_stays():
    sms = render("booking.cancelled", {"date": "2026-12-01", "period": "AM", "whole": False,
                                       "org_codes": ["12345678X"], "booking_cancelled": False})
    assert sms.template == "booking.cancelled.enterprise"
    assert "企业12345678X的预约已取消" in sms.text
    assert "已取消" in sms.text
    assert "其他企业的预约不变" in sms.text


def test_cancelled_last_enterprise_says_whole_booking_is_cancelled():
    sms = render("booking.cancelled", {"date": "2026-12-01", "period": "AM", "whole": False,
                                       "org_codes": ["12345678X"], "booking_cancelled": True})
    assert "整个预约已取消" in sms.text
    assert "其他企业" not in sms.text


def test_cancelled_partial_needs_its_org_codes_and_whole_is_required():
    with pytest.raises(TemplateDataError) as err:
        render("booking.cancelled", {"date": "2026-12-01", "period": "AM", "whole": False, "org_codes": []})
    assert err.value.field == "org_codes"
    with pytest.raises(TemplateDataError) as err:
        render("booking.cancelled", {"date": "2026-12-01", "period": "AM", "org_codes": ["12345678X"]})
    assert err.value.field == "whole"


# --- suspended --------------------------------------------------------------------------
def test_suspended_for_no_shows():
    sms = render("booking.suspended", {"suspended_until": "2027-06-01", "reason": "too_many_no_shows", "count": 3})
    assert sms.template == "booking.suspended.no_shows"
    assert "2027年6月1日" in sms.text
    assert "逾期" in sms.text and "3次" in sms.text
    assert "暂停" in sms.text


def test_suspended_for_cancellations_without_count():
    sms = render("booking.suspended", {"suspended_until": "2027-01-15", "reason": "too_many_cancellations"})
    assert "取消预约超过10次" in sms.text
    assert "2027年1月15日" in sms.text


def test_suspended_until_instant_is_shown_as_center_local_date():
    # 2027-05-31 16:00 UTC is 2027-06-01 00:00 in Shanghai.
    sms = render("booking.suspended", {"suspended_until": "2027-05-31T16:00:00Z", "reason": "too_many_no_shows"})
    assert "2027年6月1日" in sms.text
    sms = render("booking.suspended", {"suspended_until": datetime(2027, 5, 31, 16, tzinfo=timezone.utc),
                                       "reason": "too_many_no_shows"})
    assert "2027年6月1日" in sms.text


@pytest.mark.parametrize("reason", ["rudeness", "no_shows", None])
def test_unknown_suspension_reason(reason):
    with pytest.raises(UnknownTemplate, match="reason"):
        render("booking.suspended", {"suspended_until": "2027-01-15", "reason": reason})


# --- general ----------------------------------------------------------------------------
@pytest.mark.parametrize("event_type", ["booking.no_show", "identity.user.registered", "nonsense", ""])
def test_unknown_event_type_is_a_clear_error(event_type):
    with pytest.raises(UnknownTemplate) as err:
        render(event_type, {})
    assert repr(event_type) in str(err.value)


def test_resend_has_no_template_and_says_why():
    with pytest.raises(UnknownTemplate, match="stored text"):
        template_key("booking.sms_resend.requested", {"booking_id": "b1"})


def test_every_template_is_signed():
    assert TEMPLATES
    for key, text in TEMPLATES.items():
        assert text.startswith(SIGNATURE), key


def test_every_templated_event_renders():
    samples = {
        VERIFY: {"code": "111111", "purpose": "login"},
        "identity.card.bound": {"card_tail": "0001", "bound_at": "2026-12-06T02:00:00+00:00"},
        "booking.confirmed": {"date": "2026-12-01", "period": "AM", "enterprise_count": 1},
        "booking.allocated": {"date": "2026-12-01", "desk": 1, "start": "09:00", "end": "09:30",
                              "queue_number": "A001"},
        "booking.cancelled": {"date": "2026-12-01", "period": "AM", "whole": True, "org_codes": ["12345678X"]},
        "booking.suspended": {"suspended_until": "2027-01-01", "reason": "too_many_cancellations"},
        "booking.queue_near": {"queue_number": "A007", "ahead": 3},
    }
    assert set(samples) == TEMPLATED_EVENT_TYPES
    for ev, data in samples.items():
        sms = render(ev, data)
        assert isinstance(sms, RenderedSms)
        assert "{" not in sms.text and "}" not in sms.text


def test_data_must_be_a_mapping():
    with pytest.raises(TemplateDataError):
        render("booking.confirmed", ["not", "a", "dict"])  # type: ignore[arg-type]  # on purpose: not a mapping


def test_format_date_cn():
    assert format_date_cn("2026-12-06") == "2026年12月6日（星期日）"
    assert format_date_cn(date(2027, 2, 1)) == "2027年2月1日（星期一）"


def test_card_bound_notice_names_the_card_tail_and_the_local_date():
    sms = render("identity.card.bound", {"card_tail": "0042", "bound_at": "2026-12-06T17:30:00+00:00"})
    assert sms.template == "identity.card_bound" and not sms.sensitive
    assert "尾号0042" in sms.text and "2026年12月7日" in sms.text   # 01:30 the next day in Shanghai


def test_bind_card_code_has_its_own_text():
    sms = render(VERIFY, {"code": "123456", "purpose": "bind_card"})
    assert sms.template == "verification_code.bind_card" and sms.sensitive and "绑定" in sms.text


def test_the_queue_near_text_names_the_number_and_how_many_are_ahead_and_no_name():
    sms = render("booking.queue_near", {"queue_number": "A007", "ahead": 3, "contact_name": "张三",
                                        "contact_phone": "13800138000"})
    assert sms.text == "【制卡中心】您的排队号A007前面还有3位，请到候区等候，留意叫号。"
    assert sms.template == "booking.queue_near" and not sms.sensitive
    for bad in ({"ahead": 3}, {"queue_number": "A007"}, {"queue_number": "A007", "ahead": -1},
                {"queue_number": "A007", "ahead": True}):
        with pytest.raises(TemplateDataError):
            render("booking.queue_near", bad)
