"""The OpenAPI 3.1 document the gateway serves at GET /api/v1/openapi.json
(deploy/gateway/static/openapi.json, written by scripts/openapi.py from the services'
ApiRouter declarations), held to the contract: docs/api.md.

* the committed file is what scripts/openapi.py generates now, and valid OpenAPI 3.1;
* it documents only public paths, each routed by the gateway to the service declaring it;
* per service: every route of the running app is declared (documented), and every route
  api.md lists for the service (found with the gateway's own routing) is documented, with
  api.md's success status, auth, and error codes (in its responses' ``x-codes``);
* answers the handlers build as plain dicts fit their documented schemas.

Every service declares its routes with ApiRouter (<service>/api/openapi.py).
"""
from __future__ import annotations

import importlib
import importlib.util
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
API_MD = ROOT / "docs" / "api.md"
TEMPLATE = ROOT / "deploy" / "gateway" / "nginx.conf.template"
DOCUMENT = ROOT / "deploy" / "gateway" / "static" / "openapi.json"
REGENERATE = ".venv/bin/python scripts/openapi.py"

SERVICES = ("identity", "booking", "allocator", "notifier")
# Service paths that are no public API: never documented (nor routed by the gateway);
# /internal/ is service-to-service (booking's cutoff snapshots for the allocator).
PRIVATE = re.compile(r"^/(healthz|readyz|metrics|openapi\.json|_test|internal)(/|$)")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# Codes (and headers) api.md states in prose rather than in a table row; checked like the
# rows' codes. (Each code is also checked to occur in api.md, so this cannot invent any.)
PROSE_CODES: dict[tuple[str, str], list[tuple[int, str]]] = {
    ("POST", "/api/v1/bookings"): [
        (422, "validation_error"), (422, "booking.business_conflict"), (422, "booking.count_required"),
        (422, "enterprise.code_invalid"), (422, "booking.date_not_bookable"), (422, "booking.period_unknown"),
        (409, "booking.capacity_exhausted"), (409, "booking.duplicate_period"),
        (409, "booking.enterprise_already_booked"), (403, "booking.suspended"), (422, "idempotency.key_reused")],
    ("POST", "/api/v1/bookings/{id}/cancel"): [(409, "booking.cutoff_passed"), (409, "booking.not_active")],
    ("POST", "/api/v1/bookings/{id}/enterprises/{org_code}/cancel"): [
        (409, "booking.cutoff_passed"), (409, "booking.not_active")],
}
PROSE_HEADERS: dict[tuple[str, str], list[str]] = {("POST", "/api/v1/bookings"): ["Idempotency-Key"]}


