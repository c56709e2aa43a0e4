"""An ApiRouter route enforces what it declares (shared.http.enforce): its access first, then
its path, its checks, its query and body (422 before the handler runs), and its answer
shaped by its response model (data that does not fit is a 500, not the client's fault)."""
from __future__ import annotations

from datetime import date

import pytest
from aiohttp import web
from pydantic import BaseModel, Field

from shared.errors import TooManyRequests, ValidationFailed
from shared.http.enforce import Reply, shaped
from shared.http.middlewares import problem_errors, request_context
from shared.http.openapi import ApiRouter
from shared.http.requests import raw_body


class ThingIn(BaseModel):
    name: str = Field(min_length=1)
    count: int = 1


class ThingOut(BaseModel):
    id: str
    name: str


class ThingQuery(BaseModel):
    limit: int = Field(10, ge=1, le=50)


def day_of(request: web.Request) -> date:
    try:
        return date.fromisoformat(request.match_info["day"])
    except ValueError:
        raise ValidationFailed([{"field": "day", "message": "must be a date YYYY-MM-DD"}]) from None


class Calls:
    def __init__(self) -> None:
        self.handled: list[str] = []
        self.throttled = False
        self.refused_inputs = 0       # what the route's input_refused saw
        self.over_budget = False      # input_refused raises its own refusal


def make_app(calls: Calls) -> web.Application:
    api = ApiRouter("things")

    async def throttle(_request: web.Request) -> None:
        if calls.throttled:
            raise TooManyRequests(retry_after=5)

    @api.post("/things", summary="Add", body=ThingIn, response=ThingOut, status=201, public=True,
              checks=[throttle])
    async def add(request: web.Request, body: ThingIn) -> dict:
        calls.handled.append("add")
        # the raw JSON object is there for what needs the exact request (a fingerprint)
        return {"id": "t1", "name": body.name, "secret": "dropped", "raw": raw_body(request)}

    async def counted(_request: web.Request) -> None:
        calls.refused_inputs += 1
        if calls.over_budget:
            raise TooManyRequests(retry_after=7)

    @api.post("/counted", summary="Counted", body=ThingIn, query=ThingQuery, response=ThingOut, public=True,
              input_refused=counted)
    async def add_counted(_request: web.Request, body: ThingIn, query: ThingQuery) -> dict:
        calls.handled.append("counted")
        return {"id": "c", "name": body.name}

    @api.get("/things", summary="Find", query=ThingQuery, response=list[ThingOut], public=True)
    async def find(_request: web.Request, query: ThingQuery) -> list:
        calls.handled.append("find")
        return [{"id": str(i), "name": f"n{i}"} for i in range(query.limit)]

    @api.get("/things/{day}", summary="Of a day", path_parser=day_of, response=ThingOut, public=True)
    async def of_day(_request: web.Request, path: date) -> Reply:
        calls.handled.append("of_day")
        return Reply({"id": path.isoformat(), "name": "x"}, headers={"Cache-Control": "no-store"})

    @api.put("/mine", summary="Mine", body=ThingIn, response=ThingOut, roles=("agent",))
    async def mine(_request: web.Request, body: ThingIn) -> dict:
        calls.handled.append("mine")
        return {"id": "m", "name": body.name}

    @api.get("/broken", summary="Broken", response=ThingOut, public=True)
    async def broken(_request: web.Request) -> dict:
        return {"id": "b"}                      # no name: does not fit ThingOut

    @api.delete("/things/{day}", summary="Remove", path_parser=day_of, status=204, public=True)
    async def remove(_request: web.Request, path: date) -> None:
        calls.handled.append("remove")

    @api.get("/ready", summary="Ready", response=ThingOut, public=True)
    async def ready(_request: web.Request) -> web.Response:
        return web.Response(status=202, text="as it is")

    app = web.Application(middlewares=[request_context, problem_errors])
    app.add_routes(api.routes())
    return app


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
async def client(aiohttp_client, calls):
    return await aiohttp_client(make_app(calls))


async def test_a_bad_body_is_refused_before_the_handler_runs(client, calls):
    for data in (b'{"name": ""}', b"[1, 2]", b"not json", b""):
        r = await client.post("/things", data=data, headers={"Content-Type": "application/json"})
        assert r.status == 422, data
        problem = await r.json()
        assert problem["code"] == "validation_error" and problem["errors"][0]["field"] in ("name", "body")
    r = await client.post("/things", json=[{"name": "a"}])
    assert (await r.json())["errors"] == [{"field": "body", "message": "a JSON object is required"}]
    assert calls.handled == []


