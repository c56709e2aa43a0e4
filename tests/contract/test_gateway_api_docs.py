"""The API docs page (/api/docs) and the events catalogue (/api/v1/asyncapi.json) on the real
nginx, in front of the stand-in services of test_gateway_config.py (none is asked):

* the page, its script and stylesheet are the files scripts/build_api_docs.mjs builds now
  from the pinned redoc package, and they name nothing outside the gateway;
* the page has a Content-Security-Policy of its own, as tight as Redoc allows (no
  'unsafe-inline' or 'unsafe-eval', no other origin), which no other path gets;
* the AsyncAPI document is served like the OpenAPI document;
* render.py's GATEWAY_API_DOCS_ROOT, and the gateway image building the page in a node stage.

The page drawn in Chromium under that policy: tests/browser/test_api_docs_page.py.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS_ROOT = ROOT / "build" / "api-docs"
PAGE_SOURCE = ROOT / "deploy" / "gateway" / "api-docs"
BUILD_SCRIPT = ROOT / "scripts" / "build_api_docs.mjs"
REDOC_BUNDLE = ROOT / "node_modules" / "redoc" / "bundles" / "redoc.standalone.js"
ASYNCAPI_FILE = ROOT / "deploy" / "gateway" / "static" / "asyncapi.json"
GATEWAY_DOCKERFILE = ROOT / "deploy" / "gateway" / "Dockerfile"
NODE = shutil.which("node")


def _load(name: str, path: Path):
    if name not in sys.modules:  # registered first: its dataclasses look themselves up there
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# The real nginx and its stand-in services, as the gateway's config tests start them.
gw = _load("gateway_config_for_api_docs", Path(__file__).with_name("test_gateway_config.py"))
upstreams, gateway, http = gw.upstreams, gw.gateway, gw.http
render_mod = gw.render_mod
pytestmark = [gw.pytestmark,
              pytest.mark.skipif(not (DOCS_ROOT / "index.html").is_file(),
                                 reason="build/api-docs missing: scripts/setup builds it")]


class _Refs(HTMLParser):
    """Every src and href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]


def _refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return parser.refs


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        name, *values = part.split()
        assert name not in out, f"{name} twice in {csp}"
        out[name] = values
    return out


def _assert_docs_policy(csp: str) -> None:
    d = _directives(csp)
    assert d["default-src"] == ["'none'"]
    assert d["script-src"] == ["'self'"]
    assert d["connect-src"] == ["'self'"]     # the OpenAPI document
    assert d["worker-src"] == ["blob:"]       # Redoc's search worker
    assert d["img-src"] == ["'self'", "data:"]
    # Inline styles only by the hashes of the texts Redoc injects, never wholesale.
    assert d["style-src"][0] == "'self'"
    assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", h) for h in d["style-src"][1:]), d["style-src"]
    for locked in ("object-src", "base-uri", "form-action", "frame-ancestors"):
        assert d[locked] == ["'none'"], locked
    assert "unsafe" not in csp and "http" not in csp and "*" not in csp, csp


# ---- the page --------------------------------------------------------------------------

async def test_the_page_is_served_at_api_docs(gateway, http, upstreams):
    before = gw._seen_total(upstreams)
    page = (DOCS_ROOT / "index.html").read_bytes()
    for path in ("/api/docs", "/api/docs/", "/api/docs/index.html"):
        async with http.get(gateway.url(path), headers={"X-Request-ID": "docs-1"}) as resp:
            assert resp.status == 200, (path, await resp.text())
            assert resp.headers["Content-Type"] == "text/html; charset=utf-8", path
            assert resp.headers.getall("X-Request-ID") == ["docs-1"]
            _assert_docs_policy(resp.headers["Content-Security-Policy"])
            assert resp.headers["X-Frame-Options"] == "DENY"
            assert await resp.read() == page
    assert b'<redoc spec-url="/api/v1/openapi.json"' in page
    async with http.post(gateway.url("/api/docs"), data=b"x") as resp:
        await gw._problem(resp, 405, "method_not_allowed")
    assert gw._seen_total(upstreams) == before, "nothing reached a service"


async def test_the_pages_files_are_served_and_name_nothing_outside_the_gateway(gateway, http):
    html = (DOCS_ROOT / "index.html").read_text(encoding="utf-8")
    refs = _refs(html)
    local = [r for r in refs if r.startswith("/")]
    # Its own files, the two documents and the web client; data: for the empty favicon.
    assert set(refs) - set(local) <= {"data:,"}, refs
    assert {"/api/docs/redoc.standalone.js", "/api/docs/api-docs.css", "/api/v1/openapi.json",
            "/api/v1/asyncapi.json"} <= set(local)
    types = {".js": "application/javascript", ".css": "text/css", ".json": "application/json"}
    for ref in local:
        async with http.get(gateway.url(ref), headers={"Accept-Encoding": "gzip"}) as resp:
            assert resp.status == 200, ref
            suffix = Path(ref).suffix
            if suffix in types:
                assert resp.headers["Content-Type"].split(";")[0] == types[suffix], ref
            if ref.startswith("/api/docs/"):
                assert await resp.read() == (DOCS_ROOT / Path(ref).name).read_bytes(), ref
                _assert_docs_policy(resp.headers["Content-Security-Policy"])
            if suffix == ".js":
                assert resp.headers.get("Content-Encoding") == "gzip", "a megabyte of script goes compressed"
    bundle = (DOCS_ROOT / "redoc.standalone.js").read_text(encoding="utf-8")
    assert "cdn.redoc.ly" not in bundle, "the sidebar logo would be fetched from Redocly's CDN"


