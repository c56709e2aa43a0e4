"""The gateway's nginx config, exercised for real: the template is rendered, checked with
`nginx -t`, then a real nginx runs in front of four tiny aiohttp upstreams (one per
service, each answering with its name and what it received) and is spoken to over HTTP.

Skipped only when no nginx binary is found (set NGINX_BIN to point at one).
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from testsupport.fixtures import free_port
from testsupport.gateway import NGINX, needs_nginx, nginx_argv, render_mod, run_dir, started

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "booking", "allocator", "notifier")
PROBLEM = "application/problem+json"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")

pytestmark = needs_nginx


# ---- upstreams -------------------------------------------------------------------------

@dataclass
class Upstream:
    """A stand-in service: answers every path with its name and what it was sent; with
    `?answer=NNN` it answers that status as its own problem+json, with Retry-After."""
    name: str
    port: int = 0
    seen: list[dict] = field(default_factory=list)
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        rid = request.headers.get("X-Request-ID")
        record = {
            "service": self.name,
            "method": request.method,
            "path": request.raw_path,
            "body_len": len(body),
            "request_id": rid,
            "host": request.headers.get("Host"),
            "x_forwarded_for": request.headers.get("X-Forwarded-For"),
            "x_forwarded_proto": request.headers.get("X-Forwarded-Proto"),
            "x_real_ip": request.headers.get("X-Real-IP"),
            "traceparent": request.headers.get("traceparent"),
            "tracestate": request.headers.get("tracestate"),
        }
        self.seen.append(record)
        # Services echo the request id; the gateway must not send it twice.
        headers = {"X-Request-ID": rid or "made-up-by-upstream"}
        if "size" in request.query:  # a big answer of that many bytes
            return web.Response(body=b"z" * int(request.query["size"]), headers=headers,
                                content_type="application/octet-stream")
        status = int(request.query.get("answer", "200"))
        if status != 200:
            headers["Retry-After"] = "60"
            problem = {"type": "about:blank", "title": "from upstream", "status": status,
                       "code": f"{self.name}.own_error"}
            return web.json_response(problem, status=status, headers=headers, content_type=PROBLEM)
        return web.json_response(record, headers=headers)

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))  # the same port again after a stop
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        await web.SockSite(self.runner, sock).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@dataclass
class Gateway:
    base: str
    run_dir: Path
    stdout: Path
    stderr: Path
    process: subprocess.Popen

    def url(self, path: str) -> URL:
        return URL(self.base + path, encoded=True)  # sent exactly as written

    def access_log(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
async def upstreams():
    ups = {name: Upstream(name) for name in SERVICES}
    for up in ups.values():
        await up.start()
    yield ups
    for up in ups.values():
        await up.stop()


@pytest.fixture(scope="module")
async def gateway(upstreams):
    port = free_port()
    with run_dir("config") as directory:
        env = {f"{name.upper()}_UPSTREAM": f"127.0.0.1:{up.port}" for name, up in upstreams.items()}
        env.update(GATEWAY_PORT=f"127.0.0.1:{port}", GATEWAY_RUN_DIR=str(directory))
        conf = render_mod.write(directory, env)
        async with started(nginx_argv(conf), directory, port) as process:
            yield Gateway(f"http://127.0.0.1:{port}", directory, directory / "stdout.log", directory / "stderr.log",
                          process)


@pytest.fixture(scope="module")
async def http(gateway):
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10), auto_decompress=True) as s:
        yield s


async def _problem(resp: aiohttp.ClientResponse, status: int, code: str) -> dict:
    assert resp.status == status, await resp.text()
    assert resp.headers["Content-Type"].split(";")[0] == PROBLEM
    body = json.loads(await resp.text())
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["code"] == code
    # type about:blank: the title is the status phrase (RFC 9457 4.2.1), the services' too.
    assert body["title"] == HTTPStatus(status).phrase and body["detail"]
    assert len(resp.headers.getall("X-Request-ID")) == 1
    return body


def _seen_total(upstreams) -> int:
    return sum(len(up.seen) for up in upstreams.values())


# ---- config check ----------------------------------------------------------------------

def test_nginx_t_accepts_the_rendered_template():
    with run_dir("check") as directory:
        conf = render_mod.write(directory, {"GATEWAY_PORT": str(free_port()), "GATEWAY_RUN_DIR": str(directory)})
        result = subprocess.run(render_mod.nginx_command(conf, test=True, nginx=NGINX),
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr


# ---- routing ---------------------------------------------------------------------------

ROUTES = [
    # identity
    ("POST", "/api/v1/sms-codes", "identity"),
    ("POST", "/api/v1/users", "identity"),
    ("POST", "/api/v1/password-resets", "identity"),
    ("POST", "/api/v1/sessions", "identity"),
    ("POST", "/api/v1/sessions/refresh", "identity"),
    ("DELETE", "/api/v1/sessions/current", "identity"),
    ("POST", "/api/v1/sessions/card", "identity"),
    ("GET", "/api/v1/card-challenges?card_no=C123", "identity"),
    ("POST", "/api/v1/me/cards", "identity"),
    ("DELETE", "/api/v1/me/cards/C123", "identity"),
    ("GET", "/api/v1/me", "identity"),
    ("GET", "/.well-known/jwks.json", "identity"),
    # booking
    ("GET", "/api/v1/enterprises?q=%E9%9D%92%E5%B2%9B", "booking"),
    ("POST", "/api/v1/enterprises", "booking"),
    ("GET", "/api/v1/me/enterprises", "booking"),
    ("DELETE", "/api/v1/me/enterprises/MA3C12345", "booking"),
    ("GET", "/api/v1/business-types", "booking"),
    ("GET", "/api/v1/calendar?center=qingdao&from=2026-12-01&to=2026-12-14", "booking"),
    ("POST", "/api/v1/bookings", "booking"),
    ("GET", "/api/v1/bookings?status=confirmed", "booking"),
    ("GET", "/api/v1/bookings/0b6f3c1e-8a49-4c52-9d7c-3f1f2b6f8a10", "booking"),
    ("POST", "/api/v1/bookings/b1/enterprises/MA3C12345/cancel", "booking"),
    ("POST", "/api/v1/bookings/b1/sms-resend", "booking"),
    ("GET", "/api/v1/me/booking-rights", "booking"),
    ("GET", "/api/v1/desk/schedule?center=qingdao&date=2026-12-01", "booking"),
    ("POST", "/api/v1/desk/bookings/b1/check-in", "booking"),
    ("PUT", "/api/v1/admin/capacity", "booking"),
    ("GET", "/api/v1/admin/cutoffs/qingdao/2026-12-01", "booking"),
    ("DELETE", "/api/v1/admin/suspensions/u1", "booking"),
    # allocator
    ("GET", "/api/v1/allocations/qingdao/2026-12-01", "allocator"),
    # notifier
    ("GET", "/api/v1/notifications?phone=13800000000&booking_id=b1", "notifier"),
]


@pytest.mark.parametrize(("method", "path", "service"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_route_reaches_its_service(gateway, http, upstreams, method, path, service):
    async with http.request(method, gateway.url(path), json={} if method in ("POST", "PUT") else None) as resp:
        assert resp.status == 200, await resp.text()
        got = await resp.json()
        rid = resp.headers.getall("X-Request-ID")
    assert got["service"] == service
    assert got["method"] == method
    assert got["path"] == path, "proxied with the full, unchanged path and query"
    assert len(rid) == 1 and rid[0] == got["request_id"]
    assert got["x_forwarded_for"] == "127.0.0.1"
    assert got["x_real_ip"] == "127.0.0.1"
    assert got["x_forwarded_proto"] == "http"
    assert got["host"] == "127.0.0.1"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("probe", ["healthz", "readyz"])
async def test_health_probes_reach_the_service(gateway, http, service, probe):
    async with http.get(gateway.url(f"/api/v1/{service}/{probe}")) as resp:
        assert resp.status == 200
        got = await resp.json()
    assert got["service"] == service
    assert got["path"] == f"/{probe}"


async def test_gateway_own_healthz(gateway, http):
    async with http.get(gateway.url("/healthz")) as resp:
        assert resp.status == 200
        assert (await resp.json())["status"] == "ok"
        assert resp.headers["X-Request-ID"]


NOT_ROUTED = [
    ("GET", "/api/v1/nope"),
    ("GET", "/api/v2/bookings"),
    ("GET", "/api/v1/me/other"),
    ("GET", "/api/v1/sessionsx"),
    ("GET", "/api/v1/allocations"),
    ("GET", "/api/v1/desk"),
    ("POST", "/api/v1/admin"),
    ("GET", "/api/v1/notifications/1"),
    ("GET", "/api/v1/identity/metrics"),
    ("GET", "/api/v1/booking/healthz/x"),
    ("PUT", "/_test/clock"),
    ("GET", "/_test/clock"),
    ("GET", "/metrics"),
    ("PUT", "/api/v1/bookings/../../../_test/clock"),
    ("GET", "/api/v1/desk/../../../metrics"),
    # booking's internal route for the allocator (issue 19): the services' addresses only
    ("GET", "/internal/cutoff-snapshots/0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b"),
    ("GET", "/internal"),
    ("GET", "/api/v1/bookings/../../internal/cutoff-snapshots/x"),
    ("GET", "/api/v1/booking/internal/cutoff-snapshots/x"),
]


@pytest.mark.parametrize(("method", "path"), NOT_ROUTED, ids=[f"{m} {p}" for m, p in NOT_ROUTED])
async def test_unrouted_paths_are_404_problems(gateway, http, upstreams, method, path):
    before = _seen_total(upstreams)
    async with http.request(method, gateway.url(path), allow_redirects=False) as resp:
        await _problem(resp, 404, "not_found")
        assert GENERATED_ID.match(resp.headers["X-Request-ID"])
    assert _seen_total(upstreams) == before, "nothing reached a service"


@pytest.mark.parametrize("path", [
    "/api/v1/bookings/%2e%2e/%2e%2e/internal/cutoff-snapshots/x",
    "/api/v1/bookings/%2e%2e/%2e%2e/%2e%2e/_test/clock",
    "/api/v1/desk/..%2F..%2F..%2F_test/clock",
    "/api/v1/admin/%5C..%5C_test",
])
async def test_encoded_path_tricks_are_refused(gateway, http, upstreams, path):
    before = _seen_total(upstreams)
    async with http.put(gateway.url(path)) as resp:
        await _problem(resp, 400, "bad_request")
    assert _seen_total(upstreams) == before


async def test_static_root(gateway, http):
    async with http.get(gateway.url("/")) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/html")
        assert "<html" in await resp.text()
    async with http.get(gateway.url("/no-such-file.js")) as resp:
        await _problem(resp, 404, "not_found")
    async with http.post(gateway.url("/index.html"), data=b"x") as resp:
        await _problem(resp, 405, "method_not_allowed")


# ---- the OpenAPI document --------------------------------------------------------------

OPENAPI_FILE = ROOT / "deploy" / "gateway" / "static" / "openapi.json"


async def test_openapi_document_is_the_static_file(gateway, http, upstreams):
    """GET /api/v1/openapi.json is deploy/gateway/static/openapi.json (scripts/openapi.py
    writes it), served by nginx itself: no service is asked, none needs to be up."""
    before = _seen_total(upstreams)
    async with http.get(gateway.url("/api/v1/openapi.json"), headers={"X-Request-ID": "doc-1"}) as resp:
        assert resp.status == 200, await resp.text()
        assert resp.headers["Content-Type"].split(";")[0] == "application/json"
        assert resp.headers.getall("X-Request-ID") == ["doc-1"]
        assert resp.headers["Cache-Control"] == "no-cache"
        etag = resp.headers["ETag"]
        assert await resp.read() == OPENAPI_FILE.read_bytes()
    async with http.get(gateway.url("/api/v1/openapi.json"), headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
        assert len(resp.headers.getall("X-Request-ID")) == 1
    async with http.get(gateway.url("/api/v1/openapi.json?v=2")) as resp:
        assert resp.status == 200 and (await resp.json())["openapi"] == "3.1.0"
    async with http.head(gateway.url("/api/v1/openapi.json")) as resp:
        assert resp.status == 200
    async with http.post(gateway.url("/api/v1/openapi.json"), json={}) as resp:
        await _problem(resp, 405, "method_not_allowed")
    for near in ("/api/v1/openapi.json/x", "/api/v1/openapi.jsonx", "/api/v1/openapi"):
        async with http.get(gateway.url(near)) as resp:
            await _problem(resp, 404, "not_found")
    assert _seen_total(upstreams) == before, "nothing reached a service"


# ---- request id ------------------------------------------------------------------------

async def test_request_id_generated_when_absent(gateway, http):
    async with http.get(gateway.url("/api/v1/me")) as resp:
        got = await resp.json()
        rid = resp.headers.getall("X-Request-ID")
    assert len(rid) == 1 and GENERATED_ID.match(rid[0])
    assert got["request_id"] == rid[0]


async def test_request_id_kept_when_given(gateway, http):
    given = f"client.{uuid.uuid4()}_x"
    async with http.get(gateway.url("/api/v1/business-types"), headers={"X-Request-ID": given}) as resp:
        got = await resp.json()
        assert resp.headers.getall("X-Request-ID") == [given]
    assert got["request_id"] == given


@pytest.mark.parametrize("bad", ["has spaces", "x" * 129, "semi;colon", "quote\"d", "ünï"])
async def test_malformed_request_id_is_replaced(gateway, http, bad):
    async with http.get(gateway.url("/api/v1/me"), headers={"X-Request-ID": bad}) as resp:
        got = await resp.json()
        rid = resp.headers.getall("X-Request-ID")
    assert len(rid) == 1 and GENERATED_ID.match(rid[0])
    assert got["request_id"] == rid[0]


async def test_request_id_on_gateway_errors(gateway, http):
    async with http.get(gateway.url("/api/v1/nope"), headers={"X-Request-ID": "err-1"}) as resp:
        await _problem(resp, 404, "not_found")
        assert resp.headers["X-Request-ID"] == "err-1"


# ---- trace context (W3C traceparent) ---------------------------------------------------
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-01$")


async def test_trace_started_from_the_request_id_when_absent(gateway, http):
    async with http.get(gateway.url("/api/v1/me"), headers={"tracestate": "vendor=x"}) as resp:
        got = await resp.json()
        rid = resp.headers["X-Request-ID"]
    m = TRACEPARENT.match(got["traceparent"] or "")
    assert m, got["traceparent"]
    # trace id = nginx's request id; the parent id is its last 16 digits (never all zero)
    assert m.group(1) == rid and m.group(2) == rid[16:]
    assert got["tracestate"] is None   # a tracestate without its traceparent is dropped


async def test_valid_client_traceparent_passes_through(gateway, http):
    given = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
    async with http.get(gateway.url("/api/v1/me"),
                        headers={"traceparent": given, "tracestate": "congo=t61rcWkgMzE"}) as resp:
        got = await resp.json()
    assert got["traceparent"] == given and got["tracestate"] == "congo=t61rcWkgMzE"


@pytest.mark.parametrize("bad", [
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   # zero trace id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   # zero parent id
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   # upper case
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   # unknown version
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",      # no flags
    "garbage",
])
async def test_invalid_client_traceparent_is_replaced(gateway, http, bad):
    async with http.get(gateway.url("/api/v1/me"), headers={"traceparent": bad, "tracestate": "a=b"}) as resp:
        got = await resp.json()
        rid = resp.headers["X-Request-ID"]
    m = TRACEPARENT.match(got["traceparent"] or "")
    assert m and m.group(1) == rid, got["traceparent"]
    assert got["tracestate"] is None


# ---- limits ----------------------------------------------------------------------------

async def test_body_over_64k_is_413_problem(gateway, http, upstreams):
    before = _seen_total(upstreams)
    async with http.post(gateway.url("/api/v1/bookings"), data=b"x" * (64 * 1024 + 1),
                         headers={"Content-Type": "application/json", "X-Request-ID": "big-1"}) as resp:
        await _problem(resp, 413, "request.too_large")
        assert resp.headers["X-Request-ID"] == "big-1"
    assert _seen_total(upstreams) == before


async def test_body_under_64k_passes(gateway, http):
    size = 60 * 1024
    async with http.post(gateway.url("/api/v1/bookings"), data=b"x" * size,
                         headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 200
        assert (await resp.json())["body_len"] == size


async def test_big_answers_pass_through(gateway, http):
    """Bigger than nginx's buffers and read slowly: nginx must stream it, not spill it to
    a temp file its workers may not be allowed to write (see testsupport.gateway.run_dir)."""
    size = 24 * 1024 * 1024
    async with http.get(gateway.url(f"/api/v1/business-types?size={size}"),
                        headers={"Accept-Encoding": "identity"}) as resp:
        assert resp.status == 200
        await asyncio.sleep(0.3)  # let the upstream get ahead of us
        assert len(await resp.read()) == size


async def _hammer(http, url, attempts: int = 40) -> tuple[int, aiohttp.ClientResponse, dict, str]:
    """POST until the gateway answers 429; returns (answers before it, response, body)."""
    for i in range(attempts):
        resp = await http.post(url, json={"phone": "13800000000", "purpose": "login"},
                               headers={"X-Request-ID": f"hammer-{i}"})
        text = await resp.text()
        resp.release()
        if resp.status == 429:
            return i, resp, json.loads(text), f"hammer-{i}"
        assert resp.status == 200, text
    pytest.fail(f"no 429 after {attempts} POSTs to {url}")


async def test_sms_codes_rate_limited(gateway, http, upstreams):
    seen_before = len(upstreams["identity"].seen)
    passed, resp, body, rid = await _hammer(http, gateway.url("/api/v1/sms-codes"))
    assert passed <= 6, "10r/m with burst 5: at most 6 quick POSTs pass"
    assert resp.headers["Content-Type"].split(";")[0] == PROBLEM
    assert body == {**body, "status": 429, "code": "rate_limited", "type": "about:blank"}
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.headers.getall("X-Request-ID") == [rid]
    assert len(upstreams["identity"].seen) - seen_before == passed, "the refused one never reached identity"
    # Only POST is limited.
    async with http.get(gateway.url("/api/v1/sms-codes")) as ok:
        assert ok.status == 200


async def test_login_rate_limited(gateway, http):
    passed, resp, body, _ = await _hammer(http, gateway.url("/api/v1/sessions/card"))
    assert passed <= 11, "30r/m with burst 10: at most 11 quick POSTs pass"
    assert body["code"] == "rate_limited" and int(resp.headers["Retry-After"]) > 0
    # Password login shares the limit; refreshing a token does not.
    async with http.post(gateway.url("/api/v1/sessions"), json={}) as again:
        await _problem(again, 429, "rate_limited")
    async with http.post(gateway.url("/api/v1/sessions/refresh"), json={}) as refresh:
        assert refresh.status == 200


async def test_service_errors_pass_through_untouched(gateway, http):
    for status in (429, 503, 404):
        async with http.get(gateway.url(f"/api/v1/bookings?answer={status}")) as resp:
            assert resp.status == status
            body = await resp.json(content_type=None)
            assert body["code"] == "booking.own_error", "the service's own problem, not the gateway's"
            assert resp.headers.getall("Retry-After") == ["60"]
            assert len(resp.headers.getall("X-Request-ID")) == 1


DOWN = [
    ("notifier", ["/api/v1/notifications", "/api/v1/notifier/readyz"], "/api/v1/notifications"),
    # A path ending in .json: the problem must still be application/problem+json.
    ("identity", ["/.well-known/jwks.json", "/api/v1/me"], "/.well-known/jwks.json"),
]


@pytest.mark.parametrize(("service", "paths", "check"), DOWN, ids=[d[0] for d in DOWN])
async def test_stopped_upstream_is_a_problem_and_recovers(gateway, http, upstreams, service, paths, check):
    upstream = upstreams[service]
    async with http.get(gateway.url(check)) as resp:
        assert resp.status == 200  # a keepalive connection to it now exists
    await upstream.stop()
    try:
        for path in paths:
            async with http.get(gateway.url(path), headers={"X-Request-ID": "down-1"}) as resp:
                assert resp.status in (502, 503)
                await _problem(resp, resp.status, "gateway.upstream_unavailable")
                assert resp.headers["X-Request-ID"] == "down-1"
    finally:
        await upstream.start()  # same port
    async with http.get(gateway.url(check)) as resp:
        assert resp.status == 200
        assert (await resp.json())["service"] == service


# ---- access log ------------------------------------------------------------------------

async def test_access_log_is_json_with_request_id(gateway, http, upstreams):
    rid = f"log-{uuid.uuid4().hex}"
    async with http.get(gateway.url("/api/v1/calendar?center=qingdao"), headers={"X-Request-ID": rid}) as resp:
        assert resp.status == 200
    entry = None
    for _ in range(100):
        entries = [e for e in gateway.access_log() if e.get("request_id") == rid]
        if entries:
            entry = entries[0]
            break
        await asyncio.sleep(0.02)
    assert entry is not None, "no access log line with the request id on stdout"
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/v1/calendar"  # no query string (tests/contract/test_gateway_access_log.py)
    assert entry["status"] == 200
    assert isinstance(entry["duration"], (int, float))
    assert isinstance(entry["body_bytes"], int) and entry["body_bytes"] > 0
    assert entry["upstream"] == f"127.0.0.1:{upstreams['booking'].port}"
    assert float(entry["upstream_duration"]) >= 0
    assert entry["client_ip"] == "127.0.0.1"
    assert entry["timestamp"] and entry["correlation_id"] == rid
    # Every stdout line is one JSON object (access_log() would have raised otherwise), and
    # nginx's error log went to stderr, not stdout.
    assert all(isinstance(e, dict) for e in gateway.access_log())


# ---- the local runner's one-step start -------------------------------------------------

async def test_render_exec_runs_nginx_in_the_foreground(upstreams):
    """`render.py --out DIR --exec` renders, then becomes nginx (same pid), in the foreground."""
    port = free_port()
    env = {**os.environ, "GATEWAY_PORT": f"127.0.0.1:{port}", "NGINX_BIN": NGINX}
    for name in render_mod.PLACEHOLDERS:
        if name.endswith("_UPSTREAM") or name == "GATEWAY_RUN_DIR":
            env.pop(name, None)
    for name, up in upstreams.items():
        env[f"{name.upper()}_PORT"] = str(up.port)  # upstreams default to 127.0.0.1:<port>
    with run_dir("exec") as directory:
        argv = [sys.executable, str(ROOT / "deploy" / "gateway" / "render.py"), "--out", str(directory), "--exec"]
        async with started(argv, directory, port, env=env, probe="/api/v1/allocator/healthz") as process:
            async with aiohttp.ClientSession() as s:
                async with s.get(f"http://127.0.0.1:{port}/api/v1/allocator/healthz") as resp:
                    assert (await resp.json())["service"] == "allocator"
            assert int((directory / "nginx.pid").read_text()) == process.pid, "python replaced itself with nginx"
    assert process.returncode == 0
