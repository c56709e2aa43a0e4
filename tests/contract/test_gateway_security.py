"""The gateway's security controls (issue 16), on a real nginx in front of stand-in services:

- client addresses: X-Forwarded-For is believed only from GATEWAY_TRUSTED_PROXIES, so two
  clients behind a trusted proxy get separate budgets, and a client that is not a trusted
  proxy cannot buy a new budget by writing the header;
- every throttle (each limit_req zone, limit_conn) answers 429 problem+json, shaped like the
  services' problems, with Retry-After;
- limits and trusted proxies come from the environment, rendered both ways (render.py for
  local runs, 15-gateway-security.envsh + envsubst as the official image does);
- the security headers are on every kind of answer, HSTS only for HTTPS from a trusted proxy.

"Untrusted" clients connect from 127.0.0.2 / 127.0.0.3 (Linux routes all of 127.0.0.0/8 to
loopback); the trusted proxy is 127.0.0.1. Skipped only when no nginx binary is found.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from shared.http.problems import problem as service_problem
from testsupport.fixtures import free_port
from testsupport.gateway import needs_nginx, nginx_argv, render_mod, run_dir, started

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_DIR = ROOT / "deploy" / "gateway"
ENVSH = GATEWAY_DIR / "15-gateway-security.envsh"
SERVICES = ("identity", "booking", "allocator", "notifier")
PROBLEM = "application/problem+json"
TRUSTED = "127.0.0.1"        # the "Ingress controller" in these tests
UNTRUSTED = "127.0.0.2"      # a client reaching the gateway directly
UNTRUSTED_2 = "127.0.0.3"


pytestmark = needs_nginx

_address_counter = iter(range(1, 250))


def client_address() -> str:
    """A fresh documentation address (TEST-NET-3) per use: budgets never mix between tests."""
    return f"203.0.113.{next(_address_counter)}"


# ---- stand-in services -------------------------------------------------------------------

@dataclass
class Upstream:
    """Answers with what it received; ``?sleep=S`` holds the answer, ``?answer=NNN`` answers
    that status as the service's own problem."""
    name: str
    port: int = 0
    seen: list[dict] = field(default_factory=list)
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        record = {"service": self.name, "path": request.path,
                  "x_real_ip": request.headers.get("X-Real-IP"),
                  "x_forwarded_for": request.headers.get("X-Forwarded-For"),
                  "x_forwarded_proto": request.headers.get("X-Forwarded-Proto")}
        self.seen.append(record)
        await request.read()
        if "sleep" in request.query:
            await asyncio.sleep(float(request.query["sleep"]))
        status = int(request.query.get("answer", "200"))
        if status != 200:
            return service_problem(status, f"{self.name}.own_error", "from the service")
        return web.json_response(record)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        await web.SockSite(self.runner, sock).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture(scope="module")
async def upstreams():
    ups = {name: Upstream(name) for name in SERVICES if name != "notifier"}
    for up in ups.values():
        await up.start()
    yield ups
    for up in ups.values():
        await up.stop()


# ---- nginx, rendered either way ------------------------------------------------------------

def render_with_render_py(run_dir: Path, env: dict[str, str]) -> Path:
    return render_mod.write(run_dir, env)