async def test_the_docs_policy_stays_on_the_docs_paths(gateway, http):
    """Every other /api/ answer keeps the API's policy that may load nothing; a missing docs
    file is a problem answer under the docs policy (it loads nothing either)."""
    for path in ("/api/docsx", "/api/v1/openapi.json", "/api/v1/asyncapi.json", "/api/doc"):
        async with http.get(gateway.url(path)) as resp:
            csp = resp.headers["Content-Security-Policy"]
            assert csp == "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'", path
    async with http.get(gateway.url("/api/docs/nope.js")) as resp:
        await gw._problem(resp, 404, "not_found")
        _assert_docs_policy(resp.headers["Content-Security-Policy"])
    # An encoded climb out of the docs folder is refused before any location is chosen.
    async with http.get(gateway.url("/api/docs/%2e%2e/openapi.json")) as resp:
        await gw._problem(resp, 400, "bad_request")


def test_the_served_files_are_what_the_build_makes_now(tmp_path):
    """build/api-docs is the pinned redoc's bundle (logo address aside) and this tree's
    page: a changed page or an upgraded package without a new build is caught."""
    if NODE is None or not REDOC_BUNDLE.is_file():
        pytest.skip("node or node_modules/redoc missing: run scripts/setup")
    out = tmp_path / "api-docs"
    result = subprocess.run([NODE, str(BUILD_SCRIPT), str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    built = sorted(p.name for p in out.iterdir())
    assert built == sorted(p.name for p in DOCS_ROOT.iterdir())
    for name in built:
        assert (out / name).read_bytes() == (DOCS_ROOT / name).read_bytes(), f"{name}: run scripts/setup"
    for page_file in PAGE_SOURCE.iterdir():
        assert (out / page_file.name).read_bytes() == page_file.read_bytes()
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["redoc"]
    assert json.loads((ROOT / "node_modules/redoc/package.json").read_text())["version"] == pinned
    original = REDOC_BUNDLE.read_text(encoding="utf-8")
    assert (out / "redoc.standalone.js").read_text(encoding="utf-8") == original.replace(
        '"https://cdn.redoc.ly/redoc/logo-mini.svg"', '"data:,"')


def test_the_page_has_no_inline_script_or_style():
    """Its policy allows neither: a <script> body or a style attribute would be blocked."""
    html = (PAGE_SOURCE / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    assert "Content-Security-Policy" not in html  # the header is the one policy


# ---- the events catalogue --------------------------------------------------------------

async def test_the_events_catalogue_is_the_static_file(gateway, http, upstreams):
    before = gw._seen_total(upstreams)
    async with http.get(gateway.url("/api/v1/asyncapi.json"), headers={"X-Request-ID": "events-1"}) as resp:
        assert resp.status == 200, await resp.text()
        assert resp.headers["Content-Type"] == "application/json"
        assert resp.headers.getall("X-Request-ID") == ["events-1"]
        assert resp.headers["Cache-Control"] == "no-cache"
        etag = resp.headers["ETag"]
        assert await resp.read() == ASYNCAPI_FILE.read_bytes()
    async with http.get(gateway.url("/api/v1/asyncapi.json"), headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
        assert len(resp.headers.getall("X-Request-ID")) == 1
    async with http.get(gateway.url("/api/v1/asyncapi.json?v=2")) as resp:
        assert (await resp.json())["asyncapi"].startswith("3.")
    async with http.post(gateway.url("/api/v1/asyncapi.json"), json={}) as resp:
        await gw._problem(resp, 405, "method_not_allowed")
    for near in ("/api/v1/asyncapi.json/x", "/api/v1/asyncapi.jsonx", "/api/v1/asyncapi"):
        async with http.get(gateway.url(near)) as resp:
            await gw._problem(resp, 404, "not_found")
    assert gw._seen_total(upstreams) == before, "nothing reached a service"


# ---- configuration ---------------------------------------------------------------------

def test_render_places_the_docs_root(tmp_path, monkeypatch):
    conf = render_mod.render({})
    assert f'alias "{DOCS_ROOT}/";' in conf and f'alias "{DOCS_ROOT}/index.html";' in conf
    monkeypatch.chdir(tmp_path)
    assert render_mod.values({"GATEWAY_API_DOCS_ROOT": "docs"})["GATEWAY_API_DOCS_ROOT"] == str(tmp_path / "docs")
    for bad in ('/srv/docs";', "/srv/$host", "/srv/{x}"):
        with pytest.raises(ValueError):
            render_mod.render({"GATEWAY_API_DOCS_ROOT": bad})


def test_the_gateway_image_builds_the_page_in_a_node_stage():
    text = GATEWAY_DOCKERFILE.read_text(encoding="utf-8")
    stage = re.search(r"^FROM node:[\w.-]+@sha256:[0-9a-f]{64} AS (?P<name>[\w-]+)$(?P<body>.*?)^FROM ",
                      text, re.M | re.S)
    assert stage, "a pinned node stage before the nginx one"
    body = stage["body"]
    assert "COPY package-lock.json" in body and "npm ci" in body, "the lock's versions, not the newest"
    assert re.search(r"^RUN node scripts/build_api_docs\.mjs /out$", body, re.M)
    env = {}
    for key, value in re.findall(r"(GATEWAY_API_DOCS_ROOT)=(\S+)", text):
        env[key] = value
    assert f"COPY --from={stage['name']} /out {env['GATEWAY_API_DOCS_ROOT']}" in text
    dockerignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert "node_modules" in dockerignore, "the stage installs its own"
