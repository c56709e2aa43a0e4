"""Stable fingerprints: sha256 over one canonical JSON spelling of a value.

Sorted keys, no whitespace, UTF-8: the same content always hashes the same, whatever
the dict order it was built in or the process that built it. Big documents are
hashed as JSON Lines, one item at a time, so no large temporary structure is built
(a busy day has ~300,000 items; building them all at once mostly feeds the garbage
collector).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)


def canonical_json(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def fingerprint(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def fingerprint_lines(values: Iterable[Any]) -> str:
    """sha256 of the canonical JSON Lines document holding ``values`` in order."""
    digest = hashlib.sha256()
    for value in values:
        digest.update(canonical_json(value))
        digest.update(b"\n")
    return digest.hexdigest()
