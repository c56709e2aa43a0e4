"""Realistic answers made from the OpenAPI document, for operations the fake has no handler
for (an operation added to the document before the fake learns it still answers, shaped as
documented). The document's own ``example``/``examples`` win; otherwise a value is made
from the schema, with Chinese sample data chosen by the property's name.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tools.mock_api.document import deref

TZ = ZoneInfo("Asia/Shanghai")
# Sample values by property name: what a frontend developer expects to see on screen.
BY_NAME: dict[str, Any] = {
    "name": "张三", "contact_name": "张三", "username": "zhangsan", "phone": "13800138000",
    "contact_phone": "13800138000", "email": "zhangsan@example.com", "org_code": "370200017",
    "code": "AM", "center": "qingdao", "period": "AM", "status": "confirmed", "queue_number": "A012",
    "desk": 3, "start": "09:30", "end": "10:00", "note": "调休上班", "reason": "窗口临时关闭",
    "title": "示例", "text": "【制卡中心】张三，您已成功预约。", "timezone": "Asia/Shanghai",
    "next_cursor": None, "id": "bk-0001-3f2a9c1d", "card_no": "CARD0001",
}


def example_answer(doc: dict[str, Any], response: dict[str, Any]) -> tuple[str, Any] | None:
    """(content type, body) for one documented response, or None when it has no body."""
    response = deref(doc, response)
    for ctype, media in (response.get("content") or {}).items():
        if "example" in media:
            return ctype, media["example"]
        if media.get("examples"):
            first = deref(doc, next(iter(media["examples"].values())))
            if "value" in first:
                return ctype, first["value"]
        return ctype, make(doc, media.get("schema", {}))
    return None


def make(doc: dict[str, Any], schema: Any, name: str = "", depth: int = 0) -> Any:
    """A value that fits ``schema`` (the subset the project's document uses)."""
    schema = deref(doc, schema) or {}
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [deref(doc, s) for s in schema[key]]
            real = [s for s in options if s.get("type") != "null"]
            return make(doc, (real or options)[0], name, depth)
    if "allOf" in schema:
        out: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = make(doc, part, name, depth)
            if isinstance(value, dict):
                out.update(value)
        return out
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        if depth > 6:
            return {}
        props = schema.get("properties", {})
        return {k: make(doc, v, k, depth + 1) for k, v in props.items()}
    if kind == "array":
        return [] if depth > 6 else [make(doc, schema.get("items", {}), name, depth + 1)]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        value = BY_NAME.get(name) if isinstance(BY_NAME.get(name), int) else 1
        return max(value, schema.get("minimum", value))
    return _string(schema, name)


def _string(schema: dict[str, Any], name: str) -> str:
    now = datetime.now(TZ).replace(microsecond=0)
    fmt = schema.get("format")
    if fmt == "date":
        return (now + timedelta(days=1)).date().isoformat()
    if fmt == "date-time":
        return now.isoformat()
    if fmt == "email":
        return "zhangsan@example.com"
    value = BY_NAME.get(name)
    if not isinstance(value, str):
        value = "示例"
    pattern = schema.get("pattern")
    if pattern and not re.search(pattern, value):
        # The first sample of the shapes the document declares that fits its pattern.
        day = (now + timedelta(days=1)).date().isoformat()
        samples = ["09:30", f"{day}T09:30", day, day[:7], "13800138000", "370200017", "246810",
                   "91370200MA3C12345X", "CARD0001"]
        value = next((v for v in samples if re.search(pattern, v)), value)
    return value[: schema.get("maxLength", len(value))]
