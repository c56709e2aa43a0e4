"""glibc malloc settings for a process that handles a busy day now and then (an 11.5 MB
request, hundreds of thousands of short-lived objects) and idles in between.

* ``tune_malloc`` (at process start): blocks of 1 MiB and more are always mapped on their
  own, so freeing them returns them to the OS. By default glibc raises that threshold
  after the first large block is freed (up to 32 MiB), and the next day's 11.5 MB body
  text, lists and buffers then come from the heap and stay there once freed: the idle
  size crept up by ~10 MB per busy day and the peak with it.
* ``give_back_memory`` (after a busy day): the heap's free pages back to the OS.

Both are no-ops where the C library is not glibc (musl has neither call). Setting
``MALLOC_MMAP_THRESHOLD_=1048576`` / ``MALLOC_ARENA_MAX=2`` in the environment does the
same for the threshold and also bounds the worker threads' arenas.
"""
from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1024 * 1024


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_LIBC = _libc()


def tune_malloc() -> bool:
    mallopt = getattr(_LIBC, "mallopt", None)
    return bool(mallopt and mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def give_back_memory() -> None:
    malloc_trim = getattr(_LIBC, "malloc_trim", None)
    if malloc_trim is not None:
        malloc_trim(0)
