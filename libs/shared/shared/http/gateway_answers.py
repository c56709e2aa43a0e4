"""The answers the gateway (nginx, deploy/gateway/nginx.conf.template) gives itself, added to
every operation of the merged OpenAPI document by scripts/openapi.py: a client meets them on
any route, whatever the service declares. Same problem+json shape and codes as the
template's @problem location (tests/contract/test_gateway_security.py checks the answers)."""
from __future__ import annotations

import copy
from typing import Any

from shared.http.openapi import ErrorDoc, problem_response

# status -> (the gateway's answer, applies to: "all" or "body" (operations with a request body))
GATEWAY_ANSWERS: dict[int, tuple[ErrorDoc, str]] = {
    # Per client address: each path's limit_req zone (SMS codes, logins), the general API
    # zone, and requests in progress at once (limit_conn).
    429: (ErrorDoc(429, "rate_limited", "Too many requests from this address; retry after Retry-After seconds."),
          "all"),
    413: (ErrorDoc(413, "request.too_large", "The request body is larger than 64 KiB."), "body"),
    502: (ErrorDoc(502, "gateway.upstream_unavailable", "The service behind this path is not reachable; retry later."),
          "all"),
    503: (ErrorDoc(503, "gateway.upstream_unavailable", "The service behind this path is not reachable; retry later."),
          "all"),
    504: (ErrorDoc(504, "gateway.upstream_unavailable",
                   "The service behind this path did not answer in time; retry later."), "all"),
}
METHODS = {"get", "put", "post", "delete", "patch"}


def _name(status: int) -> str:
    return f"Gateway{status}"


def _docs(status: int, answer: dict[str, Any]) -> list[ErrorDoc]:
    return [ErrorDoc(status, c["code"], c.get("detail")) for c in answer.get("x-problem-codes", [])]


def add_gateway_answers(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with the gateway's answers in every operation's responses: a
    reference to components/responses/Gateway<status>, or, where a service declares that
    status too, one answer with the codes of both."""
    doc = copy.deepcopy(document)
    used: set[int] = set()
    for item in doc["paths"].values():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for status, (answer, applies) in GATEWAY_ANSWERS.items():
                if applies == "body" and "requestBody" not in op:
                    continue
                own = op["responses"].get(str(status))
                if own is None:
                    op["responses"][str(status)] = {"$ref": f"#/components/responses/{_name(status)}"}
                    used.add(status)
                    continue
                op["responses"][str(status)] = problem_response(status, [*_docs(status, own), answer])
            op["responses"] = dict(sorted(op["responses"].items()))
    responses = doc["components"].setdefault("responses", {})
    for status in sorted(used):
        responses[_name(status)] = problem_response(status, [GATEWAY_ANSWERS[status][0]])
    doc["components"]["responses"] = dict(sorted(responses.items()))
    return doc