def _load_script():
    spec = importlib.util.spec_from_file_location("openapi_script_for_tests", ROOT / "scripts" / "openapi.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()


@cache
def generated() -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    text, included, skipped = script.generate()
    return text, tuple(included), tuple(skipped)


@cache
def document() -> dict[str, Any]:
    return orjson.loads(generated()[0])


def service_spec(service: str) -> dict[str, Any]:
    """The service's own document; fails when it has none."""
    assert script.has_spec(service), f"{service} has no {service}/api/openapi.py with openapi_spec()"
    return importlib.import_module(f"{service}.api.openapi").openapi_spec()


def shape(path: str) -> str:
    """Path parameters' names do not matter: /a/{id} and /a/{booking_id} are one path."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    for candidate, item in spec["paths"].items():
        if shape(candidate) == shape(path) and method.lower() in item:
            return item[method.lower()]
    return None


# ---- the gateway's routing, read from its template ---------------------------------------

# A plain (exact or prefix) location and its block; the block may hold ${PLACEHOLDER}s.
LOCATION = re.compile(r"location\s+(=\s*)?(/[^\s{]*)\s*\{((?:[^{}]|\$\{[A-Z_]+\})*)\}")


@cache
def gateway_locations() -> tuple[dict[str, str | None], list[tuple[str, str | None]]]:
    """(exact path -> target, [(prefix, target)]); the target is the upstream a location
    proxies to, "gateway" for a file nginx serves itself, None for nginx's own 404."""
    exact: dict[str, str | None] = {}
    prefixes: list[tuple[str, str | None]] = []
    for m in LOCATION.finditer(TEMPLATE.read_text(encoding="utf-8")):
        body = m.group(3)
        upstream = re.search(r"proxy_pass\s+http://([a-z]+)\s*;", body)
        target = upstream.group(1) if upstream else ("gateway" if re.search(r"\b(alias|try_files)\b", body) else None)
        if m.group(1):
            exact[m.group(2)] = target
        else:
            prefixes.append((m.group(2), target))
    return exact, prefixes


def gateway_target(path: str) -> str | None:
    """Where nginx sends ``path`` (a path template: its parameters get a sample value):
    an exact location first, else the longest matching prefix (nginx's rule for the
    template's plain locations)."""
    concrete = re.sub(r"\{[^}]*\}", "x1", path)
    exact, prefixes = gateway_locations()
    if concrete in exact:
        return exact[concrete]
    matching = [(p, t) for p, t in prefixes if concrete.startswith(p)]
    return max(matching, key=lambda pt: len(pt[0]))[1] if matching else None


def test_the_routing_reader_sees_the_gateway():
    assert gateway_target("/api/v1/sms-codes") == "identity"
    assert gateway_target("/api/v1/bookings/{id}/cancel") == "booking"
    assert gateway_target("/api/v1/allocations/{center}/{date}") == "allocator"
    assert gateway_target("/api/v1/notifications") == "notifier"
    assert gateway_target("/api/v1/openapi.json") == "gateway"
    assert gateway_target("/api/v1/nope") is None


# ---- api.md ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractRoute:
    method: str
    path: str                 # query string stripped
    section: str              # the "## ..." heading above the table
    auth: str | None          # the table's auth column ("-", "user"), when it has one
    answer: str               # the table's answer column

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    @property
    def codes(self) -> list[tuple[int | None, str]]:
        """(status, code) pairs of the answer column: a code gets the status written
        before it ("409 `a.b` / `a.c`; 422 `d.e`"), plus api.md's prose codes."""
        pairs: list[tuple[int | None, str]] = []
        status = None
        for m in re.finditer(r"\b([1-5]\d\d)\b|`([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+|validation_error)`", self.answer):
            if m.group(1):
                status = int(m.group(1))
            else:
                pairs.append((status, m.group(2)))
        return pairs + [(s, c) for (m, p), extra in PROSE_CODES.items()
                        if m == self.method and shape(p) == shape(self.path) for s, c in extra]

    @property
    def success(self) -> int | None:
        m = re.match(r"\s*(2\d\d)\b", self.answer)
        return int(m.group(1)) if m else None

    @property
    def role(self) -> str | None:
        m = re.search(r"\(role (\w+)\)", self.section)
        return m.group(1) if m else None

    @property
    def signed_in(self) -> bool | None:
        """True/False when api.md says, None when it does not."""
        if self.role or "(agent)" in self.section:
            return True
        if self.auth is not None:
            return self.auth.strip() != "-"
        return None


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


@cache
def contract_routes() -> tuple[ContractRoute, ...]:
    if not API_MD.is_file():
        pytest.skip(f"api.md not found at {API_MD} (the shared docs live next to the repository)")
    routes: list[ContractRoute] = []
    section, header = "", []
    for line in API_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section, header = line[3:].strip(), []
            continue
        if not line.startswith("|"):
            header = []
            continue
        cells = _cells(line)
        m = re.match(r"^(GET|POST|PUT|PATCH|DELETE)\s+(/\S*)$", cells[0]) if cells else None
        if m is None:
            if not header and cells:
                header = [c.lower() for c in cells]
            continue
        column = dict(zip(header, cells))
        routes.append(ContractRoute(method=m.group(1), path=m.group(2).split("?")[0], section=section,
                                    auth=column.get("auth"), answer=column.get("answer", cells[-1])))
    assert routes, "no route rows found in api.md's tables"
    return tuple(routes)


def contract_routes_of(service: str) -> list[ContractRoute]:
    return [r for r in contract_routes() if gateway_target(r.path) == service]


def test_every_api_md_route_is_routed_by_the_gateway():
    unrouted = [f"{r.method} {r.path}" for r in contract_routes() if gateway_target(r.path) not in SERVICES]
    assert not unrouted, f"api.md routes the gateway sends to no service: {unrouted}"
    for service in SERVICES:
        assert contract_routes_of(service), f"api.md lists no route of {service}?"


def test_prose_codes_and_headers_are_api_md_s():
    text = API_MD.read_text(encoding="utf-8") if API_MD.is_file() else pytest.skip(f"no {API_MD}")
    keys = {r.key for r in contract_routes()}
    for key, pairs in PROSE_CODES.items():
        assert key in keys, key
        for status, code in pairs:
            assert f"{status} `{code}`" in text or f"`{code}`" in text, code
    for key, headers in PROSE_HEADERS.items():
        assert key in keys and all(f"`{h}`" in text for h in headers)


# ---- the document --------------------------------------------------------------------------

def test_committed_document_is_what_scripts_openapi_generates():
    assert DOCUMENT.is_file(), f"{DOCUMENT.relative_to(ROOT)} is missing: run {REGENERATE}"
    assert DOCUMENT.read_text(encoding="utf-8") == generated()[0], (
        f"{DOCUMENT.relative_to(ROOT)} is out of date with the services' route declarations: run {REGENERATE}")


def test_every_service_is_merged():
    _, included, skipped = generated()
    assert set(included) == set(SERVICES) and not skipped, f"a service lost its api/openapi.py: {skipped}"


@pytest.mark.parametrize("which", ["merged", *SERVICES])
def test_document_is_valid_openapi_3_1(which):
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed "
                                    "(requirements-dev.txt)")
    spec = document() if which == "merged" else service_spec(which)
    assert spec["openapi"] == "3.1.0"
    validator.validate(spec)  # OpenAPI 3.1 by its "openapi" member; raises on the first fault
    ids = [op["operationId"] for item in spec["paths"].values() for m, op in item.items() if m in METHODS]
    assert len(ids) == len(set(ids)), "operationIds must be unique across the merged document"


