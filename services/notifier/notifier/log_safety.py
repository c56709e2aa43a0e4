"""Keep the AMQP wire loggers above DEBUG whatever LOG_LEVEL says: at DEBUG, aiormq logs
every frame's payload, i.e. whole events - verification codes and phone numbers included -
past the JSON log's redaction (which only sees a formatted string)."""
from __future__ import annotations

import logging

WIRE_LOGGERS = ("aiormq", "aio_pika", "pamqp")


def quiet_wire_loggers() -> None:
    for name in WIRE_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
