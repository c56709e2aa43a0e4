"""``SMS_PROVIDER=http``: POST ``{"phone", "text", "ref"}`` as JSON to ``SMS_HTTP_URL``.

Answers (api.md, "The SMS provider"):

- 2xx with ``{"id": ...}`` -> ``SendResult(provider_id=id)``;
- 2xx without a usable id (no JSON, no ``id``) -> ``SendResult(provider_id=None)``:
  delivered. The provider said it accepted the message; sending it again could put a
  second SMS on the phone (a provider need not deduplicate by ref), and a missing
  receipt id is a bookkeeping gap, not a failed delivery. A warning is logged;
- 429 -> ``RetryableSendError`` with ``retry_after`` from ``Retry-After`` (seconds or an
  HTTP date; ``None`` when absent or unreadable);
- 5xx -> ``RetryableSendError``;
- a timeout (the whole request, answer included, bounded by ``timeout`` seconds) or a
  connection error -> ``RetryableSendError``;
- any other status (other 4xx; 1xx/3xx - redirects are not followed) ->
  ``PermanentSendError``; a malformed URL too.

Error reasons are short and fixed (``"http 503"``, ``"timeout"``, ``"connection error:
ClientConnectorError"``): never the text, the phone, or the provider's response body
(which might echo the text).

The ``aiohttp.ClientSession`` may be passed in (then the caller closes it) or is created
on first use and closed by ``aclose()``.
"""
from __future__ import annotations

import asyncio
import math
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import structlog
from shared.tracing import current_carrier

from notifier.adapters.sms_provider import PermanentSendError, RetryableSendError, SendResult

__all__ = ["HttpSmsProvider", "parse_retry_after", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 5.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds (``"2"``, ``"1.5"``) or an HTTP date
    (seconds from ``now``, at least 0). ``None`` when absent or unreadable."""
    if value is None:
        return None
    s = value.strip()
    if not s:
        return None
    try:
        seconds = float(s)
    except ValueError:
        pass
    else:
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
        return None
    try:
        when = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


class HttpSmsProvider:
    name = "http"

    def __init__(self, url: str, *, session: aiohttp.ClientSession | None = None,
                 timeout: float = DEFAULT_TIMEOUT, logger: Any | None = None) -> None:
        if not url:
            raise ValueError("the http SMS provider needs a URL (SMS_HTTP_URL)")
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        self.url = url
        self.timeout = float(timeout)
        self._session = session
        self._owns_session = session is None
        self._log = logger if logger is not None else structlog.get_logger("notifier.sms")

    async def __aenter__(self) -> "HttpSmsProvider":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or (self._owns_session and self._session.closed):
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def aclose(self) -> None:
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
        if self._owns_session:
            self._session = None

    async def send(self, phone: str, text: str, ref: str) -> SendResult:
        session = self._get_session()
        payload = {"phone": phone, "text": text, "ref": ref}
        try:
            # The W3C trace context goes along (the aiohttp client instrumentation, when on,
            # replaces it with its own span's), so the provider's side joins the SMS's trace.
            async with session.post(self.url, json=payload, allow_redirects=False, headers=current_carrier(),
                                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                status = resp.status
                if 200 <= status < 300:
                    provider_id = await self._read_id(resp)
                    if provider_id is None:
                        self._log.warning("sms.provider_answer_without_id", provider=self.name,
                                          status=status, ref=ref)
                    return SendResult(provider_id=provider_id)
                # Drain the body so the connection can be reused; never keep it.
                await resp.read()
                if status == 429:
                    raise RetryableSendError(
                        "http 429", status=status,
                        retry_after=parse_retry_after(resp.headers.get("Retry-After")))
                if 500 <= status < 600:
                    raise RetryableSendError(f"http {status}", status=status,
                                             retry_after=parse_retry_after(resp.headers.get("Retry-After")))
                raise PermanentSendError(f"http {status}", status=status)
        except (RetryableSendError, PermanentSendError):
            raise
        except (asyncio.TimeoutError, TimeoutError):
            # aiohttp's own timeouts (ServerTimeoutError, ConnectionTimeoutError) are
            # TimeoutError subclasses too.
            raise RetryableSendError("timeout") from None
        except aiohttp.InvalidURL:
            raise PermanentSendError("invalid provider URL") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise RetryableSendError(f"connection error: {type(exc).__name__}") from None

    @staticmethod
    async def _read_id(resp: aiohttp.ClientResponse) -> str | None:
        # The status said "accepted": whatever goes wrong reading the receipt, the message
        # counts as delivered (without an id) rather than being sent a second time.
        try:
            body = await resp.json(content_type=None)
        except (ValueError, UnicodeDecodeError, aiohttp.ClientError, asyncio.TimeoutError, TimeoutError):
            return None
        if not isinstance(body, dict):
            return None
        pid = body.get("id")
        if isinstance(pid, bool) or pid is None:
            return None
        if isinstance(pid, (str, int)):
            pid = str(pid).strip()
            return pid or None
        return None
