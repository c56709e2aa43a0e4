"""shared.malloc_tuning: trim() hands freed heap pages back, limit_arenas() yields to
MALLOC_ARENA_MAX. Each check runs in a fresh interpreter: its heap is nobody else's."""
import subprocess
import sys

import pytest

from shared import malloc_tuning

pytestmark = pytest.mark.skipif(malloc_tuning._glibc() is None, reason="glibc only")

# 48 MiB of 64 KiB blocks (under glibc's mmap threshold: they come from the heap), touched,
# then freed except the last, which pins the heap's top so that free() cannot shrink it.
FREED_BUT_RESIDENT = """
import ctypes, ctypes.util
from shared.malloc_tuning import trim
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
def anon_kb():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
blocks = [libc.malloc(64 * 1024) for _ in range(768)]
for b in blocks:
    ctypes.memset(b, 1, 64 * 1024)
for b in blocks[:-1]:
    libc.free(b)
before = anon_kb()
trim()
print(before - anon_kb())
"""


def test_trim_returns_freed_heap_pages_to_the_os():
    out = subprocess.run([sys.executable, "-c", FREED_BUT_RESIDENT], capture_output=True, text=True, check=True)
    released_kb = int(out.stdout.strip())
    assert released_kb > 32 * 1024, f"only {released_kb} KiB left the process"


def test_limit_arenas_leaves_an_explicit_malloc_arena_max_alone():
    assert malloc_tuning.limit_arenas({"MALLOC_ARENA_MAX": "4"}) is None


def test_limit_arenas_sets_two_by_default():
    code = "from shared.malloc_tuning import limit_arenas; print(limit_arenas({}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2"


def test_serve_hands_start_up_memory_back_after_every_other_start_up_hook(monkeypatch):
    """Issue 20 (idle RSS): the last start-up hook collects and trims, so what the imports and
    the other hooks (pool, broker, consumers) freed leaves the process."""
    import asyncio

    from aiohttp import web

    from shared import runner
    from shared.settings import ServiceSettings

    async def service_hook(app: web.Application) -> None:
        pass

    def create_app(settings: ServiceSettings) -> web.Application:
        app = web.Application()
        app.on_startup.append(service_hook)
        return app

    served: list[web.Application] = []
    monkeypatch.setattr(runner, "configure_logging", lambda *a, **kw: None)
    monkeypatch.setattr(asyncio, "set_event_loop", lambda loop: None)
    monkeypatch.setattr(runner.web, "run_app", lambda app, **kw: served.append(app) or kw["loop"].close())
    assert runner.main(ServiceSettings, create_app, migrations=None, argv=["serve"]) == 0
    assert list(served[0].on_startup)[-1] is runner.release_startup_memory

    trims: list[bool] = []
    monkeypatch.setattr(runner, "trim", lambda: trims.append(True) or True)
    asyncio.run(runner.release_startup_memory(served[0]))
    assert trims == [True]
