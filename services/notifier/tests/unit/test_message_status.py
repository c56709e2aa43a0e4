"""A verification code is stored only while a send may need it, and never shown."""
from __future__ import annotations

from notifier.domain.message_status import text_to_keep, text_to_show

CODE_TEXT = "【制卡中心】您的登录验证码为123456，5分钟内有效。"
BOOKING_TEXT = "【制卡中心】您预约的2026年12月1日（星期二）上午制卡业务已安排：第3号窗口，办理时间09:30-10:00，排队号A012。"


def test_a_code_is_kept_until_the_message_is_final():
    assert text_to_keep(CODE_TEXT, sensitive=True, final=False) == CODE_TEXT
    kept = text_to_keep(CODE_TEXT, sensitive=True, final=True)
    assert "123456" not in kept and "******" in kept and "5分钟内有效" in kept


def test_booking_texts_are_kept_as_they_are():
    assert text_to_keep(BOOKING_TEXT, sensitive=False, final=True) == BOOKING_TEXT
    assert text_to_show(BOOKING_TEXT, sensitive=False) == BOOKING_TEXT


def test_a_code_is_never_shown():
    assert "123456" not in text_to_show(CODE_TEXT, sensitive=True)