def render_like_the_image(run_dir: Path, env: dict[str, str]) -> Path:
    """What the official image's entrypoint does: source the executable *.envsh files of
    /docker-entrypoint.d (ours), then envsubst the template with every defined variable."""
    envsubst = shutil.which("envsubst")
    if envsubst is None:
        pytest.skip("envsubst (gettext-base) is not installed")
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env,
            "GATEWAY_RUN_DIR": str(run_dir), "GATEWAY_STATIC_ROOT": str(GATEWAY_DIR / "static"),
            "GATEWAY_API_DOCS_ROOT": str(render_mod.DEFAULT_API_DOCS_ROOT)}
    script = (f'. "{ENVSH}" || exit 1\n'
              'defined_envs=$(printf \'${%s} \' $(awk "END { for (name in ENVIRON) { print name } }" < /dev/null))\n'
              f'exec "{envsubst}" "$defined_envs" < "{render_mod.TEMPLATE}"\n')
    result = subprocess.run(["sh", "-c", script], env=full, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    render_mod.prepare_run_dir(run_dir)
    conf = run_dir / "nginx.conf"
    conf.write_text(result.stdout, encoding="utf-8")
    return conf


@dataclass
class Gateway:
    port: int
    run_dir: Path
    conf: Path

    def url(self, path: str) -> URL:
        return URL(f"http://127.0.0.1:{self.port}{path}", encoded=True)  # sent as written


@asynccontextmanager
async def running_gateway(upstreams, env: dict[str, str] | None = None,
                          render: Callable[[Path, dict[str, str]], Path] = render_with_render_py
                          ) -> AsyncIterator[Gateway]:
    port = free_port()
    with run_dir("sec") as directory:
        full = {f"{name.upper()}_UPSTREAM": f"127.0.0.1:{up.port}" for name, up in upstreams.items()}
        # Nothing listens there: notifier paths answer nginx's own 502.
        full["NOTIFIER_UPSTREAM"] = f"127.0.0.1:{free_port()}"
        full.update(GATEWAY_PORT=f"127.0.0.1:{port}", GATEWAY_RUN_DIR=str(directory), **(env or {}))
        conf = render(directory, full)
        async with started(nginx_argv(conf), directory, port):
            yield Gateway(port, directory, conf)


@pytest.fixture(scope="module")
async def gateway(upstreams):
    """Today's default limits; 127.0.0.1 is the trusted proxy."""
    async with running_gateway(upstreams, {"GATEWAY_TRUSTED_PROXIES": f"{TRUSTED}/32"}) as gw:
        yield gw


@asynccontextmanager
async def client_from(source: str) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client whose connections come from ``source`` (a loopback address)."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0), limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=20)) as s:
        yield s


@pytest.fixture
async def proxy():
    """The trusted proxy: connects from 127.0.0.1 and says who the client is."""
    async with client_from(TRUSTED) as s:
        yield s


@pytest.fixture
async def stranger():
    """Connects from an address that is not a trusted proxy."""
    async with client_from(UNTRUSTED) as s:
        yield s


# ---- helpers ---------------------------------------------------------------------------------

SMS = ("POST", "/api/v1/sms-codes")


async def send(http: aiohttp.ClientSession, gw: Gateway, method: str, path: str,
               headers: dict[str, str] | None = None, **kw) -> tuple[aiohttp.ClientResponse, str]:
    async with http.request(method, gw.url(path), headers=headers or {}, **kw) as resp:
        return resp, await resp.text()


async def until_throttled(http, gw, method: str, path: str, headers_for: Callable[[int], dict[str, str]],
                          attempts: int = 600) -> tuple[int, aiohttp.ClientResponse, str]:
    """Send until the gateway answers 429: (answers that passed, the 429, its body)."""
    for i in range(attempts):
        resp, text = await send(http, gw, method, path, headers_for(i), json={})
        if resp.status == 429:
            return i, resp, text
        assert resp.status == 200, (resp.status, text)
    pytest.fail(f"no 429 after {attempts} x {method} {path}")


def assert_gateway_429(resp: aiohttp.ClientResponse, text: str, retry_after: int) -> dict:
    """429 problem+json with Retry-After, shaped like the services' problems."""
    assert resp.status == 429
    assert resp.headers["Content-Type"].split(";")[0] == PROBLEM
    body = json.loads(text)
    services = service_problem(429, "x", "y")
    assert resp.headers["Content-Type"].lower() == services.headers["Content-Type"].lower()
    assert set(body) == set(json.loads(services.body)), "the same members as a service's problem"
    assert body["type"] == "about:blank" and body["status"] == 429 and body["code"] == "rate_limited"
    assert body["title"] == json.loads(services.body)["title"] == "Too Many Requests" and body["detail"]
    assert resp.headers.getall("Retry-After") == [str(retry_after)]
    assert len(resp.headers.getall("X-Request-ID")) == 1
    return body


# ---- client addresses ----------------------------------------------------------------------

async def test_two_clients_behind_a_trusted_proxy_get_separate_budgets(gateway, proxy, upstreams):
    a, b = client_address(), client_address()
    passed, resp, text = await until_throttled(proxy, gateway, *SMS, lambda i: {"X-Forwarded-For": a})
    assert passed == 6, "10r/m with burst 5: six quick POSTs pass for client A"
    assert_gateway_429(resp, text, 6)
    # B, behind the same proxy, has a budget of its own ...
    resp, text = await send(proxy, gateway, *SMS, {"X-Forwarded-For": b}, json={})
    assert resp.status == 200, text
    # ... and the service is told who the client is.
    assert json.loads(text)["x_real_ip"] == b
    assert upstreams["identity"].seen[-1]["x_forwarded_for"] == f"{b}, {TRUSTED}"
    # What A writes left of the proxy's entry is not believed: still A, still refused.
    resp, text = await send(proxy, gateway, *SMS, {"X-Forwarded-For": f"{client_address()}, {a}"}, json={})
    assert_gateway_429(resp, text, 6)


async def test_a_spoofed_forwarded_for_from_an_untrusted_address_is_not_believed(gateway, stranger, upstreams):
    # A new made-up client address on every request: all are counted as the connecting address.
    passed, resp, text = await until_throttled(stranger, gateway, *SMS,
                                               lambda i: {"X-Forwarded-For": client_address()})
    assert passed == 6, "one budget for the connecting address, whatever it writes"
    assert_gateway_429(resp, text, 6)
    seen = upstreams["identity"].seen[-1]
    assert seen["x_real_ip"] == UNTRUSTED
    assert seen["x_forwarded_for"].endswith(f", {UNTRUSTED}"), "the real peer is appended"


# ---- throttles ---------------------------------------------------------------------------

THROTTLES = [
    # (method, path, passes before the 429: burst + 1, Retry-After = 1 / rate of the slowest zone)
    ("POST", "/api/v1/sms-codes", 6, 6),
    ("POST", "/api/v1/sessions", 11, 2),
    ("POST", "/api/v1/sessions/card", 11, 2),
    ("POST", "/api/v1/password-resets", 11, 2),
    # the general API zone: 20r/s, burst 100 (a few more pass while the loop runs)
    ("GET", "/api/v1/business-types", None, 1),
    ("POST", "/api/v1/bookings", None, 1),
    ("POST", "/api/v1/users", None, 1),
    ("POST", "/api/v1/sessions/refresh", None, 1),
]


@pytest.mark.parametrize(("method", "path", "passes", "retry_after"), THROTTLES,
                         ids=[f"{m} {p}" for m, p, _, _ in THROTTLES])
async def test_every_limit_req_zone_answers_429_problem_with_retry_after(gateway, proxy, upstreams,
                                                                         method, path, passes, retry_after):
    client = client_address()
    seen_before = sum(len(up.seen) for up in upstreams.values())
    passed, resp, text = await until_throttled(proxy, gateway, method, path, lambda i: {"X-Forwarded-For": client})
    if passes is not None:
        assert passed == passes
    else:
        assert 101 <= passed <= 300, passed  # 20 more a second while the loop runs
    assert_gateway_429(resp, text, retry_after)
    assert sum(len(up.seen) for up in upstreams.values()) - seen_before == passed, "the 429 never reached a service"


async def test_the_general_zone_counts_api_paths_only(gateway, proxy):
    """The web client's files are not API requests: 150 quick GETs of / all pass."""
    client = client_address()
    for _ in range(150):
        resp, _ = await send(proxy, gateway, "GET", "/", {"X-Forwarded-For": client})
        assert resp.status == 200


async def test_limit_conn_answers_429_problem_with_retry_after(gateway, proxy):
    """More than GATEWAY_CONN_PER_ADDRESS (20) requests in progress from one address."""
    client = client_address()

    async def slow() -> tuple[aiohttp.ClientResponse, str]:
        return await send(proxy, gateway, "GET", "/api/v1/calendar?sleep=1.5", {"X-Forwarded-For": client})

    answers = await asyncio.gather(*(slow() for _ in range(25)))
    statuses = sorted(r.status for r, _ in answers)
    assert statuses.count(200) == 20, statuses
    refused = [(r, t) for r, t in answers if r.status == 429]
    assert len(refused) == 5
    for resp, text in refused:
        assert_gateway_429(resp, text, 1)
    # Another client meanwhile is not affected.
    resp, _ = await send(proxy, gateway, "GET", "/api/v1/calendar", {"X-Forwarded-For": client_address()})
    assert resp.status == 200


# ---- configured by the environment, rendered both ways ---------------------------------------

@pytest.mark.parametrize("render", [render_with_render_py, render_like_the_image], ids=["render.py", "image"])
async def test_limits_and_trusted_proxies_come_from_the_environment(upstreams, render):
    env = {"GATEWAY_TRUSTED_PROXIES": f"{UNTRUSTED}, 192.0.2.0/24",  # now .2 is the proxy, .1 is not
           "GATEWAY_SMS_RATE": "2r/m", "GATEWAY_SMS_BURST": "1",
           "GATEWAY_API_RATE": "1r/s", "GATEWAY_API_BURST": "3",
           "GATEWAY_LOGIN_RATE": "6r/m", "GATEWAY_LOGIN_BURST": "1",
           "GATEWAY_CONN_PER_ADDRESS": "2"}
    async with running_gateway(upstreams, env, render) as gw:
        if render is render_like_the_image:  # both paths give the same file
            run_env = {**{f"{n.upper()}_UPSTREAM": "x:1" for n in SERVICES}, "GATEWAY_PORT": "8080", **env}
            assert render_like_the_image(gw.run_dir / "again", run_env).read_text() == \
                render_mod.render({**run_env, "GATEWAY_RUN_DIR": str(gw.run_dir / "again")})
        async with client_from(UNTRUSTED) as now_trusted, client_from(TRUSTED) as now_untrusted, \
                client_from(UNTRUSTED_2) as also_untrusted:
            a, b, c, d = (client_address() for _ in range(4))
            passed, resp, text = await until_throttled(now_trusted, gw, *SMS, lambda i: {"X-Forwarded-For": a})
            assert passed == 2
            assert_gateway_429(resp, text, 30)  # ceil(60 / 2)
            resp, _ = await send(now_trusted, gw, *SMS, {"X-Forwarded-For": b}, json={})
            assert resp.status == 200, "another client behind the proxy"
            passed, resp, text = await until_throttled(now_trusted, gw, "POST", "/api/v1/sessions",
                                                       lambda i: {"X-Forwarded-For": c})
            assert passed == 2
            assert_gateway_429(resp, text, 10)  # ceil(60 / 6)
            passed, resp, text = await until_throttled(now_trusted, gw, "GET", "/api/v1/me",
                                                       lambda i: {"X-Forwarded-For": d})
            assert 4 <= passed <= 6, passed  # burst 3, then 1 a second
            assert_gateway_429(resp, text, 1)
            # 127.0.0.1 is not a proxy here: its header is ignored, its own budget counts.
            passed, resp, text = await until_throttled(now_untrusted, gw, *SMS,
                                                       lambda i: {"X-Forwarded-For": client_address()})
            assert passed == 2
            answers = await asyncio.gather(*(send(now_trusted, gw, "GET", "/api/v1/calendar?sleep=1",
                                                  {"X-Forwarded-For": client_address()}) for _ in range(3)),
                                           *(send(also_untrusted, gw, "GET", "/api/v1/calendar?sleep=1",
                                                  {"X-Forwarded-For": client_address()}) for _ in range(3)))
            assert [r.status for r, _ in answers[:3]] == [200, 200, 200], "three clients behind the proxy"
            assert sorted(r.status for r, _ in answers[3:]) == [200, 200, 429], "2 at once per address"


@pytest.mark.parametrize("env", [
    {"GATEWAY_TRUSTED_PROXIES": "10.0.0.0/8; return 200"},
    {"GATEWAY_TRUSTED_PROXIES": "*"},
    {"GATEWAY_SMS_RATE": "10"},
    {"GATEWAY_API_RATE": "0r/s"},
    {"GATEWAY_API_BURST": "-1"},
    {"GATEWAY_SMS_BURST": "0"},
    {"GATEWAY_CONN_PER_ADDRESS": "0"},
])
def test_bad_security_values_stop_both_renderings(env, tmp_path):
    with pytest.raises(ValueError):
        render_mod.render(env)
    result = subprocess.run(["sh", "-c", f'. "{ENVSH}"; echo sourced-without-failing'],
                            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "sourced-without-failing" not in result.stdout
    assert "15-gateway-security.envsh" in result.stderr


# ---- security headers --------------------------------------------------------------------

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                    "Referrer-Policy", "Permissions-Policy")


def assert_security_headers(resp: aiohttp.ClientResponse, *, api: bool, hsts: bool = False) -> None:
    for name in SECURITY_HEADERS:
        assert len(resp.headers.getall(name, [])) == 1, f"{name} on {resp.status} {resp.url}: {resp.headers}"
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if api:
        assert csp.startswith("default-src 'none'")
    else:
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in resp.headers["Permissions-Policy"]
    if hsts:
        assert resp.headers.getall("Strict-Transport-Security") == ["max-age=31536000"]
    else:
        assert "Strict-Transport-Security" not in resp.headers


# (kind, method, path, extra request arguments, expected status, api path?)
ANSWER_KINDS = [
    ("web client page", "GET", "/", {}, 200, False),
    ("web client module", "GET", "/app/main.js", {}, 200, False),
    ("web client missing file (problem)", "GET", "/app/nope.js", {}, 404, False),
    ("gateway liveness", "GET", "/healthz", {}, 200, False),
    ("JWKS from identity", "GET", "/.well-known/jwks.json", {}, 200, False),
    ("API answer", "GET", "/api/v1/business-types", {}, 200, True),
    ("service problem passed through", "GET", "/api/v1/bookings?answer=409", {}, 409, True),
    ("gateway 404 problem", "GET", "/api/v1/nope", {}, 404, True),
    ("gateway 400 problem", "GET", "/api/v1/desk/..%2F_test", {}, 400, True),
    ("gateway 405 problem", "POST", "/index.html", {"data": b"x"}, 405, False),
    ("gateway 413 problem", "POST", "/api/v1/bookings", {"data": b"x" * (64 * 1024 + 1)}, 413, True),
    ("gateway 502 problem", "GET", "/api/v1/notifications", {}, 502, True),
    ("OpenAPI document", "GET", "/api/v1/openapi.json", {}, 200, True),
    ("events catalogue", "GET", "/api/v1/asyncapi.json", {}, 200, True),
    ("API docs page (a policy of its own, still default-src 'none')", "GET", "/api/docs", {}, 200, True),
    ("API docs page's bundle", "GET", "/api/docs/redoc.standalone.js", {}, 200, True),
]


@pytest.mark.parametrize(("kind", "method", "path", "kw", "status", "api"), ANSWER_KINDS,
                         ids=[k[0] for k in ANSWER_KINDS])
async def test_security_headers_on_every_answer_kind(gateway, proxy, kind, method, path, kw, status, api):
    headers = {"X-Forwarded-For": client_address()}
    async with proxy.request(method, gateway.url(path), headers=headers, allow_redirects=False, **kw) as resp:
        assert resp.status == status, await resp.text()
        assert_security_headers(resp, api=api)
    # Behind the TLS-ending Ingress (a trusted proxy saying https): HSTS as well.
    async with proxy.request(method, gateway.url(path), allow_redirects=False,
                             headers={**headers, "X-Forwarded-Proto": "https"}, **kw) as resp:
        assert resp.status == status
        assert_security_headers(resp, api=api, hsts=True)


async def test_security_headers_on_throttle_and_not_modified_answers(gateway, proxy):
    client = client_address()
    _, resp, text = await until_throttled(proxy, gateway, *SMS,
                                          lambda i: {"X-Forwarded-For": client, "X-Forwarded-Proto": "https"})
    assert_gateway_429(resp, text, 6)
    assert_security_headers(resp, api=True, hsts=True)
    async with proxy.get(gateway.url("/api/v1/openapi.json")) as first:
        etag = first.headers["ETag"]
    async with proxy.get(gateway.url("/api/v1/openapi.json"), headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
        assert_security_headers(resp, api=True)


async def test_hsts_and_forwarded_proto_only_from_a_trusted_proxy(gateway, proxy, upstreams):
    async with client_from(UNTRUSTED_2) as stranger:
        # Anyone can write X-Forwarded-Proto: from a non-proxy it is ignored.
        resp, text = await send(stranger, gateway, "GET", "/api/v1/me", {"X-Forwarded-Proto": "https"})
        assert resp.status == 200
        assert_security_headers(resp, api=True, hsts=False)
        assert json.loads(text)["x_forwarded_proto"] == "http"
    resp, text = await send(proxy, gateway, "GET", "/api/v1/me", {"X-Forwarded-Proto": "https"})
    assert_security_headers(resp, api=True, hsts=True)
    assert json.loads(text)["x_forwarded_proto"] == "https"
    resp, text = await send(proxy, gateway, "GET", "/api/v1/me", {"X-Forwarded-Proto": "http"})
    assert_security_headers(resp, api=True, hsts=False)
    assert json.loads(text)["x_forwarded_proto"] == "http"


def test_the_web_client_has_no_meta_policy_of_its_own():
    """The policy is the gateway's header (frame-ancestors works only there); a second,
    different one in a meta tag would be enforced too and drift."""
    for page in ("index.html", "display.html"):   # the client and the hall's 叫号 screen
        html = (GATEWAY_DIR / "static" / page).read_text(encoding="utf-8")
        assert "Content-Security-Policy" not in html, page
