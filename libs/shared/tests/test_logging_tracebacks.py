"""Redaction runs after exception formatting: what a traceback carries (a driver's DETAIL
line, the input pydantic refused) is masked like every other value of the line."""
from __future__ import annotations

import json
import logging

import asyncpg
import pydantic
import pytest
import structlog

from shared.logging import configure_logging, get_logger, redact_text

PHONE = "13812345678"
PASSWORD = "Zx9!card-center"
CODE = "482913"


@pytest.fixture
def json_lines(capsys):
    """Reads the JSON lines logged since the test configured logging (configured inside the
    test: the logger keeps the stdout of the moment, which capsys swaps per phase)."""
    def read() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    yield read
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


async def unique_violation(database_url) -> asyncpg.UniqueViolationError:
    """A real UniqueViolation from PostgreSQL, whose DETAIL line names the phone."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("CREATE TEMP TABLE people (phone text UNIQUE, code text UNIQUE)")
        await conn.execute("INSERT INTO people VALUES ($1, $2)", PHONE, CODE)
        with pytest.raises(asyncpg.UniqueViolationError) as caught:
            await conn.execute("INSERT INTO people VALUES ($1, $2)", PHONE, "000001")
        return caught.value
    finally:
        await conn.close()


class Registration(pydantic.BaseModel):
    phone: str = pydantic.Field(pattern=r"^1\d{10}$")
    password: str = pydantic.Field(max_length=8)
    sms_code: str = pydantic.Field(pattern=r"^\d{4}$")


def validation_error() -> pydantic.ValidationError:
    with pytest.raises(pydantic.ValidationError) as caught:
        Registration(phone=f"+86 {PHONE}x", password=PASSWORD, sms_code=CODE)
    return caught.value


async def test_asyncpg_detail_in_a_structlog_traceback_is_masked(database_url, json_lines):
    exc = await unique_violation(database_url)
    assert PHONE in exc.detail            # the driver does carry it: the test means something
    configure_logging("booking", "INFO")
    try:
        raise exc
    except asyncpg.UniqueViolationError:
        get_logger().exception("register_failed")
    [record] = json_lines()
    assert "UniqueViolationError" in record["exception"] and "Key (phone)" in record["exception"]
    assert "138****5678" in record["exception"]
    assert PHONE not in json.dumps(record)


async def test_asyncpg_detail_through_a_stdlib_logger_is_masked(database_url, json_lines):
    exc = await unique_violation(database_url)
    configure_logging("booking", "INFO")
    try:
        raise exc
    except asyncpg.UniqueViolationError:
        logging.getLogger("aiohttp.server").exception("Error handling request")
    [record] = json_lines()
    assert "Key (phone)" in record["exception"]
    assert PHONE not in json.dumps(record)


def test_pydantic_input_values_in_a_traceback_are_masked(json_lines):
    exc = validation_error()
    text = str(exc)
    assert PASSWORD in text and PHONE in text and CODE in text   # pydantic quotes the input
    configure_logging("booking", "INFO")
    try:
        raise exc
    except pydantic.ValidationError:
        get_logger().exception("bad_body")
        logging.getLogger("aiohttp.web").error("bad body", exc_info=True)
    records = json_lines()
    assert len(records) == 2
    for record in records:
        line = json.dumps(record, ensure_ascii=False)
        assert "ValidationError" in record["exception"] and "string_too_long" in record["exception"]
        for secret in (PASSWORD, PHONE, CODE):
            assert secret not in line


def test_an_exception_message_passed_as_a_value_is_masked(json_lines):
    configure_logging("booking", "INFO")
    get_logger().warning("provider_failed", error=f"rejected {PHONE} with code {CODE}",
                         url="amqp://guest:s3cret-pw@127.0.0.1:5672/v")
    [record] = json_lines()
    assert PHONE not in record["error"] and CODE not in record["error"]
    assert "s3cret-pw" not in record["url"] and record["url"].endswith("@127.0.0.1:5672/v")


@pytest.mark.parametrize("secret, text", [
    ("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ", "token {} expired"),
    ("Yq3k_8Zt1Lw-pR2sVn4Xb7Mc9Hd5Jf6Ga0Ee1Uo2Iy3", "refresh {} unknown"),
    ("Yq3k_8Zt1Lw-pR2sVn4Xb7", "Authorization: Bearer {}"),
    (PASSWORD, "{{'username': 'a1', 'password': '{}'}}"),
    (PASSWORD, 'password="{}"'),
    ("MC4CAQAwBQYDK2VwBCIEIA", "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n"),
    (CODE, "验证码{}，5分钟内有效"),
    (CODE, "Key (code)=({}) already exists."),
])
def test_secrets_inside_free_text_are_masked(secret, text):
    assert secret not in redact_text(text.format(secret))


@pytest.mark.parametrize("text", [
    "request 4bf92f3577b34da6a3ce929d0e0e4736 done",        # request / trace ids: lower-case hex
    "booking 0b7d5a52-1e4f-4a4e-9d7b-123456abcdef",          # uuids
    "took 0.123456 s at 2026-12-07T10:00:00.123456+00:00",   # decimals and timestamps
    "org 12345678X, id 1234567, queue A001",                 # longer numbers and codes that are not secret
    "allocation_unchanged_or_superseded",
    "http://127.0.0.1:8080/api/v1/bookings",
])
def test_ordinary_text_is_left_alone(text):
    assert redact_text(text) == text


def test_ids_are_never_rewritten(json_lines):
    """Hex ids are joined on; a phone-like or code-like run of digits inside one is chance."""
    rid = "ab13812345678cd0123456ef01234567"
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    booking = "0b7d5a52-1e4f-4a4e-9d7b-138123456789"
    configure_logging("booking", "INFO")
    get_logger().info("booking_created", request_id=rid, correlation_id=rid, trace_id=trace, booking_id=booking)
    [record] = json_lines()
    assert (record["request_id"], record["correlation_id"], record["trace_id"], record["booking_id"]) == (
        rid, rid, trace, booking)
