"""The real gateway (nginx, rendered from deploy/gateway's template) started for a test: the
one harness of the gateway's contract tests and of the browser tests that need no service.

``render_mod`` is deploy/gateway/render.py (loaded from the source tree: it is a script, not a
package); ``NGINX`` the binary it finds (None: the tests skip with ``needs_nginx``)."""
from __future__ import annotations

import importlib.util
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from testsupport.fixtures import free_port
from testsupport.waiting import ProcessExited, until_answers

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("identity", "booking", "allocator", "notifier")


def _load_render():
    spec = importlib.util.spec_from_file_location("gateway_render_for_tests", ROOT / "deploy" / "gateway" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_mod = _load_render()
NGINX = render_mod.nginx_binary()
needs_nginx = pytest.mark.skipif(NGINX is None, reason="no nginx binary on PATH, in /usr/sbin, or in NGINX_BIN")


@contextmanager
def run_dir(name: str) -> Iterator[Path]:
    """A fresh run directory, removed afterwards. Deliberately 0700 (as pytest's tmp_path
    is): nginx started as root (as in CI) runs its workers as `nobody`, who cannot enter it,
    so the config must never need the workers to write there."""
    path = Path(tempfile.mkdtemp(prefix=f"cardcenter-gateway-{name}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def stop(process: subprocess.Popen) -> None:
    """nginx's graceful shutdown (SIGQUIT), a kill after 5 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGQUIT)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@asynccontextmanager
async def started(argv: list[str], directory: Path, port: int, *, env: dict[str, str] | None = None,
                  probe: str = "/healthz") -> AsyncIterator[subprocess.Popen]:
    """Runs ``argv`` (nginx, or what becomes nginx) with its stdout and stderr in
    ``directory``/stdout.log and stderr.log, yields the process once
    http://127.0.0.1:``port````probe`` answers 200 (fails with nginx's stderr if it exits or
    has not answered within 10 s), and stops it on the way out (the logs stay readable)."""
    stderr = directory / "stderr.log"
    with open(directory / "stdout.log", "wb") as out, open(stderr, "wb") as err:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    try:
        try:
            await until_answers(f"http://127.0.0.1:{port}{probe}", process, timeout=10, every=0.05, what="nginx",
                                log=stderr.read_text)
        except (ProcessExited, TimeoutError) as exc:
            pytest.fail(str(exc))
        yield process
    finally:
        stop(process)


def nginx_argv(conf: Path) -> list[str]:
    return render_mod.nginx_command(conf, nginx=NGINX)


@asynccontextmanager
async def lone_gateway(name: str) -> AsyncIterator[str]:
    """The gateway with no service behind it (its services' ports have nobody listening),
    enough for the pages that need none (the web client's first page, the API docs): its
    base URL."""
    with run_dir(name) as directory:
        port = free_port()
        env = {f"{s.upper()}_UPSTREAM": f"127.0.0.1:{free_port()}" for s in SERVICES}
        env.update(GATEWAY_PORT=f"127.0.0.1:{port}", GATEWAY_RUN_DIR=str(directory))
        async with started(nginx_argv(render_mod.write(directory, env)), directory, port):
            yield f"http://127.0.0.1:{port}"