def test_document_has_only_public_paths():
    private = [p for p in document()["paths"] if PRIVATE.match(p)]
    assert not private, f"health, metrics, test and document routes are no public API: {private}"


@pytest.mark.parametrize("service", SERVICES)
def test_documented_operations_are_routed_to_their_service(service):
    """A documented path the gateway does not send to the service declaring it would be a
    lie to every frontend."""
    wrong = {path: gateway_target(path) for path in service_spec(service)["paths"]
             if gateway_target(path) != service}
    assert not wrong, f"{service} documents paths the gateway routes elsewhere: {wrong}"


# ---- per service: the app, api.md ----------------------------------------------------------

@pytest.mark.parametrize("service", SERVICES)
def test_every_public_route_of_the_app_is_declared(service):
    """What the app really serves (from create_app, no database needed) and what it
    documents are the same set: a route added with plain web.get would be caught here."""
    app = importlib.import_module(f"{service}.app").create_app()
    served = {(r.method, shape(r.resource.canonical)) for r in app.router.routes()
              if r.method != "HEAD" and not PRIVATE.match(r.resource.canonical)}
    spec = service_spec(service)
    documented = {(m.upper(), shape(p)) for p, item in spec["paths"].items() for m in item if m in METHODS}
    assert served == documented, (f"served but not documented: {sorted(served - documented)}; "
                                  f"documented but not served: {sorted(documented - served)}")
    assert ("GET", "/openapi.json") in {(r.method, r.resource.canonical) for r in app.router.routes()}, (
        "each service serves its own document at GET /openapi.json")


@pytest.mark.parametrize("service", SERVICES)
def test_api_md_routes_are_documented(service):
    missing = [f"{r.method} {r.path}" for r in contract_routes_of(service)
               if operation(document(), r.method, r.path) is None]
    assert not missing, f"api.md routes of {service} missing from the OpenAPI document: {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_api_md_error_codes_are_documented(service):
    missing = []
    for r in contract_routes_of(service):
        op = operation(document(), r.method, r.path)
        if op is None:
            missing.append(f"{r.method} {r.path}: not documented")
            continue
        for status, code in r.codes:
            statuses = [str(status)] if status is not None else list(op["responses"])
            if not any(code in op["responses"].get(s, {}).get("x-codes", []) for s in statuses):
                missing.append(f"{r.method} {r.path}: {status} {code}")
        for header in PROSE_HEADERS.get(r.key, []):
            if not any(p["in"] == "header" and p["name"] == header for p in op.get("parameters", [])):
                missing.append(f"{r.method} {r.path}: header {header}")
    assert not missing, f"error codes (or headers) api.md names but the document does not: {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_api_md_success_status_and_auth_match(service):
    wrong = []
    for r in contract_routes_of(service):
        op = operation(document(), r.method, r.path)
        if op is None:
            wrong.append(f"{r.method} {r.path}: not documented")
            continue
        ok = [s for s in op["responses"] if s.startswith("2")]
        if r.success is not None and ok != [str(r.success)]:
            wrong.append(f"{r.method} {r.path}: api.md answers {r.success}, the document {ok}")
        if r.signed_in is not None and bool(op.get("security")) != r.signed_in:
            wrong.append(f"{r.method} {r.path}: api.md says {'signed in' if r.signed_in else 'public'}")
        roles = op.get("x-roles", [])
        if r.role and r.role not in roles:
            wrong.append(f"{r.method} {r.path}: api.md needs role {r.role}, the document {roles}")
        if "(staff too)" in r.answer and "staff" not in roles:
            wrong.append(f"{r.method} {r.path}: api.md lets staff in too, the document {roles}")
    assert not wrong, "\n".join(wrong)


# ---- each service's own document on its own port --------------------------------------------

