"""glibc malloc settings for a service process (issue 20: peak RSS), applied by the runner
before any thread starts, so they hold however the process is started.

- Arenas: glibc gives each thread that allocates an arena of its own (up to 8 per core),
  and freed memory in one is not reused by the others. The worker threads that handle big
  bodies (the consumer's large events, the allocator's day, booking's snapshot document,
  argon2's call) share two (``MALLOC_ARENA_MAX``, glibc's own variable, wins when the
  environment sets it). A bound: no benchmark peak of issue 20 moved measurably with it.
- ``trim()``: hands freed heap pages back to the OS after a big payload is done with.

Elsewhere than glibc (musl, macOS) both are no-ops."""
from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8   # glibc's malloc.h
DEFAULT_ARENAS = 2

_libc: ctypes.CDLL | None = None
_looked_up = False


def _glibc() -> ctypes.CDLL | None:
    global _libc, _looked_up
    if not _looked_up:
        _looked_up = True
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name) if name else None
        except OSError:
            libc = None
        if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim"):
            _libc = libc
    return _libc


def limit_arenas(env: dict[str, str] | None = None) -> int | None:
    """At most ``DEFAULT_ARENAS`` malloc arenas, unless ``MALLOC_ARENA_MAX`` is set (glibc
    read it at start). Returns the limit set here, or None."""
    env = dict(os.environ) if env is None else env
    libc = _glibc()
    if libc is None or env.get("MALLOC_ARENA_MAX"):
        return None
    return DEFAULT_ARENAS if libc.mallopt(M_ARENA_MAX, DEFAULT_ARENAS) == 1 else None


def trim() -> bool:
    """Free heap pages back to the OS (``malloc_trim(0)``); True when some were."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