async def test_a_valid_body_reaches_the_handler_typed_and_the_answer_is_shaped(client, calls):
    r = await client.post("/things", json={"name": "a", "count": 2})
    assert r.status == 201                       # the declared status
    assert await r.json() == {"id": "t1", "name": "a"}   # fields the model lacks are dropped
    assert calls.handled == ["add"]


async def test_checks_come_after_the_access_and_before_the_body(client, calls):
    calls.throttled = True
    r = await client.post("/things", data=b"not json", headers={"Content-Type": "application/json"})
    assert r.status == 429 and r.headers["Retry-After"] == "5"
    assert calls.handled == []


async def test_input_refused_runs_when_the_inputs_refuse_and_may_refuse_instead(client, calls):
    r = await client.post("/counted", json={"name": ""})
    assert r.status == 422 and calls.refused_inputs == 1
    r = await client.post("/counted", params={"limit": "0"}, json={"name": "a"})
    assert r.status == 422 and calls.refused_inputs == 2
    r = await client.post("/counted", json={"name": "a"})    # valid: not called
    assert r.status == 200 and calls.refused_inputs == 2 and calls.handled == ["counted"]
    calls.over_budget = True
    r = await client.post("/counted", data=b"not json", headers={"Content-Type": "application/json"})
    assert r.status == 429 and r.headers["Retry-After"] == "7" and calls.refused_inputs == 3


async def test_the_access_comes_before_the_body(client, calls):
    r = await client.put("/mine", data=b"not json", headers={"Content-Type": "application/json"})
    assert r.status == 401 and (await r.json())["code"] == "auth.unauthorized"
    assert calls.handled == []


async def test_the_query_and_path_are_validated_and_given_typed(client, calls):
    r = await client.get("/things", params={"limit": "0"})
    assert r.status == 422 and (await r.json())["errors"][0]["field"] == "limit"
    r = await client.get("/things/2027-02-30")
    assert r.status == 422 and (await r.json())["errors"] == [{"field": "day", "message": "must be a date YYYY-MM-DD"}]
    assert calls.handled == []
    r = await client.get("/things", params={"limit": "2"})
    assert await r.json() == [{"id": "0", "name": "n0"}, {"id": "1", "name": "n1"}]
    r = await client.get("/things/2027-03-15")
    assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
    assert await r.json() == {"id": "2027-03-15", "name": "x"}


async def test_an_answer_that_does_not_fit_its_model_is_a_server_error(client):
    r = await client.get("/broken")
    assert r.status == 500 and (await r.json())["code"] == "internal_error"


async def test_no_response_model_answers_the_declared_status_without_a_body(client, calls):
    r = await client.delete("/things/2027-03-15")
    assert r.status == 204 and await r.read() == b""
    assert calls.handled == ["remove"]


async def test_a_ready_response_goes_out_as_it_is(client):
    r = await client.get("/ready")
    assert r.status == 202 and await r.text() == "as it is"


def test_a_handler_that_cannot_take_its_declared_body_stops_the_import():
    api = ApiRouter("things")
    with pytest.raises(TypeError, match="does not take body"):
        @api.post("/x", summary="x", body=ThingIn, public=True)
        async def forgets_its_body(_request):
            return None


def test_shaped_gives_what_the_model_describes():
    assert shaped(ThingOut, {"id": "1", "name": "a", "extra": 1}) == {"id": "1", "name": "a"}


async def test_a_refusal_is_answered_with_its_kind_s_status_or_the_router_s_own(aiohttp_client):
    from shared.errors import Conflict
    from shared.http.openapi import build_spec

    class Gone(Conflict):
        code = "thing.gone"
        title = "Gone"

    class Elsewhere(Conflict):
        code = "thing.elsewhere"
        title = "Elsewhere"

    api = ApiRouter("things", statuses={Elsewhere: 404})

    @api.get("/gone", summary="Gone", public=True, errors=[Gone])
    async def gone(_request: web.Request) -> None:
        raise Gone()

    @api.get("/elsewhere", summary="Elsewhere", public=True, errors=[Elsewhere])
    async def elsewhere(_request: web.Request) -> None:
        raise Elsewhere()

    app = web.Application(middlewares=[request_context, problem_errors])
    app.add_routes(api.routes())
    client = await aiohttp_client(app)
    assert (await client.get("/gone")).status == 409
    r = await client.get("/elsewhere")
    assert r.status == 404 and (await r.json())["code"] == "thing.elsewhere"
    paths = build_spec(api.operations, title="t")["paths"]
    assert "404" in paths["/elsewhere"]["get"]["responses"] and "409" in paths["/gone"]["get"]["responses"]
