"""Routes deny by default (issue 16): every route of every service's app, as built by
``create_app`` with test settings, enforces the access the contract below gives it, and
the access its declaration documents in the OpenAPI document.

The contract is written out here on purpose, not read back from the declarations: a route
that is added, or whose access changes, fails this test until someone decides its access
here too. Rules, in order:
- the public API routes listed in PUBLIC and the service-port routes in INFRASTRUCTURE
  (probes, Prometheus, the per-service document, the test clock) are public;
- the service-to-service routes in INTERNAL (never routed by the gateway) need the
  services' token (role ``service``, shared.http.service_token);
- /api/v1/admin/* needs admin; the desk, the allocation schedule and the SMS log need
  staff or admin;
- every other /api/v1 route needs a signed-in user (any role)."""
from __future__ import annotations

import importlib

import pytest
from aiohttp import web

from shared.http.access import Access, refuse_undeclared_routes, route_access, undeclared_routes
from shared.http.openapi import ApiRouter

SERVICES = {"identity": "IdentitySettings", "booking": "BookingSettings",
            "allocator": "AllocatorSettings", "notifier": "NotifierSettings"}

PUBLIC = {
    ("POST", "/api/v1/sms-codes"), ("POST", "/api/v1/users"), ("POST", "/api/v1/sessions"),
    ("POST", "/api/v1/sessions/refresh"), ("GET", "/api/v1/card-challenges"), ("POST", "/api/v1/sessions/card"),
    ("POST", "/api/v1/password-resets"), ("GET", "/.well-known/jwks.json"),
    ("GET", "/api/v1/business-types"), ("GET", "/api/v1/calendar"), ("GET", "/api/v1/centers"),
    ("GET", "/api/v1/centers/{center}"), ("GET", "/api/v1/enterprises"),
    # The hall display's stream: no user signs in on a hall screen; its display token (in the
    # query, EventSource sends no header) is checked by the handler (issue 18).
    ("GET", "/api/v1/display/stream"), ("GET", "/api/v1/display/board"),
}
INFRASTRUCTURE = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/openapi.json"),
                  ("GET", "/_test/clock"), ("PUT", "/_test/clock")}
INTERNAL = {("GET", "/internal/cutoff-snapshots/{cutoff_id}")}   # booking, for the allocator (issue 19)
STAFF_OR_ADMIN_PREFIXES = ("/api/v1/desk/", "/api/v1/allocations/", "/api/v1/notifications",
                           "/api/v1/display-tokens")


def expected(method: str, path: str) -> Access:
    if (method, path) in PUBLIC | INFRASTRUCTURE:
        return Access(public=True)
    if (method, path) in INTERNAL:
        return Access(public=False, roles=("service",))
    assert path.startswith("/api/v1/"), f"{method} {path}: a route outside /api/v1 the contract does not know"
    if path.startswith("/api/v1/admin/"):
        return Access(public=False, roles=("admin",))
    if path.startswith(STAFF_OR_ADMIN_PREFIXES):
        return Access(public=False, roles=("staff", "admin"))
    return Access(public=False, roles=())


def build(service: str) -> web.Application:
    settings_cls = getattr(importlib.import_module(f"{service}.settings"), SERVICES[service])
    return importlib.import_module(f"{service}.app").create_app(settings_cls(app_env="test"))


def same(a: Access, b: Access) -> bool:
    return a.public == b.public and set(a.roles) == set(b.roles)


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_route_enforces_the_access_the_contract_gives_it(service):
    table = route_access(build(service))
    api_routes = [k for k in table if k[1].startswith("/api/")]
    assert api_routes, f"{service} serves no API route: the walk found nothing"
    wrong = {}
    for (method, path), access in table.items():
        if method == "HEAD":          # aiohttp's automatic HEAD of a GET: the same handler
            continue
        want = expected(method, path)
        if access is None or not same(access, want):
            wrong[f"{method} {path}"] = (access.describe() if access else "UNDECLARED", want.describe())
    assert not wrong, f"{service}: routes whose enforced access differs from the contract: {wrong}"


@pytest.mark.parametrize("service", list(SERVICES))
def test_the_openapi_document_states_the_access_the_router_enforces(service):
    spec = importlib.import_module(f"{service}.api.openapi").openapi_spec()
    table = route_access(build(service))
    documented = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            access = table[(method.upper(), path)]
            assert access is not None
            if access.public:
                assert op.get("security") == [], (method, path)
            else:
                assert op["security"] == [{"bearer": []}], (method, path)
                assert set(op.get("x-roles", [])) == set(access.roles), (method, path)
                assert "auth.unauthorized" in op["responses"]["401"]["x-codes"]
            documented += 1
    served = sum(1 for m, p in table if m != "HEAD" and p.startswith(("/api/", "/.well-known/")))
    assert documented == served, "a served API route missing from the document, or the reverse"


def test_an_api_route_without_a_declared_access_stops_the_app_from_being_built():
    router = ApiRouter("t")

    @router.get("/api/v1/forgotten", summary="declares no access")
    async def forgotten(_request):
        return web.Response()

    with pytest.raises(RuntimeError, match="GET /api/v1/forgotten .*declares no access"):
        router.routes()


def test_public_and_roles_together_are_refused_at_declaration():
    with pytest.raises(ValueError):
        ApiRouter("t").get("/x", summary="both", public=True, roles=("admin",))


async def test_a_bare_aiohttp_route_stops_the_start_before_the_database_opens(aiohttp_client):
    app = build("notifier")

    async def sneaky(_request):
        return web.Response(text="nobody checked me")

    app.router.add_get("/api/v1/sneaky", sneaky)
    assert undeclared_routes(app) == ["GET /api/v1/sneaky", "HEAD /api/v1/sneaky"]
    # First in on_startup, so the start fails before any pool or broker connection.
    assert app.on_startup[0] is refuse_undeclared_routes
    with pytest.raises(RuntimeError, match="GET /api/v1/sneaky"):
        await aiohttp_client(app)