@pytest.mark.parametrize("service", SERVICES)
async def test_service_serves_its_own_document(service):
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    module = importlib.import_module(f"{service}.api.openapi")
    app = web.Application()
    app.add_routes(module.openapi_routes())
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/openapi.json")
        assert resp.status == 200 and resp.content_type == "application/json"
        assert await resp.json() == orjson.loads(orjson.dumps(module.openapi_spec()))


# ---- answers built as plain dicts fit their documented schemas ------------------------------

def _conforms(schema_name: str, value: Any) -> None:
    """``value`` is valid against the document's schema (formats included) and has no
    member the schema does not name (a field sent but undocumented)."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT202012

    doc = document()
    registry = referencing.Registry().with_resource("urn:openapi", DRAFT202012.create_resource(doc))
    validator = jsonschema.Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{schema_name}"},
                                                registry=registry,
                                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]
    assert not errors, errors

    schemas = doc["components"]["schemas"]

    def resolve(s: dict) -> dict:
        while "$ref" in s:
            s = schemas[s["$ref"].rsplit("/", 1)[1]]
        return s

    def walk(s: dict, v: Any, where: str) -> None:
        s = resolve(s)
        for branch in s.get("anyOf", []):
            if resolve(branch).get("type") == {dict: "object", list: "array"}.get(type(v)):
                walk(branch, v, where)
        if isinstance(v, dict) and "properties" in s:
            extra = set(v) - set(s["properties"])
            assert not extra, f"{where}: sent but not documented: {sorted(extra)}"
            for k, sub in v.items():
                walk(s["properties"][k], sub, f"{where}.{k}")
        if isinstance(v, list) and "items" in s:
            for i, sub in enumerate(v):
                walk(s["items"], sub, f"{where}[{i}]")

    walk({"$ref": f"#/components/schemas/{schema_name}"}, value, schema_name)


def test_allocator_schedule_answer_fits_its_schema():
    """The schedule is built as a plain dict (it can hold 20,000 assignments), not through
    ScheduleResponse: a real day's answer, made by the handler's own function."""
    from allocator.adapters.repository import ASSIGNMENT_COLUMNS
    from allocator.api.models import ScheduleQuery
    from allocator.api.routes import schedule_document
    from allocator.domain import DaySnapshot
    from allocator.service.allocation import compute
    from allocator.settings import AllocatorSettings

    shanghai = timezone(timedelta(hours=8))
    opened = datetime(2026, 11, 27, 9, 0, tzinfo=shanghai)
    bookings = [{"id": f"b{i}", "period": "AM" if i % 3 else "PM", "created_at": (opened + timedelta(seconds=i)).isoformat(),
                 "enterprises": [{"org_code": f"MA{i:06d}X", "businesses": [{"type": "RENEW_UNLOCK", "count": 2}]}]}
                for i in range(7)]
    day = DaySnapshot.from_dict({"center": "qingdao", "date": "2026-12-01", "bookings": bookings,
                                 "periods": [{"code": "AM", "start": "09:00", "end": "11:30"},
                                             {"code": "PM", "start": "13:30", "end": "17:00"}]})
    computed = compute(day, AllocatorSettings().policies(), cutoff_id="c-1", closed_at=opened)
    now = datetime(2026, 11, 30, 7, 0, 1, 123456, tzinfo=timezone.utc)
    header = {"stats": computed.stats, "applied_at": now, "run_id": uuid.uuid4(), "cutoff_id": "c-1",
              "closed_at": opened, "created_at": now, "snapshot_fingerprint": computed.snapshot_fingerprint,
              "policy_fingerprint": computed.policy_fingerprint, "schedule_fingerprint": computed.schedule_fingerprint,
              "booking_count": computed.booking_count, "overflow_count": computed.overflow_count}
    rows = [dict(zip(ASSIGNMENT_COLUMNS, row)) for row in computed.rows]
    query = ScheduleQuery.model_validate({"center": "qingdao", "date": "2026-12-01"})
    answer = orjson.loads(orjson.dumps(schedule_document(query, header, rows), default=str))  # as json_response
    assert any(d["last_end"] is None for p in answer["periods"] for d in p["desks"]), "a desk nobody got: covered"
    _conforms("ScheduleResponse", answer)


def test_identity_jwks_answer_fits_its_schema():
    """GET /.well-known/jwks.json is sent as the domain writes it (every service's token
    check depends on it), not through the Jwks model."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from identity.domain.signing_keys import SigningKey, jwks

    _conforms("Jwks", orjson.loads(orjson.dumps(jwks([
        SigningKey.generate(), SigningKey.from_private_key(ec.generate_private_key(ec.SECP256R1()))]))))
