"""structlog JSON logs: one object per line on stdout, with ``service``, ``request_id``
and ``correlation_id`` bound through contextvars, and secrets redacted on the way out."""
from __future__ import annotations

import functools
import json
import logging
import re
import sys
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, Processor

from shared.tracing_logs import add_trace_id

# Keys whose values never reach a log line, whatever the caller passed.
SECRET_KEY = re.compile(r"pass(word)?|code|token|secret|signature|private|authorization|nonce|pepper",
                        re.IGNORECASE)
# Keys that are fine although they match the pattern above: error codes and status codes.
NOT_SECRET = frozenset({"code_name", "error_code", "status_code", "problem_code", "http_status_code",
                        "org_code", "queue", "queue_number", "code_purpose"})
PHONE_KEY = re.compile(r"phone|mobile", re.IGNORECASE)
# A mainland mobile number inside a text (+86 / 86 in front or not), not glued to other digits.
PHONE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)")
# The same, as a whole value once spaces, dashes and brackets are gone.
_MOBILE = re.compile(r"(?P<cc>\+?86)?(?P<num>1\d{10})")
_SEPARATORS = re.compile(r"[\s\-()]")
PHONE_MASK = "****"
REDACTED = "[redacted]"


def mask_phone(phone: object) -> str:
    """A phone value for a log line: "13800000000" -> "138****0000", "+86 138-0000-0000" ->
    "+86138****0000". Anything else of 8 characters or more keeps its first 3 and last 4
    around a fixed ``****`` (the length is not given away), anything shorter is ``****``,
    None or blank is ``""``. Never raises: a log line must not break on odd input."""
    if phone is None:
        return ""
    try:
        raw = phone if isinstance(phone, str) else str(phone)
    except Exception:  # a __str__ that raises
        return PHONE_MASK
    compact = _SEPARATORS.sub("", raw)
    if not compact:
        return ""
    m = _MOBILE.fullmatch(compact)
    if m:
        num = m.group("num")
        return f"{m.group('cc') or ''}{num[:3]}{PHONE_MASK}{num[-4:]}"
    if len(compact) >= 8:
        return f"{compact[:3]}{PHONE_MASK}{compact[-4:]}"
    return PHONE_MASK


def mask_phones(text: str) -> str:
    """Every mobile number inside a free text masked as ``mask_phone`` does; the rest kept."""
    return PHONE.sub(lambda m: mask_phone(m.group(0)), text)


# Secrets that show up inside free text: an exception message, a traceback, a driver's
# DETAIL line, a pydantic error. Key names tell nothing there, so the text is searched.
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# Opaque random text (refresh tokens, nonces: base64url of 16+ bytes) has upper and lower
# case letters and digits; request and trace ids (lower-case hex) and words do not.
_OPAQUE = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*\d)"
                     r"[A-Za-z0-9_-]{22,}(?![A-Za-z0-9_-])")
# The password in a connection URL: scheme://user:PASSWORD@host.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@")
# pydantic quotes what it refused: input_value=..., input_type=... (a whole request body).
_PYDANTIC_INPUT = re.compile(r"input_value=.*?(?=, input_type=|\]$|$)", re.MULTILINE)
# name=value / 'name': 'value' / "name": "value" where the name says secret.
_SECRET_PAIR = re.compile(
    r"(?P<key>[\w-]*(?:pass(?:word)?|token|secret|signature|private|authorization|nonce|pepper|sms_code|api_?key)"
    r"[\w-]*)(?P<sep>['\"]?\s*[:=]\s*)(?P<value>'[^']*'|\"[^\"]*\"|[^\s,;)}\]]+)", re.IGNORECASE)
# A verification code: six digits standing alone (not part of a longer number, id or decimal).
_SIX_DIGITS = re.compile(r"(?<![A-Za-z0-9_.\-])\d{6}(?![A-Za-z0-9_\-]|\.\d)")


# Every pattern above needs one of these; most values (words, dotted names) have none.
_MAYBE_SECRET = re.compile(r"[0-9=:]|eyJ|BEGIN|(?i:bearer|basic)")


# Short values repeat from line to line (centers, dates, periods, outcomes, queue names):
# each is searched once, its result kept. Longer texts (messages, tracebacks) are searched
# every time; the cache is bounded, so unique values (ids) only push older ones out.
_CACHED_TEXT_LENGTH = 80


def redact_text(text: str) -> str:
    """Every secret a free text can carry masked: private keys, JWTs and bearer tokens,
    opaque tokens, URL passwords, pydantic input values, name=secret pairs, 6-digit codes
    and phone numbers (masked as ``mask_phone`` does). Run on every string of a log line,
    the formatted exception included."""
    if len(text) <= _CACHED_TEXT_LENGTH:
        return _redact_short_text(text)
    return _redact_text(text)


