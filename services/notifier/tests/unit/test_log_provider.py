"""The log provider: the SMS goes to the log with phone and code masked."""
from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from notifier.adapters.log_provider import LogSmsProvider
from notifier.adapters.sms_provider import SendResult, SmsProvider, make_provider
from notifier.adapters.http_provider import HttpSmsProvider
from notifier.domain.templates import render


async def test_log_provider_logs_masked_and_returns_log_id():
    sms = render("identity.verification_code.requested", {"code": "583920", "purpose": "login"})
    with capture_logs() as logs:
        provider = LogSmsProvider()
        result = await provider.send("13800000000", sms.text, "msg-42")
    assert result == SendResult(provider_id="log-msg-42")
    assert len(logs) == 1
    entry = logs[0]
    assert entry["event"] == "sms.logged"
    assert entry["phone"] == "138****0000"
    assert entry["ref"] == "msg-42"
    assert "******" in entry["text"] and "5分钟内有效" in entry["text"]
    flat = repr(logs)
    assert "583920" not in flat
    assert "13800000000" not in flat


async def test_log_provider_keeps_non_secret_text_readable():
    sms = render("booking.allocated", {"date": "2026-12-01", "period": "AM", "desk": 2,
                                       "start": "09:30", "end": "10:00", "queue_number": "A005"})
    with capture_logs() as logs:
        await LogSmsProvider().send("13912345678", sms.text, "m1")
    assert logs[0]["text"] == sms.text


async def test_make_provider():
    log = make_provider("log")
    assert isinstance(log, LogSmsProvider) and isinstance(log, SmsProvider)
    http = make_provider("http", http_url="http://127.0.0.1:1/sms", timeout=2.5)
    assert isinstance(http, HttpSmsProvider) and isinstance(http, SmsProvider)
    assert http.timeout == 2.5
    await http.aclose()
    with pytest.raises(ValueError, match="SMS_HTTP_URL"):
        make_provider("http")
    with pytest.raises(ValueError, match="unknown SMS provider"):
        make_provider("carrier-pigeon")
