"""The OpenAPI document (deploy/gateway/static/openapi.json) as the mock uses it: its
operations, a check of request bodies against their schemas that refuses as the services
do (422 validation_error with pydantic-like ``errors``), and, for an operation the fake has
no handler for, an answer made from the document (examples.py).
"""
from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Iterator

DOCUMENT = Path(__file__).resolve().parents[2] / "deploy" / "gateway" / "static" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "patch")


@cache
def load() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def operations(doc: dict[str, Any] | None = None) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path template, operation) of every operation of the document."""
    doc = doc or load()
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def deref(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def body_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    body = deref(doc, op.get("requestBody"))
    if not body:
        return None
    return deref(doc, body.get("content", {}).get("application/json", {}).get("schema"))


# ---- request checks: a JSON Schema subset, worded as pydantic words its errors ------------
_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list,
          "object": dict, "null": type(None)}
_NAMES = {"string": "a valid string", "integer": "a valid integer", "number": "a valid number",
          "boolean": "a valid boolean", "array": "a valid list", "object": "a valid dictionary", "null": "None"}


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES.get(kind, object))


def check(doc: dict[str, Any], schema: Any, value: Any, where: str = "", *,
          patterns: bool = False) -> list[dict[str, str]]:
    """Field errors of ``value`` against ``schema`` ([] when it fits). ``pattern`` is not
    checked: the document declares the shapes (phone, org code, SMS code) that the domain
    checks itself, answering its own codes (enterprise.code_invalid, ...), which the fake's
    handlers answer too."""
    schema = deref(doc, schema)
    if not isinstance(schema, dict):
        return []
    field = where or "body"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            tries = [check(doc, s, value, where, patterns=patterns) for s in schema[key]]
            return [] if any(not t for t in tries) else min(tries, key=len)
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is(value, k) for k in kinds):
            return [{"field": field, "message": f"Input should be {_NAMES.get(kinds[0], kinds[0])}"}]
    if "const" in schema and value != schema["const"]:
        return [{"field": field, "message": f"Input should be {schema['const']!r}"}]
    if "enum" in schema and value not in schema["enum"]:
        return [{"field": field, "message": "Input should be " + " or ".join(repr(e) for e in schema["enum"])}]
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            return [{"field": field, "message": f"String should have at least {schema['minLength']} characters"}]
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return [{"field": field, "message": f"String should have at most {schema['maxLength']} characters"}]
        if patterns and "pattern" in schema and not re.search(schema["pattern"], value):
            return [{"field": field, "message": f"String should match pattern '{schema['pattern']}'"}]
        if schema.get("format") == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                return [{"field": field, "message": "Input should be a valid date"}]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return [{"field": field, "message": f"Input should be greater than or equal to {schema['minimum']}"}]
        if "maximum" in schema and value > schema["maximum"]:
            return [{"field": field, "message": f"Input should be less than or equal to {schema['maximum']}"}]
    errors: list[dict[str, str]] = []
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            return [{"field": field, "message": f"List should have at least {schema['minItems']} items"}]
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return [{"field": field, "message": f"List should have at most {schema['maxItems']} items"}]
        for i, item in enumerate(value):
            errors += check(doc, schema.get("items"), item, f"{where}.{i}" if where else str(i), patterns=patterns)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append({"field": f"{where}.{name}" if where else name, "message": "Field required"})
        for name, sub in props.items():
            if name in value:
                errors += check(doc, sub, value[name], f"{where}.{name}" if where else name, patterns=patterns)
        if schema.get("additionalProperties") is False:
            for name in value.keys() - props.keys():
                errors.append({"field": f"{where}.{name}" if where else name, "message": "Extra inputs are not permitted"})
    return errors


def check_query(doc: dict[str, Any], op: dict[str, Any], query: Any) -> list[dict[str, str]]:
    """Field errors of a request's query against the operation's query parameters (numbers
    parsed as the services' models parse them; patterns checked: they are the models' own)."""
    errors: list[dict[str, str]] = []
    for param in op.get("parameters", []):
        if param["in"] != "query":
            continue
        name, schema = param["name"], deref(doc, param.get("schema", {}))
        if name not in query:
            if param.get("required"):
                errors.append({"field": name, "message": "Field required"})
            continue
        value: Any = query[name]
        if schema.get("type") == "integer":
            try:
                value = int(value)
            except ValueError:
                errors.append({"field": name, "message": "Input should be a valid integer, unable to parse string as an integer"})
                continue
        errors += check(doc, schema, value, name, patterns=True)
    return errors


# ---- which operation a request is --------------------------------------------------------
@cache
def matcher(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


def _table() -> list[tuple[str, re.Pattern[str], str]]:
    # Literal paths first: /admin/calendar/years/{year} before /admin/calendar/{date}.
    rows = [(m, matcher(p), p) for m, p, _ in operations()]
    return sorted(rows, key=lambda r: r[2].count("{"))


def operation_of(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """(path template, operation) of the document answering ``method path``, or None."""
    for m, regex, template in _table():
        if m == method and regex.match(path):
            return template, load()["paths"][template][method.lower()]
    return None


def shape(template: str) -> str:
    """A path template with its parameters' names dropped: /a/{id} and /a/{user_id} are one."""
    return re.sub(r"\{[^}]+\}", "{}", template)