@functools.lru_cache(maxsize=4096, typed=True)
def _redact_short_text(text: str) -> str:
    return _redact_text(text)


def _redact_text(text: str) -> str:
    if not _MAYBE_SECRET.search(text):
        return text
    text = _PEM.sub(REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{REDACTED}@", text)
    text = _PYDANTIC_INPUT.sub(f"input_value={REDACTED}", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group('key')}{m.group('sep')}{REDACTED}", text)
    text = _OPAQUE.sub(REDACTED, text)
    text = mask_phones(text)
    return _SIX_DIGITS.sub(REDACTED, text)


# Ids (request, correlation and trace ids, UUIDs) are what SREs join lines on: a run of hex
# digits in one that happens to look like a phone number must not be rewritten.
_ID_SHAPED = re.compile(r"[0-9a-f]{16,64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


_PLAIN_KEY, _SECRET_KEY, _PHONE_KEY = 0, 1, 2


@functools.lru_cache(maxsize=2048)
def _key_kind(key: str) -> int:
    """What a key's name says of its value. The same few names come on every line: each
    is matched once (bounded: a dict keyed by data only pushes older names out)."""
    if key not in NOT_SECRET and SECRET_KEY.search(key):
        return _SECRET_KEY
    return _PHONE_KEY if PHONE_KEY.search(key) else _PLAIN_KEY


def _scrub(key: str, value: Any) -> Any:
    kind = _key_kind(key)
    if kind == _SECRET_KEY:
        return REDACTED
    if isinstance(value, str):   # the usual case first
        if kind == _PHONE_KEY:
            return mask_phone(value)
        return value if _ID_SHAPED.fullmatch(value) else redact_text(value)
    if isinstance(value, dict):
        return {k: _scrub(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(key, v) for v in value]
    return value


# Fields that are never secret and must stay exactly as written.
_KEEP = frozenset({"timestamp", "level", "service", "logger"})


def redact(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """The last step before rendering: runs after the exception is formatted, so the
    traceback text is searched like every other value."""
    for key in list(event_dict):
        if key in _KEEP or key.startswith("_"):
            continue
        if key == "event":
            if isinstance(event_dict[key], str):
                event_dict[key] = redact_text(event_dict[key])
            continue
        event_dict[key] = _scrub(key, event_dict[key])
    return event_dict


def _fallback(obj: Any) -> str:
    """What a value JSON has no type for becomes: its repr (as structlog's own renderer
    does), searched for secrets like every other text (redaction ran before and saw an
    object, not this text)."""
    return redact_text(repr(obj))


# Dataclasses go to _fallback too (orjson would write their fields unsearched).
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS


def render_json(event_dict: EventDict, **_kw: Any) -> str:
    """One log line: orjson (several times faster than the stdlib's json.dumps, which
    structlog uses by default). The lines stay what they were, ASCII with \\u escapes: a
    line with other characters, or a value orjson refuses (an int beyond 64 bits), is
    written by json.dumps as before."""
    try:
        line = orjson.dumps(event_dict, default=_fallback, option=_ORJSON_OPTIONS).decode()
    except TypeError:
        return json.dumps(event_dict, default=_fallback)
    return line if line.isascii() else json.dumps(event_dict, default=_fallback)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Call once per process. Standard-library loggers (aiohttp, asyncpg, aio-pika) go through
    the same JSON renderer so ops read one format."""
    lvl = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(lvl, int):
        lvl = logging.INFO
    shared_processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_id,
    ]
    structlog.configure(
        processors=[
            *shared_processors,
            lambda _l, _m, ev: {**ev, "service": service},
            # exceptions become text first, so redaction sees the traceback
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(serializer=render_json),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(lvl),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[
            lambda _l, _m, ev: {**ev, "service": service},
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(serializer=render_json),
        ],
        foreign_pre_chain=[*shared_processors, structlog.stdlib.ExtraAdder()],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(lvl)
    # aiohttp's own access log duplicates the gateway's and ours.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # At DEBUG the AMQP libraries log whole frames: events with phones and codes.
    for name in ("aiormq", "aio_pika", "pamqp"):
        logging.getLogger(name).setLevel(max(lvl, logging.INFO))


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)


def bind_context(**values: Any) -> None:
    structlog.contextvars.bind_contextvars(**values)


def clear_context() -> None:
    structlog.contextvars.clear_contextvars()
