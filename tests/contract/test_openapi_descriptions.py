"""The OpenAPI document is complete enough to build a client from without asking
(issue 17): every operation has a summary and a description, every schema a description
and an example, every error code a Chinese message (errors.js) and an example answer, every
answer its X-Request-ID (and Retry-After on 429/503), public operations say ``security: []``.
How to declare a route so that this holds: docs/openapi.md."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "deploy" / "gateway" / "static" / "openapi.json"
METHODS = {"get", "put", "post", "delete", "patch"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def document() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def operations(doc: dict[str, Any]):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", op


def answers(doc: dict[str, Any], op: dict[str, Any]):
    for status, answer in op["responses"].items():
        if "$ref" in answer:
            answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        yield int(status), answer


def test_every_operation_has_a_summary_and_a_description():
    doc = document()
    bare = [name for name, op in operations(doc)
            if len(op.get("summary", "")) < 8 or len(op.get("description", "")) < 20]
    assert not bare, bare


def test_every_schema_has_a_description_and_an_example():
    doc = document()
    bare = [name for name, schema in doc["components"]["schemas"].items()
            if not schema.get("description") or not (schema.get("examples") or "example" in schema)]
    assert not bare, bare


def test_every_error_code_has_a_chinese_message_and_an_example():
    doc = document()
    wrong = []
    for name, op in operations(doc):
        for status, answer in answers(doc, op):
            if status < 400:
                continue
            examples = answer["content"]["application/problem+json"]["examples"]
            for entry in answer["x-problem-codes"]:
                if not CHINESE.search(entry.get("message", "")):
                    wrong.append(f"{name} {status} {entry['code']}: no Chinese message")
                value = examples.get(entry["code"], {}).get("value", {})
                if value.get("code") != entry["code"] or value.get("status") != status:
                    wrong.append(f"{name} {status} {entry['code']}: no example")
                if value.get("type") != "about:blank":
                    wrong.append(f"{name} {status} {entry['code']}: type is not about:blank")
            assert sorted(e["code"] for e in answer["x-problem-codes"]) == answer["x-codes"], name
    assert not wrong, "\n".join(wrong)


def test_every_answer_declares_its_headers():
    doc = document()
    wrong = []
    for name, op in operations(doc):
        for status, answer in answers(doc, op):
            need = {"X-Request-ID", *(["Retry-After"] if status in (429, 503) else [])}
            if not need <= set(answer.get("headers", {})):
                wrong.append(f"{name} {status}")
    assert not wrong, wrong


def test_public_operations_say_so_and_every_operation_answers_overload():
    doc = document()
    for name, op in operations(doc):
        assert op["security"] == [] or op["security"] == [{"bearer": []}], name
        codes = [c for s, a in answers(doc, op) if s == 503 for c in a["x-codes"]]
        assert {"service.unavailable", "gateway.upstream_unavailable"} <= set(codes), name
        assert {"429", "502", "504"} <= set(op["responses"]), name


def test_every_tag_is_described():
    doc = document()
    described = {t["name"] for t in doc["tags"] if t.get("description")}
    used = {t for _, op in operations(doc) for t in op["tags"]}
    assert used <= described, used - described


def test_every_example_fits_its_schema():
    """The examples are what a client would really get or send: each one is valid against
    its own schema (references resolved within the document)."""
    doc = document()
    registry = Registry().with_resource("urn:doc", DRAFT202012.create_resource(doc))
    wrong = []
    for name, schema in doc["components"]["schemas"].items():
        ref = {"$ref": f"urn:doc#/components/schemas/{name}"}
        validator = Draft202012Validator(ref, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
        for i, value in enumerate(schema.get("examples", [])):
            wrong += [f"{name} example {i}: {e.message} at {list(e.absolute_path)}" for e in validator.iter_errors(value)]
    for label, op in operations(doc):
        for status, answer in answers(doc, op):
            for code, ex in answer.get("content", {}).get("application/problem+json", {}).get("examples", {}).items():
                validator = Draft202012Validator({"$ref": "urn:doc#/components/schemas/Problem"}, registry=registry)
                wrong += [f"{label} {status} {code}: {e.message}" for e in validator.iter_errors(ex["value"])]
    assert not wrong, "\n".join(wrong)


def test_every_parameter_is_described():
    doc = document()
    bare = [f"{name} {p['in']} {p['name']}" for name, op in operations(doc)
            for p in op.get("parameters", []) if not p.get("description")]
    assert not bare, bare
