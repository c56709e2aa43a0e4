"""structlog JSON logs: one object per line on stdout, with ``service``, ``request_id``
and ``correlation_id`` bound through contextvars, and secrets redacted on the way out."""
from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

# Keys whose values never reach a log line, whatever the caller passed.
SECRET_KEY = re.compile(r"pass(word)?|code|token|secret|signature|private|authorization|nonce|pepper",
                        re.IGNORECASE)
# Keys that are fine although they match the pattern above: error codes and status codes.
NOT_SECRET = frozenset({"code_name", "error_code", "status_code", "problem_code", "http_status_code",
                        "org_code", "queue", "queue_number", "code_purpose"})
PHONE_KEY = re.compile(r"phone|mobile", re.IGNORECASE)
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
REDACTED = "[redacted]"


def mask_phone(value: str) -> str:
    """``13800000000`` -> ``138****0000``; anything else is masked wholesale but its length."""
    return PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", value)


def _scrub(key: str, value: Any) -> Any:
    if key not in NOT_SECRET and SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, dict):
        return {k: _scrub(str(k), v) for k, v in value.items()}
    if isinstance(value, str) and (PHONE_KEY.search(key) or PHONE.search(value)):
        return mask_phone(value)
    return value


def redact(_logger, _method, event_dict: dict) -> dict:
    for key in list(event_dict):
        if key in ("event", "timestamp", "level", "service"):
            continue
        event_dict[key] = _scrub(key, event_dict[key])
    if isinstance(event_dict.get("event"), str):
        event_dict["event"] = mask_phone(event_dict["event"])
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
