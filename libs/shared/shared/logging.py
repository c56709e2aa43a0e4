"""structlog JSON logs: one object per line on stdout, with ``service``, ``request_id``
and ``correlation_id`` bound through contextvars, and secrets redacted on the way out."""
from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

from .tracing_logs import add_trace_id

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


def _scrub(key: str, value: Any) -> Any:
    if key not in NOT_SECRET and SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, dict):
        return {k: _scrub(str(k), v) for k, v in value.items()}
    if isinstance(value, str):
        return mask_phone(value) if PHONE_KEY.search(key) else mask_phones(value)
    return value


def redact(_logger, _method, event_dict: dict) -> dict:
    for key in list(event_dict):
        if key in ("event", "timestamp", "level", "service"):
            continue
        event_dict[key] = _scrub(key, event_dict[key])
    if isinstance(event_dict.get("event"), str):
        event_dict["event"] = mask_phones(event_dict["event"])
    return event_dict


def configure_logging(service: str, level: str = "INFO") -> None:
    """Call once per process. Standard-library loggers (aiohttp, asyncpg, aio-pika) go through
    the same JSON renderer so ops read one format."""
    lvl = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(lvl, int):
        lvl = logging.INFO
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_id,
    ]
    structlog.configure(
        processors=[
            *shared_processors,
            lambda _l, _m, ev: {**ev, "service": service},
            redact,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(lvl),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[
            lambda _l, _m, ev: {**ev, "service": service},
            redact,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
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


def get_logger(name: str | None = None):
    return structlog.get_logger(name)


def bind_context(**values: Any) -> None:
    structlog.contextvars.bind_contextvars(**values)


def clear_context() -> None:
    structlog.contextvars.clear_contextvars()
