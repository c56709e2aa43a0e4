"""``SMS_PROVIDER=log`` (the default for local runs): the SMS goes to the log, not a phone.

The log line carries the masked phone, the text with any 6-digit code masked, and the
ref; the result's provider id is ``"log-<ref>"``. It never fails.
"""
from __future__ import annotations

from typing import Any

import structlog

from shared.logging import mask_phone

from notifier.adapters.sms_provider import SendResult
from notifier.domain.masking import mask_text

__all__ = ["LogSmsProvider"]


class LogSmsProvider:
    name = "log"

    def __init__(self, logger: Any | None = None) -> None:
        self._log = logger if logger is not None else structlog.get_logger("notifier.sms")

    async def send(self, phone: str, text: str, ref: str) -> SendResult:
        self._log.info(
            "sms.logged",
            provider=self.name,
            phone=mask_phone(phone),
            text=mask_text(text),
            chars=len(text or ""),
            ref=ref,
        )
        return SendResult(provider_id=f"log-{ref}")

    async def aclose(self) -> None:
        return None
