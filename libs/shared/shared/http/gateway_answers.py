"""The answers the gateway (nginx, deploy/gateway/nginx.conf.template) gives itself, added to
every operation of the merged OpenAPI document by scripts/openapi.py: a client meets them on
any route, whatever the service declares. Same problem+json shape and codes as the
template's @problem location (tests/contract/test_gateway_security.py checks the answers)."""
from __future__ import annotations

import copy
from typing import Any

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                               "schema": {"type": "integer", "minimum": 1}}}

# status -> (code, applies to: "all" or "body" (operations with a request body), headers)
GATEWAY_ANSWERS: dict[int, tuple[str, str, dict[str, Any]]] = {
    # Per client address: each path's limit_req zone (SMS codes, logins), the general API
    # zone, and requests in progress at once (limit_conn).
    429: ("rate_limited", "all", RETRY_AFTER),
    413: ("request.too_large", "body", {}),      # a body over 64 KiB
    502: ("gateway.upstream_unavailable", "all", {}),
    503: ("gateway.upstream_unavailable", "all", {}),
    504: ("gateway.upstream_unavailable", "all", {}),
}
METHODS = {"get", "put", "post", "delete", "patch"}


def _name(status: int) -> str:
    return f"Gateway{status}"


def _answer(status: int, codes: list[str], headers: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": "codes: " + ", ".join(codes),
                              "content": copy.deepcopy(PROBLEM_CONTENT), "x-codes": codes}
    if headers:
        answer["headers"] = copy.deepcopy(headers)
    return answer


def add_gateway_answers(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with the gateway's answers in every operation's responses: a
    reference to components/responses/Gateway<status>, or, where a service declares that
    status too, its answer with the gateway's code joined (and the gateway's headers)."""
    doc = copy.deepcopy(document)
    used: set[int] = set()
    for item in doc["paths"].values():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for status, (code, applies, headers) in GATEWAY_ANSWERS.items():
                if applies == "body" and "requestBody" not in op:
                    continue
                own = op["responses"].get(str(status))
                if own is None:
                    op["responses"][str(status)] = {"$ref": f"#/components/responses/{_name(status)}"}
                    used.add(status)
                    continue
                merged = _answer(status, sorted({*own.get("x-codes", []), code}), headers)
                merged["headers"] = {**own.get("headers", {}), **merged.get("headers", {})}
                if not merged["headers"]:
                    del merged["headers"]
                op["responses"][str(status)] = {**own, **merged}
            op["responses"] = dict(sorted(op["responses"].items()))
    responses = doc["components"].setdefault("responses", {})
    for status in sorted(used):
        code, _, headers = GATEWAY_ANSWERS[status]
        responses[_name(status)] = _answer(status, [code], headers)
    doc["components"]["responses"] = dict(sorted(responses.items()))
    return doc
