"""The frozen day an ``allocation.requested`` names, fetched from booking's internal route
(``GET /internal/cutoff-snapshots/{cutoff_id}``, the services' token; never through the
gateway). Booking owns the snapshot in its own schema: the allocator never reads it there.

``SnapshotGone`` (404: booking has no such snapshot) cannot succeed on a retry; anything
else that goes wrong (booking down or restarting, a timeout, a 5xx, a refused token while
a rotation reaches every pod) raises ``SnapshotUnavailable``, and the consumer retries the
delivery later."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
from pydantic import SecretStr

from shared import tracing
from shared.http.service_token import service_headers


class SnapshotUnavailable(RuntimeError):
    """Booking did not hand the snapshot over this time: try again later."""


class SnapshotGone(LookupError):
    """Booking answered 404: it stores no snapshot under that id."""


# A sanity bound on the size an event may announce (the buffer is taken at once): 20,000
# bookings are 11.5 MB, with 10 enterprises of long names each ~40 MB.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
# What the reader gets at a time (a worker thread's turn each).
CHUNK_BYTES = 1 << 20


class BookingSnapshots:
    def __init__(self, base_url: str, token: SecretStr | None, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, path: str, *, limit: int, feed: Callable[[bytes], Awaitable[None]]) -> int:
        """The document's bytes, handed to ``feed`` chunk by chunk as they arrive (the
        reader parses each and lets it go: the whole document is never held). Returns the
        size read; refuses a body longer than the event said (``limit``)."""
        if not path.startswith("/internal/"):
            raise SnapshotGone(f"not an internal path: {path[:100]!r}")
        if not 0 < limit <= MAX_DOCUMENT_BYTES:
            raise SnapshotGone(f"a document of {limit} bytes is not one booking writes")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout, headers=service_headers(self.token))
        size = 0
        try:
            # In the cutoff's trace: booking's span of the request continues it.
            async with self._session.get(self.base_url + path, allow_redirects=False,
                                         headers=tracing.current_carrier()) as resp:
                if resp.status == 404:
                    raise SnapshotGone(f"booking has no snapshot at {path}")
                if resp.status != 200:
                    raise SnapshotUnavailable(f"booking answered {resp.status}")
                async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
                    if size + len(chunk) > limit:
                        raise SnapshotGone(f"the document at {path} is longer than the event says ({limit} bytes)")
                    size += len(chunk)
                    await feed(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SnapshotUnavailable(f"booking unreachable: {type(exc).__name__}") from None
        return size     # shorter than the event says: the reader's SHA-256 check refuses it

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
