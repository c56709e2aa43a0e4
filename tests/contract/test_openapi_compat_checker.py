"""The breaking-change checker (tests/contract/openapi_compat.py) on small synthetic
documents: each kind of break of docs/api-changes.md is found, and the changes that break
no client (descriptions, examples, new optional input, new output fields, new operations)
pass. The real documents are compared in test_api_compatibility.py."""
from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from typing import Any, Callable

import pytest


def _load():
    spec = importlib.util.spec_from_file_location("contract_openapi_compat", Path(__file__).with_name("openapi_compat.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


compat = _load()
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def base() -> dict[str, Any]:
    """A small document in the shape scripts/openapi.py writes: refs, nullable anyOf, enums."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {
            "/api/v1/bookings": {
                "post": {
                    "operationId": "post_booking",
                    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                    "schema": {"type": "string"}}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/BookingBody"}}}},
                    "responses": {
                        "201": {"description": "OK", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/BookingView"}}}},
                        "422": {"description": "codes", "content": PROBLEM},
                        "429": {"$ref": "#/components/responses/Gateway429"},
                    },
                    "security": [{"bearer": []}],
                },
                "get": {
                    "operationId": "get_bookings",
                    "parameters": [
                        {"name": "limit", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                        {"name": "from", "in": "query", "required": False,
                         "schema": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}},
                    ],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["items"],
                        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/BookingView"}}}}}}}},
                    "security": [{"bearer": []}],
                },
            },
            "/api/v1/bookings/{id}": {
                "get": {
                    "operationId": "get_booking",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/BookingView"}}}}},
                    "security": [{"bearer": []}],
                },
            },
            "/api/v1/centers": {
                "get": {"operationId": "get_centers",
                        "responses": {"200": {"description": "OK", "content": {"application/json": {
                            "schema": {"type": "array", "items": {"type": "string"}}}}}}},
            },
        },
        "components": {
            "schemas": {
                "BookingBody": {
                    "type": "object", "required": ["date", "period"],
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "period": {"type": "string", "maxLength": 10},
                        "contact_phone": {"type": "string"},
                        "count": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
                        "enterprises": {"type": "array", "items": {"$ref": "#/components/schemas/EnterpriseLine"}},
                    },
                },
                "EnterpriseLine": {"type": "object", "required": ["org_code"],
                                   "properties": {"org_code": {"type": "string"}}},
                "BookingView": {
                    "type": "object", "required": ["id", "status", "cutoff_at", "children"],
                    "properties": {
                        "id": {"type": "string"},
                        "status": {"type": "string", "enum": ["confirmed", "cancelled"]},
                        "cutoff_at": {"type": "string", "format": "date-time"},
                        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        # recursive on purpose: the checker must not loop
                        "children": {"type": "array", "items": {"$ref": "#/components/schemas/BookingView"}},
                    },
                },
                "Problem": {"type": "object", "properties": {"code": {"type": "string"}}},
            },
            "responses": {
                "Gateway429": {"description": "rate limited", "content": PROBLEM,
                               "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
            },
        },
    }


def changed(edit: Callable[[dict[str, Any]], None]) -> list:
    old = base()
    new = copy.deepcopy(old)
    edit(new)
    return compat.compare(old, new)


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


def booking_body(doc):
    return schemas(doc)["BookingBody"]["properties"]


def booking_view(doc):
    return schemas(doc)["BookingView"]["properties"]


def post(doc):
    return doc["paths"]["/api/v1/bookings"]["post"]


def get_list(doc):
    return doc["paths"]["/api/v1/bookings"]["get"]


def test_identical_documents_have_no_change():
    assert compat.compare(base(), base()) == []


BREAKS: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    # name: (edit, expected where (fnmatch), expected what)
    "operation removed": (lambda d: d["paths"]["/api/v1/bookings"].pop("get"), "GET /api/v1/bookings", "operation-removed"),
    "path removed": (lambda d: d["paths"].pop("/api/v1/centers"), "GET /api/v1/centers", "operation-removed"),
    "response field removed": (lambda d: booking_view(d).pop("note"), "GET /api/v1/bookings/{id} response 200 .note",
                               "field-removed"),
    "field removed in a list's items": (lambda d: booking_view(d).pop("note"),
                                        "GET /api/v1/bookings response 200 .items[] .note", "field-removed"),
    "request field removed": (lambda d: booking_body(d).pop("contact_phone"),
                              "POST /api/v1/bookings request body .contact_phone", "field-removed"),
    "response status removed": (lambda d: post(d)["responses"].pop("422"), "POST /api/v1/bookings response 422",
                                "response-removed"),
    "response header removed": (lambda d: d["components"]["responses"]["Gateway429"].pop("headers"),
                                "POST /api/v1/bookings response 429 header retry-after", "response-header-removed"),
    "input type narrowed": (lambda d: booking_body(d).update(count={"type": "integer"}),
                            "POST /api/v1/bookings request body .count", "type-narrowed"),
    "input type changed": (lambda d: booking_body(d).update(period={"type": "integer"}),
                           "POST /api/v1/bookings request body .period", "type-narrowed"),
    "query number narrowed to integer": (
        lambda d: d["paths"]["/api/v1/bookings"]["get"]["parameters"][0]["schema"].update(type="string"),
        "GET /api/v1/bookings query parameter limit", "type-narrowed"),
    "pattern added on input": (lambda d: booking_body(d)["contact_phone"].update(pattern=r"^1\d{10}$"),
                               "POST /api/v1/bookings request body .contact_phone", "pattern-added"),
    "pattern added in nested items": (lambda d: schemas(d)["EnterpriseLine"]["properties"]["org_code"].update(pattern="^[0-9A-Z]{9}$"),
                                      "POST /api/v1/bookings request body .enterprises[] .org_code", "pattern-added"),
    "pattern on a nullable input": (lambda d: booking_body(d)["count"]["anyOf"][0].update(maximum=10),
                                    "POST /api/v1/bookings request body .count", "maximum-added"),
    "maxLength added": (lambda d: booking_body(d)["contact_phone"].update(maxLength=11),
                        "POST /api/v1/bookings request body .contact_phone", "maxLength-added"),
    "maxLength tightened": (lambda d: booking_body(d)["period"].update(maxLength=5),
                            "POST /api/v1/bookings request body .period", "maxLength-tightened"),
    "minimum raised on a query": (lambda d: get_list(d)["parameters"][0]["schema"].update(minimum=5),
                                  "GET /api/v1/bookings query parameter limit", "minimum-tightened"),
    "enum added on input": (lambda d: booking_body(d)["period"].update(enum=["am", "pm"]),
                            "POST /api/v1/bookings request body .period", "enum-restricted"),
    "format added on input": (lambda d: booking_body(d)["contact_phone"].update(format="email"),
                              "POST /api/v1/bookings request body .contact_phone", "format-added"),
    "new required input field": (lambda d: (booking_body(d).update(center={"type": "string"}),
                                            schemas(d)["BookingBody"]["required"].append("center")),
                                 "POST /api/v1/bookings request body .center", "required-field-added"),
    "optional input made required": (lambda d: schemas(d)["BookingBody"]["required"].append("contact_phone"),
                                      "POST /api/v1/bookings request body .contact_phone", "field-made-required"),
    "new required query parameter": (lambda d: get_list(d)["parameters"].append(
        {"name": "center", "in": "query", "required": True, "schema": {"type": "string"}}),
        "GET /api/v1/bookings query parameter center", "required-parameter-added"),
    "parameter made required": (lambda d: post(d)["parameters"][0].update(required=True),
                                "POST /api/v1/bookings header parameter idempotency-key", "parameter-made-required"),
    "query parameter removed": (lambda d: get_list(d)["parameters"].pop(1), "GET /api/v1/bookings query parameter from",
                                "parameter-removed"),
    "new required body": (lambda d: d["paths"]["/api/v1/centers"]["get"].update(requestBody={
        "required": True, "content": {"application/json": {"schema": {"type": "object"}}}}),
        "GET /api/v1/centers request body", "required-body-added"),
    "response field made optional": (lambda d: schemas(d)["BookingView"]["required"].remove("cutoff_at"),
                                     "GET /api/v1/bookings/{id} response 200 .cutoff_at", "field-made-optional"),
    "response field made nullable": (lambda d: booking_view(d).update(
        cutoff_at={"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}),
        "GET /api/v1/bookings/{id} response 200 .cutoff_at", "made-nullable"),
    "response field nullable by type list": (lambda d: booking_view(d)["id"].update(type=["string", "null"]),
                                             "GET /api/v1/bookings/{id} response 200 .id", "made-nullable"),
    "response type widened": (lambda d: booking_view(d).update(id={"anyOf": [{"type": "string"}, {"type": "integer"}]}),
                              "GET /api/v1/bookings/{id} response 200 .id", "type-widened"),
    "new enum value in a response": (lambda d: booking_view(d)["status"]["enum"].append("no_show"),
                                     "GET /api/v1/bookings/{id} response 200 .status", "enum-values-added"),
    "response enum dropped": (lambda d: booking_view(d)["status"].pop("enum"),
                              "GET /api/v1/bookings/{id} response 200 .status", "enum-values-added"),
    "public operation needs a token": (lambda d: d["paths"]["/api/v1/centers"]["get"].update(security=[{"bearer": []}]),
                                       "GET /api/v1/centers", "auth-required"),
    "response content type removed": (lambda d: post(d)["responses"]["422"].update(
        content={"application/json": {"schema": {"type": "object"}}}),
        "POST /api/v1/bookings response 422 application/problem+json", "response-media-type-removed"),
    "field removed from an allOf part": (
        lambda d: (schemas(d).update(Base={"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
                   schemas(d)["BookingView"].update(allOf=[{"$ref": "#/components/schemas/Base"}]),
                   booking_view(d).pop("id"), schemas(d)["Base"]["properties"].pop("id")),
        "GET /api/v1/bookings/{id} response 200 .id", "field-removed"),
    "array items narrowed in a top-level answer": (
        lambda d: d["paths"]["/api/v1/centers"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["items"].update(
            type=["string", "integer"]),
        "GET /api/v1/centers response 200[]", "type-widened"),
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_each_kind_of_break_is_found(name):
    edit, where, what = BREAKS[name]
    found = compat.breaking(changed(edit))
    assert any(c.what == what and c.where == where for c in found), \
        f"{name}: expected {what} at {where}; found:\n" + "\n".join(c.line() for c in found)


def _descriptions(d):
    post(d)["description"] = "预约一个工作日的上午或下午。"
    post(d)["summary"] = "Book a visit"
    booking_view(d)["id"]["description"] = "预约编号"
    booking_view(d)["id"]["examples"] = ["b-20260105-0001"]
    schemas(d)["BookingBody"]["examples"] = [{"date": "2026-01-05", "period": "am"}]
    schemas(d)["BookingBody"]["title"] = "A booking request"
    post(d)["responses"]["201"]["description"] = "The booking"
    d["info"]["description"] = "longer"


def _new_optional_input(d):
    booking_body(d)["note"] = {"type": "string", "maxLength": 200}
    get_list(d)["parameters"].append({"name": "center", "in": "query", "required": False, "schema": {"type": "string"}})


NOT_BREAKING: dict[str, Callable[[dict[str, Any]], None]] = {
    "descriptions, summaries, titles and examples": _descriptions,
    "new optional input field and parameter": _new_optional_input,
    "new response field": lambda d: booking_view(d).update(desk={"type": "integer"}),
    "new operation": lambda d: d["paths"].update({"/api/v1/desks": {"get": {
        "responses": {"200": {"description": "OK"}}, "security": [{"bearer": []}]}}}),
    "new response status and header": lambda d: (post(d)["responses"].update({"409": {"description": "c", "content": PROBLEM}}),
                                                 post(d)["responses"]["201"].update(headers={"X-Request-ID": {"schema": {"type": "string"}}})),
    "input loosened": lambda d: (booking_body(d)["period"].pop("maxLength"), schemas(d)["BookingBody"]["required"].remove("period"),
                                 booking_body(d).update(count={"anyOf": [{"type": "number"}, {"type": "null"}]})),
    "input type widened to nullable": lambda d: booking_body(d).update(contact_phone={"anyOf": [{"type": "string"}, {"type": "null"}]}),
    "output tightened": lambda d: (booking_view(d)["status"]["enum"].remove("cancelled"), schemas(d)["BookingView"]["required"].append("note"),
                                   booking_view(d).update(note={"type": "string"})),
    "response schema moved to a component": lambda d: (
        schemas(d).update(CenterList={"type": "array", "items": {"type": "string"}}),
        d["paths"]["/api/v1/centers"]["get"]["responses"]["200"]["content"]["application/json"].update(
            schema={"$ref": "#/components/schemas/CenterList"})),
    "path parameter renamed": lambda d: d["paths"].update({"/api/v1/bookings/{booking_id}": {"get": {
        **d["paths"].pop("/api/v1/bookings/{id}")["get"],
        "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "string"}}]}}}),
    "public operation declared public": lambda d: d["paths"]["/api/v1/centers"]["get"].update(security=[]),
    "extensions": lambda d: post(d).update({"x-roles": ["agent"]}),
    "response fields moved into an allOf part": lambda d: (
        schemas(d).update(Base={"type": "object", "required": ["id"], "properties": {"id": booking_view(d).pop("id")}}),
        schemas(d)["BookingView"].update(allOf=[{"$ref": "#/components/schemas/Base"}])),
}


@pytest.mark.parametrize("name", list(NOT_BREAKING))
def test_changes_that_break_no_client_pass(name):
    found = compat.breaking(changed(NOT_BREAKING[name]))
    assert found == [], f"{name}: reported as breaking:\n" + "\n".join(c.line() for c in found)


def test_additions_are_listed_but_not_breaking():
    changes = changed(lambda d: (NOT_BREAKING["new operation"](d), NOT_BREAKING["new response field"](d)))
    assert {(c.where, c.what) for c in changes} >= {
        ("GET /api/v1/desks", "operation-added"),
        ("GET /api/v1/bookings/{id} response 200 .desk", "field-added")}
    assert not any(c.breaking for c in changes)


def test_accepted_records_cover_by_kind_and_place_with_wildcards():
    found = compat.breaking(changed(lambda d: booking_view(d).pop("note")))
    assert len(found) >= 3  # one schema, seen by three operations
    wildcard = compat.Accepted("* .note", "field-removed", "no client reads it")
    assert compat.unaccepted(found, [wildcard]) == []
    assert compat.unaccepted(found, [compat.Accepted("* .note", "made-nullable", "x")]) == found
    assert compat.unused(found, [wildcard, compat.Accepted("* .id", "field-removed", "x")]) == \
        [compat.Accepted("* .id", "field-removed", "x")]


def test_accepted_block_is_read_and_each_record_needs_a_reason(tmp_path):
    policy = tmp_path / "api-changes.md"
    policy.write_text("# x\n\n```yaml\naccepted-breaking-changes:\n  - path: \"* .phone\"\n    what: pattern-added\n"
                      "    reason: the domain already answered 422\n```\n", encoding="utf-8")
    assert compat.accepted_changes(policy) == [compat.Accepted("* .phone", "pattern-added", "the domain already answered 422")]
    policy.write_text("```yaml\naccepted-breaking-changes:\n  - path: x\n    what: field-removed\n```\n", encoding="utf-8")
    with pytest.raises(ValueError, match="reason"):
        compat.accepted_changes(policy)


def test_a_new_operation_needs_a_new_minor_version():
    old = base()
    new = copy.deepcopy(old)
    NOT_BREAKING["new operation"](new)
    changes = compat.compare(old, new)
    assert compat.version_problems(old, new, changes) and "1.1.0" in compat.version_problems(old, new, changes)[0]
    new["info"]["version"] = "1.1.0"
    assert compat.version_problems(old, new, changes) == []
    new["info"]["version"] = "0.9.0"
    assert compat.version_problems(old, new, changes)
