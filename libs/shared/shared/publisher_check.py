"""Who really published a message, and whether that publisher may publish its event type.

The envelope's ``producer`` is written by the publisher, so by itself it proves nothing. The
AMQP ``user_id`` property is checked by the broker against the connection's user (a message
claiming another user is refused), so it is what a consumer trusts: the broker user must be
``BROKER_USER_PREFIX + producer`` and the producer one of the allowed producers of the type
(shared.contracts.producers). A message a consumer forwards to its own retry or dead-letter
queue carries its own user_id; the first publisher rides along in ``x-first-publisher``,
believed only when the message's user_id is the consumer's own user (nobody else can publish
as it), or when an operator user listed in ``EVENTS_FORWARDERS`` replays a dead copy that
the consumer itself had dead-lettered (``x-dead-copy-user``, copied by shared.ops.replay_dead
from the dead copy's broker-checked user_id)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.contracts.producers import producer_allowed
from shared.events import Envelope

FIRST_PUBLISHER_HEADER = "x-first-publisher"
DEAD_COPY_USER_HEADER = "x-dead-copy-user"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return bytes(value).decode() if isinstance(value, (bytes, bytearray)) else str(value)


@dataclass(frozen=True)
class PublisherCheck:
    own_user: str                               # the consuming service's broker user
    user_prefix: str = ""                       # broker user = prefix + service name
    forwarders: frozenset[str] = frozenset()    # operator users whose replays are believed
    verify_user: bool = True                    # off only where one shared user serves all (tests of one service)

    def publisher_user(self, user_id: str | None, headers: Mapping[str, Any] | None) -> str | None:
        """The broker user that first published this message, as far as can be trusted."""
        headers = headers or {}
        first = _text(headers.get(FIRST_PUBLISHER_HEADER))
        if first and user_id == self.own_user:
            return first
        if first and user_id in self.forwarders and _text(headers.get(DEAD_COPY_USER_HEADER)) == self.own_user:
            return first
        return user_id

    def refusal(self, envelope: Envelope, user_id: str | None, headers: Mapping[str, Any] | None) -> str | None:
        """Why this message must not have any effect, or None when it may."""
        if not producer_allowed(envelope.type, envelope.producer):
            return f"producer refused: {envelope.producer!r} may not publish {envelope.type}"
        if not self.verify_user:
            return None
        user = self.publisher_user(user_id, headers)
        if user is None:
            return "producer refused: no AMQP user_id"
        if user != self.user_prefix + envelope.producer:
            return f"producer refused: broker user {user!r} published an event of producer {envelope.producer!r}"
        return None
