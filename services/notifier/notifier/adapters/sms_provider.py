"""The one small interface every SMS provider implements, and its errors.

``await provider.send(phone, text, ref)`` either returns a ``SendResult`` (the provider
accepted the message) or raises:

- ``RetryableSendError`` - try again later (429, 5xx, timeout, connection error);
  ``retry_after`` carries the provider's ``Retry-After`` in seconds when it gave one;
- ``PermanentSendError`` - do not try again (other 4xx, a bad configuration).

``ref`` is the notifier's message id: the same message sent again (retry, redelivery)
carries the same ref, so a provider that deduplicates by ref drops the repeat.

Errors carry a short ``reason`` (e.g. ``"http 503"``, ``"timeout"``) and the HTTP
``status`` when there was one. They never carry the SMS text or the phone number: the
text may hold a verification code, and error messages end up in logs and in the
notifier's attempt records.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "SendResult",
    "SendError",
    "RetryableSendError",
    "PermanentSendError",
    "SmsProvider",
    "make_provider",
]


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the message. ``provider_id`` is its id for it, when it gave one."""
    provider_id: str | None


class SendError(Exception):
    """A send did not succeed. ``reason`` is safe to log: it never holds the text or phone."""

    retryable: bool = False

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        self.reason = reason
        self.status = status
        super().__init__(reason)


class RetryableSendError(SendError):
    retryable = True

    def __init__(self, reason: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(reason, status=status)
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"RetryableSendError(reason={self.reason!r}, status={self.status}, retry_after={self.retry_after})"


class PermanentSendError(SendError):
    retryable = False

    def __repr__(self) -> str:
        return f"PermanentSendError(reason={self.reason!r}, status={self.status})"


@runtime_checkable
class SmsProvider(Protocol):
    """An SMS provider. ``name`` is recorded with each attempt (``"log"``, ``"http"``)."""

    name: str

    async def send(self, phone: str, text: str, ref: str) -> SendResult:
        """Send one SMS; raise ``RetryableSendError`` / ``PermanentSendError`` on failure."""
        ...

    async def aclose(self) -> None:
        """Release what the provider owns (an HTTP session). Safe to call twice."""
        ...


def make_provider(kind: str, *, http_url: str | None = None, timeout: float | None = None,
                  session: Any = None, logger: Any = None) -> SmsProvider:
    """Build the provider named by ``SMS_PROVIDER``: ``"log"`` or ``"http"`` (needs
    ``http_url``). ``session`` (an ``aiohttp.ClientSession``) and ``timeout`` only
    concern ``http``. Anything else is a configuration error (``ValueError``)."""
    if kind == "log":
        from notifier.adapters.log_provider import LogSmsProvider
        return LogSmsProvider(logger=logger)
    if kind == "http":
        from notifier.adapters.http_provider import DEFAULT_TIMEOUT, HttpSmsProvider
        if not http_url:
            raise ValueError("SMS_PROVIDER=http needs SMS_HTTP_URL")
        return HttpSmsProvider(http_url, session=session,
                               timeout=DEFAULT_TIMEOUT if timeout is None else timeout, logger=logger)
    raise ValueError(f"unknown SMS provider {kind!r} (expected 'log' or 'http')")
