"""A message's life: pending -> sending -> delivered | retry -> sending ... | failed.

``pending``: recorded in the consumer's transaction, not claimed yet. ``sending``: claimed
by one process under a lease (a crash leaves it to expire, then a sweeper sends it again
with the same ref). ``retry``: waits for ``next_attempt_at``. ``delivered`` and ``failed``
are final: nothing sends a final message again.
"""
from __future__ import annotations

from notifier.domain.masking import mask_codes

PENDING = "pending"
SENDING = "sending"
RETRY = "retry"
DELIVERED = "delivered"
FAILED = "failed"
FINAL = frozenset({DELIVERED, FAILED})


def text_to_keep(text: str, *, sensitive: bool, final: bool) -> str:
    """The stored text once an attempt is over: a verification code is kept only as long
    as a send may still need it."""
    return mask_codes(text) if sensitive and final else text


def text_to_show(text: str, *, sensitive: bool) -> str:
    """What the SMS log shows staff: never a code, even while the message is in flight."""
    return mask_codes(text) if sensitive else text
