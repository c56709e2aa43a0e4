"""The gateway's log lines, from a real nginx: the services' schema (timestamp in UTC,
level, service, event, request_id, correlation_id, trace_id), in UTC whatever zone the
machine is in, and never a query string (phone numbers travel in them).

nginx writes $time_iso8601 in its own process's zone, so each launcher starts it with
TZ=UTC; here each launcher runs under Asia/Shanghai to show it does."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from testsupport.fixtures import free_port
from testsupport.gateway import NGINX, needs_nginx, render_mod, run_dir, started

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13812345678"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
SCHEMA = ("timestamp", "level", "service", "event", "request_id", "correlation_id", "trace_id")
UTC_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


procfile_mod = _load("procfile_for_log_tests", ROOT / "scripts" / "procfile.py")

pytestmark = needs_nginx


@pytest.fixture(scope="module")
async def upstream_port():
    """One stand-in service for every upstream but the notifier, which is left dead (its
    port closed) so that nginx has an upstream error to write about."""
    async def answer(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield site._server.sockets[0].getsockname()[1]
    await runner.cleanup()


def _env(run_dir: Path, port: int, upstream_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_UPSTREAM")}
    env.update(GATEWAY_PORT=f"127.0.0.1:{port}", GATEWAY_RUN_DIR=str(run_dir), NGINX_BIN=NGINX,
               IDENTITY_UPSTREAM=f"127.0.0.1:{upstream_port}", BOOKING_UPSTREAM=f"127.0.0.1:{upstream_port}",
               ALLOCATOR_UPSTREAM=f"127.0.0.1:{upstream_port}", NOTIFIER_UPSTREAM=f"127.0.0.1:{free_port()}",
               TZ="Asia/Shanghai")   # a machine that is not on UTC
    return env


def _render_exec(run_dir: Path, env: dict[str, str]) -> list[str]:
    return [sys.executable, str(ROOT / "deploy" / "gateway" / "render.py"), "--out", str(run_dir), "--exec"]


def _procfile_line(run_dir: Path, env: dict[str, str]) -> list[str]:
    render_mod.write(run_dir, env)
    [line] = [ln for ln in procfile_mod.procfile(env).splitlines() if ln.startswith("gateway:")]
    return ["/bin/sh", "-c", "exec " + line.split(":", 1)[1].strip()]   # honcho runs it with a shell


def _bare_nginx(run_dir: Path, env: dict[str, str]) -> list[str]:
    """nginx started without the launcher's TZ: the control case, local time."""
    return render_mod.nginx_command(render_mod.write(run_dir, env), nginx=NGINX)


async def _requests_through(command, upstream_port) -> tuple[list[dict], str]:
    """Starts the gateway the way ``command`` does, sends one ordinary request and one
    desk search by phone (its upstream dead: a 502 and an nginx error), stops it and
    returns its access lines and its stderr."""
    port = free_port()
    with run_dir("log") as directory:
        env = _env(directory, port, upstream_port)
        base = f"http://127.0.0.1:{port}"
        async with started(command(directory, env), directory, port, env=env):
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
                headers = {"X-Request-ID": "log-test-1", "traceparent": TRACEPARENT}
                async with http.get(base + "/api/v1/calendar?center=qingdao", headers=headers) as r:
                    assert r.status == 200
                async with http.get(base + f"/api/v1/notifications?phone={PHONE}&booking_id=b-1",
                                    headers={"X-Request-ID": "log-test-2"}) as r:
                    assert r.status == 502
        lines = [json.loads(ln) for ln in (directory / "stdout.log").read_text().splitlines() if ln.strip()]
        return lines, (directory / "stderr.log").read_text()


@pytest.mark.parametrize("launcher", [_render_exec, _procfile_line], ids=["render.py --exec", "Procfile"])
async def test_gateway_lines_follow_the_schema_in_utc(upstream_port, launcher):
    before = datetime.now(UTC)
    lines, stderr = await _requests_through(launcher, upstream_port)
    by_id = {line["request_id"]: line for line in lines}
    ok, failed = by_id["log-test-1"], by_id["log-test-2"]
    for line in (ok, failed):
        assert tuple(line)[:len(SCHEMA)] == SCHEMA
        assert UTC_MILLIS.match(line["timestamp"]), line["timestamp"]
        at = datetime.fromisoformat(line["timestamp"])
        assert abs((at - before).total_seconds()) < 60, "the Z must be the true UTC time, not local time"
        assert line["service"] == "gateway" and line["event"] == "http.access"
        assert line["correlation_id"] == line["request_id"]
    assert ok["level"] == "info" and ok["trace_id"] == TRACE_ID and ok["path"] == "/api/v1/calendar"
    # no traceparent from the client: the gateway started the trace, and logs its id
    assert failed["level"] == "error" and failed["status"] == 502 and re.fullmatch("[0-9a-f]{32}", failed["trace_id"])
    assert failed["path"] == "/api/v1/notifications"


async def test_without_the_launchers_zone_nginx_logs_local_time(upstream_port):
    """The control: the same config under the same TZ, nginx started bare, writes the local
    offset (so the test above is about the launchers, and the config never claims a Z for
    a time that is not UTC)."""
    lines, _ = await _requests_through(_bare_nginx, upstream_port)
    assert lines and all(line["timestamp"].endswith("+08:00") for line in lines), lines


@pytest.mark.parametrize("launcher", [_render_exec, _bare_nginx], ids=["render.py --exec", "bare nginx"])
async def test_no_query_string_reaches_any_gateway_log(upstream_port, launcher):
    lines, stderr = await _requests_through(launcher, upstream_port)
    assert any(line["path"] == "/api/v1/notifications" for line in lines)
    everything = json.dumps(lines) + stderr
    assert PHONE not in everything and "qingdao" not in everything
