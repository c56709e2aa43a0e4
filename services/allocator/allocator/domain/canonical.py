"""Stable fingerprints: sha256 over one canonical JSON spelling of a value.

Sorted keys, no whitespace, UTF-8: the same content always hashes the same, whatever
the dict order it was built in or the process that built it.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def fingerprint(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()
