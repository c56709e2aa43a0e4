"""Log lines are JSON with the service and request context, and never carry secrets."""
from __future__ import annotations

import json

import pytest
import structlog

from shared.logging import bind_context, clear_context, configure_logging, get_logger, mask_phone, mask_phones


def test_secrets_are_redacted_and_phones_masked(capsys):
    configure_logging("booking", "INFO")
    try:
        clear_context()
        bind_context(request_id="r-1", correlation_id="r-1")
        get_logger().info("user_registered", password="hunter2", sms_code="654321", access_token="eyJ.x.y",
                          refresh_token="abc", signature="c2ln", phone="13812345678", org_code="12345678X",
                          nested={"client_secret": "s3", "contact_phone": "13912345678"},
                          note="call 13700001111 back")
        line = capsys.readouterr().out.strip().splitlines()[-1]
    finally:
        clear_context()
        structlog.reset_defaults()
    record = json.loads(line)
    assert record["service"] == "booking"
    assert record["request_id"] == "r-1" and record["correlation_id"] == "r-1"
    assert record["event"] == "user_registered" and record["level"] == "info"
    for secret in ("hunter2", "654321", "eyJ.x.y", "abc", "c2ln", "s3", "13812345678", "13912345678",
                   "13700001111"):
        assert secret not in line
    assert record["phone"] == "138****5678"
    assert record["org_code"] == "12345678X"  # not a secret
    assert record["note"] == "call 137****1111 back"


def test_values_json_has_no_type_for_are_searched_too(capsys):
    """An object's repr is made at rendering, after redaction: it is searched there."""
    from dataclasses import dataclass

    @dataclass
    class Contact:
        name: str
        phone: str

    class Opaque:
        def __repr__(self) -> str:
            return "Opaque(phone=13812345678, token=abc.def)"
    configure_logging("booking", "INFO")
    try:
        get_logger().info("odd_values", contact=Contact("Wang", "13912345678"), thing=Opaque())
        # orjson refuses the int, and writes non-ASCII: json.dumps writes this line
        get_logger().info("odd_values", contact=Contact("王", "13912345678"), big=2 ** 70, named="青岛")
        lines = capsys.readouterr().out.strip().splitlines()[-2:]
    finally:
        structlog.reset_defaults()
    first, second = (json.loads(line) for line in lines)
    for line in lines:
        for secret in ("13912345678", "13812345678", "abc.def"):
            assert secret not in line
        assert line.isascii()
    assert "139****5678" in first["contact"] and "138****5678" in first["thing"]
    assert "139****5678" in second["contact"] and second["big"] == 2 ** 70 and second["named"] == "青岛"


def test_stdlib_loggers_share_the_format(capsys):
    import logging
    configure_logging("identity", "INFO")
    try:
        logging.getLogger("aio_pika").warning("connection lost to %s", "broker")
        line = capsys.readouterr().out.strip().splitlines()[-1]
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    record = json.loads(line)
    assert record["service"] == "identity"
    assert record["event"] == "connection lost to broker"


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
    ("138****0000", "138****0000"),   # masked twice: the same
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


def test_mask_phones_masks_numbers_inside_a_text_only():
    assert mask_phones("x") == "x"
    assert mask_phones("phone 19912345678, id 123456789012") == "phone 199****5678, id 123456789012"
    assert mask_phones("+86 13800000000 / 8613900000000") == "+86138****0000 / 86139****0000"
