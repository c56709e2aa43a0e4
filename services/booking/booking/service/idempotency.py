"""Idempotency-Key for creating bookings: the same key and body answer with the first
answer (status and body), the same key with another body is refused.

Refusals are answers too: a booking refused for lack of capacity stays refused for that
key (retrying means a new key), as with any replayed answer. Only failures that roll the
whole transaction back (a crash, a lost database) leave the key free for a retry.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from shared.errors import AppError

from booking.adapters.refusal_documents import refusal_document

PROBLEM = "application/problem+json"
JSON = "application/json"


@dataclass(frozen=True)
class IdempotencyKey:
    agent_id: str
    key: str
    request_hash: str

    @classmethod
    def for_request(cls, agent_id: str, key: str, body: Any) -> IdempotencyKey:
        return cls(agent_id, key, fingerprint(body))


@dataclass(frozen=True)
class Answer:
    """What a request answered: kept with its key and sent again on a repeat."""
    status: int
    body: dict
    content_type: str = JSON
    replayed: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def fingerprint(body: Any) -> str:
    """Equal for equal JSON, whatever the key order or spacing of the original text."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def refusal_answer(error: AppError) -> Answer:
    status, body = refusal_document(error)
    return Answer(status, body, PROBLEM)
