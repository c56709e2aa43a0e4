"""The gateway's own answers are in the OpenAPI document (shared.http.gateway_answers, added
by scripts/openapi.py), with the codes the template's @problem location really answers."""
from __future__ import annotations

import json
import re
from pathlib import Path

from shared.http.gateway_answers import GATEWAY_ANSWERS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "gateway" / "nginx.conf.template"
DOCUMENT = ROOT / "deploy" / "gateway" / "static" / "openapi.json"
METHODS = {"get", "put", "post", "delete", "patch"}


def template_codes() -> dict[int, str]:
    block = re.search(r"map \$status \$gw_problem_code \{(.*?)\}", TEMPLATE.read_text(encoding="utf-8"), re.S).group(1)
    return {int(s): c for s, c in re.findall(r'^\s*(\d{3})\s+"([^"]+)";', block, re.M)}


def resolve(document: dict, answer: dict) -> dict:
    if "$ref" in answer:
        name = answer["$ref"].rsplit("/", 1)[1]
        return document["components"]["responses"][name]
    return answer


def test_documented_gateway_codes_are_the_templates():
    codes = template_codes()
    for status, (answer, _) in GATEWAY_ANSWERS.items():
        assert codes[status] == answer.code, status


def template_details() -> dict[int, str]:
    block = re.search(r"map \$status \$gw_problem_detail \{(.*?)\}", TEMPLATE.read_text(encoding="utf-8"), re.S).group(1)
    return {int(s): d for s, d in re.findall(r'^\s*(\d{3})\s+"([^"]+)";', block, re.M)}


def test_documented_gateway_details_are_the_templates():
    details = template_details()
    for status, (answer, _) in GATEWAY_ANSWERS.items():
        assert details[status] == answer.detail, status


def test_every_operation_documents_the_gateway_answers():
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    missing = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for status, (gateway, applies) in GATEWAY_ANSWERS.items():
                if applies == "body" and "requestBody" not in op:
                    continue
                answer = resolve(document, op["responses"].get(str(status), {}))
                headers = {"X-Request-ID", *(["Retry-After"] if status in (429, 503) else [])}
                if gateway.code not in answer.get("x-codes", []) or not headers <= set(answer.get("headers", {})):
                    missing.append(f"{method.upper()} {path} {status} {gateway.code}")
    assert not missing, missing
    # A service's own 429 keeps its code beside the gateway's.
    sms = document["paths"]["/api/v1/sms-codes"]["post"]["responses"]["429"]
    assert {"sms.rate_limited", "rate_limited"} <= set(sms["x-codes"]) and "Retry-After" in sms["headers"]
