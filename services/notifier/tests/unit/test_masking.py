"""Codes hidden, and phones inside a text masked, whatever the input (the phone masking
itself: libs/shared/tests/test_logging.py)."""
from __future__ import annotations

import pytest

from notifier.domain.masking import mask_codes, mask_text


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
