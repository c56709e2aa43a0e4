"""Phones masked, codes hidden, whatever the input."""
from __future__ import annotations

import pytest

from notifier.domain.masking import mask_codes, mask_event_dict, mask_phone, mask_text


@pytest.mark.parametrize("raw, masked", [
    ("13800000000", "138****0000"),
    ("15912345678", "159****5678"),
    (" 13800000000 ", "138****0000"),
    ("138-0000-0000", "138****0000"),
    ("+86 138 0000 0000", "+86138****0000"),
    ("8613800000000", "86138****0000"),
    (13800000000, "138****0000"),
])
def test_mask_phone_mobile_numbers(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize("raw, masked", [
    (None, ""),
    ("", ""),
    ("   ", ""),
    ("12345", "****"),
    ("abc", "****"),
    ("0532-12345678", "053****5678"),
    ("not a phone number at all", "not****tall"),
])
def test_mask_phone_tolerates_junk(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_phone_never_raises_on_odd_objects():
    class Bad:
        def __str__(self):
            raise RuntimeError("boom")

    assert mask_phone(Bad()) == "****"
    assert mask_phone(["1"]) == "****"
    assert "3800000" not in mask_phone({"phone": "13800000000"})


def test_mask_phone_never_shows_the_middle_digits():
    for phone in ("13812345678", "19987654321"):
        assert phone[3:7] not in mask_phone(phone)


def test_mask_codes_hides_the_verification_code():
    text = "【制卡中心】您的登录验证码为042917，5分钟内有效。"
    masked = mask_codes(text)
    assert "042917" not in masked
    assert masked == "【制卡中心】您的登录验证码为******，5分钟内有效。"


@pytest.mark.parametrize("text", [
    "code 123456",
    "123456",
    "验证码：123456。",
    "(123456)",
    "code=123456.",
])
def test_mask_codes_catches_standalone_codes(text):
    assert "123456" not in mask_codes(text)
    assert "******" in mask_codes(text)


@pytest.mark.parametrize("text", [
    "phone 13800000000",                        # 11 digits
    "queue A012 desk 3 at 09:30-10:00",         # short runs
    "2026-12-01",                               # date
    "ref 3f2a123456bc",                         # id glued to letters
    "at 2026-12-01T09:30:00.123456+00:00",      # microseconds
    "1234567",                                  # 7 digits
])
def test_mask_codes_leaves_other_numbers_alone(text):
    assert mask_codes(text) == text


def test_mask_codes_handles_none_and_non_strings():
    assert mask_codes(None) == ""
    assert mask_codes(123456) == "******"


def test_mask_text_masks_codes_and_phones():
    text = "发送到13800000000：验证码654321"
    masked = mask_text(text)
    assert "654321" not in masked
    assert "13800000000" not in masked
    assert "138****0000" in masked


def test_mask_event_dict_processor():
    event = {"event": "sms.sent", "phone": "13800000000", "contact_phone": "13912345678",
             "code": "123456", "text": "验证码123456", "ref": "msg-1", "attempt": 2,
             "nested": {"phone": "13700000000"}}
    out = mask_event_dict(None, "info", dict(event))
    assert out["phone"] == "138****0000"
    assert out["contact_phone"] == "139****5678"
    assert out["code"] == "******"
    assert "123456" not in out["text"]
    assert out["ref"] == "msg-1" and out["attempt"] == 2 and out["event"] == "sms.sent"
    assert out["nested"]["phone"] == "137****0000"
