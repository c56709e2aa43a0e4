"""One declaration gives the aiohttp route and its OpenAPI 3.1 operation."""
from __future__ import annotations

import pytest
from pydantic import BaseModel

from shared.http.openapi import ApiRouter, build_spec, merge_specs
from shared.http.statuses import status_of


class ThingIn(BaseModel):
    name: str
    count: int = 1


class ThingOut(BaseModel):
    id: str
    name: str


class ListQuery(BaseModel):
    q: str | None = None


def router() -> ApiRouter:
    api = ApiRouter("things")

    @api.post("/api/v1/things", summary="Add a thing", body=ThingIn, response=ThingOut, status=201,
              roles=("agent",), errors=[(409, "thing.exists")], headers=["Idempotency-Key"])
    async def add_thing(request, body):
        raise NotImplementedError

    @api.get("/api/v1/things/{id}", summary="One thing", response=ThingOut, roles=())
    async def get_thing(request):
        raise NotImplementedError

    @api.get("/api/v1/things", public=True, summary="Find things", query=ListQuery, response=list[ThingOut])
    async def find_things(request, query):
        raise NotImplementedError

    return api


def test_routes_and_operations_come_from_one_declaration():
    api = router()
    routes = api.routes()
    assert [(r.method, r.path) for r in routes] == [
        ("POST", "/api/v1/things"), ("GET", "/api/v1/things/{id}"), ("GET", "/api/v1/things")]
    spec = build_spec(api.operations, title="t")
    assert spec["openapi"] == "3.1.0"
    add = spec["paths"]["/api/v1/things"]["post"]
    assert add["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ThingIn"}
    assert add["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ThingOut"}
    assert add["responses"]["409"]["x-codes"] == ["thing.exists"]
    assert add["responses"]["422"]["x-codes"] == ["validation_error"]
    assert add["responses"]["403"]["x-codes"] == ["auth.forbidden"]
    assert add["x-roles"] == ["agent"]
    key = next(p for p in add["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and not key["required"] and key["description"]
    one = spec["paths"]["/api/v1/things/{id}"]["get"]
    assert one["parameters"][0]["name"] == "id" and "403" not in one["responses"] and "401" in one["responses"]
    find = spec["paths"]["/api/v1/things"]["get"]
    assert find["parameters"][0]["name"] == "q" and find["security"] == []
    assert find["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert set(spec["components"]["schemas"]) >= {"ThingIn", "ThingOut", "Problem"}


def test_merge_refuses_two_different_schemas_with_one_name():
    a = build_spec(router().operations, title="a")
    b = build_spec(router().operations, title="b")
    merged = merge_specs([a, b], title="all")
    assert set(merged["paths"]) == set(a["paths"])
    b["components"]["schemas"]["ThingOut"] = {"type": "object", "properties": {}}
    with pytest.raises(ValueError):
        merge_specs([a, b], title="all")


def test_errors_descriptions_and_path_params_are_declared_once():
    from shared.errors import Conflict

    class ThingExists(Conflict):
        code = "thing.exists"
        title = "A thing with this name exists"

    api = ApiRouter("things")

    @api.put("/api/v1/things/{id}", summary="Rename a thing", description="The new name, kept unique.",
             body=ThingIn, response=ThingOut, public=True,
             errors=[ThingExists, (404, "not_found"), (429, "rate_limited", "Slow down")],
             path_params={"id": {"description": "the thing's id", "schema": {"type": "string", "format": "uuid"}}})
    async def rename_thing(request, body):
        raise NotImplementedError

    op = build_spec(api.operations, title="t")["paths"]["/api/v1/things/{id}"]["put"]
    assert op["description"] == "The new name, kept unique." and op["security"] == []
    assert op["parameters"][0] == {"name": "id", "in": "path", "required": True, "description": "the thing's id",
                                   "schema": {"type": "string", "format": "uuid"}}
    conflict = op["responses"]["409"]
    assert conflict["x-problem-codes"] == [{"code": "thing.exists", "detail": "A thing with this name exists"}]
    example = conflict["content"]["application/problem+json"]["examples"]["thing.exists"]["value"]
    assert example["title"] == "Conflict" and example["type"] == "about:blank"
    assert set(op["responses"]["429"]["headers"]) == {"X-Request-ID", "Retry-After"}
    assert op["responses"]["503"]["x-codes"] == ["service.unavailable"]
    assert all("X-Request-ID" in r["headers"] for r in op["responses"].values())


async def test_a_problem_s_title_is_the_status_phrase_and_a_custom_title_becomes_the_detail():
    import json

    from shared.errors import Conflict
    from shared.http.problems import problem

    class Taken(Conflict):
        code = "thing.taken"
        title = "This name is taken"

    err = Taken()
    body = json.loads(problem(status_of(err), err.code, err.detail).body)
    assert body == {"type": "about:blank", "title": "Conflict", "status": 409, "code": "thing.taken",
                    "detail": "This name is taken"}
