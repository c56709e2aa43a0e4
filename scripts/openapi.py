"""Writes deploy/gateway/static/openapi.json: the OpenAPI 3.1 document of the whole API,
merged over the services' own documents, which the gateway serves at
GET /api/v1/openapi.json.

    python scripts/openapi.py            # (re)write it
    python scripts/openapi.py --check    # exit 1 when it is out of date

A service takes part once it has ``<service>/api/openapi.py`` with ``openapi_spec()``
(its routes declared with shared.http.openapi.ApiRouter); the others are skipped, and
named. The output is deterministic (sorted keys, 2-space indent, trailing newline), so
tests/contract/test_openapi_document.py can demand that the committed file is current.
The gateway image (deploy/gateway/Dockerfile) bakes the file in with the web client.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

from shared.http.gateway_answers import add_gateway_answers
from shared.http.openapi import merge_specs

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "deploy" / "gateway" / "static" / "openapi.json"
ERRORS_JS = ROOT / "deploy" / "gateway" / "static" / "app" / "errors.js"
SERVICES = ("identity", "booking", "allocator", "notifier")
TITLE = "Card center API v1"
# info.version, semver (docs/api-changes.md): MINOR for each release that adds an operation,
# PATCH for documentation only; MAJOR never within /api/v1. The released documents are kept
# in docs/api/released/ and tests/contract/test_api_compatibility.py compares against them.
VERSION = "1.1.0"
DESCRIPTION = (
    "The gateway's HTTP API (api.md), merged over the services' own documents.\n\n"
    "**Errors** are `application/problem+json` (RFC 9457): `type` is always `about:blank`, `title` the "
    "HTTP status phrase, `code` a stable machine code and `detail` an English explanation. Each error "
    "response lists its codes in `x-codes`, and in `x-problem-codes` each code with its detail and the "
    "Chinese message the web client shows (deploy/gateway/static/app/errors.js). `validation_error` "
    "(422) carries `errors: [{field, message}]`.\n\n"
    "**Access**: signed-in operations take `Authorization: Bearer <access token>` (POST /api/v1/sessions); "
    "`x-roles` names the roles an operation needs; public ones say `security: []`.\n\n"
    "**The gateway** answers by itself on any operation: 429 `rate_limited` with `Retry-After` (limits per "
    "client address; tighter on SMS codes, logins and password resets), 413 `request.too_large` (a body "
    "over 64 KiB), 502/503/504 `gateway.upstream_unavailable`. Every answer carries `X-Request-ID`.")
# One tag per service (each operation's tag is its service's ApiRouter tag).
TAGS = {
    "identity": "Accounts, SMS verification codes, sessions and access tokens, card login and card binding.",
    "booking": "Enterprises, the calendar, bookings and their cancellation, the desk (check-in) and the "
               "administrators' console (capacity, cutoffs, calendar, agents' booking rights).",
    "allocator": "The frozen day: every booking's desk, time segment and queue number, for the center's staff.",
    "notifier": "The SMS sent to agents (booking confirmations, allocations, reminders), for staff.",
}
# The gateway's own origin: the web client and frontend teams call it on the same origin.
SERVERS = [{"url": "/", "description": "the gateway (nginx) that serves this document"}]
LICENSE = {"name": "Proprietary: the card center's own API", "identifier": "LicenseRef-CardCenter-Proprietary"}
MESSAGE = re.compile(r"^\s*'([a-z_.]+)':\s*'([^']*)',", re.M)


def has_spec(service: str) -> bool:
    """Whether ``<service>.api.openapi`` exists, found without importing the service's API
    (a service not converted yet is never imported, so its state cannot break this)."""
    spec = importlib.util.find_spec(service)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"openapi: the {service} package is not installed")
    return any((Path(d) / "api" / "openapi.py").is_file() for d in spec.submodule_search_locations)


def service_specs() -> tuple[dict[str, dict[str, Any]], list[str]]:
    """(service -> its document) for the services that have one, and the skipped ones."""
    specs: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for service in SERVICES:
        if not has_spec(service):
            skipped.append(service)
            continue
        module = importlib.import_module(f"{service}.api.openapi")  # errors inside it are errors
        specs[service] = module.openapi_spec()
    return specs, skipped


def merged(specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    # merge_specs would let a later service silently replace an operation: refuse instead.
    owner: dict[tuple[str, str], str] = {}
    for service, spec in specs.items():
        for path, item in spec["paths"].items():
            for method in item:
                other = owner.setdefault((path, method), service)
                if other != service:
                    raise SystemExit(f"openapi: {method.upper()} {path} is declared by both {other} and {service}")
    return add_gateway_answers(merge_specs(specs.values(), title=TITLE, version=VERSION,
                                           description=DESCRIPTION))


def completed(document: dict[str, Any]) -> dict[str, Any]:
    """The merged document with what the whole API shares: its tags described, its server,
    its licence, and each error code's Chinese message."""
    used = {tag for item in document["paths"].values() for op in item.values() for tag in op.get("tags", [])}
    document["tags"] = [{"name": name, "description": text} for name, text in TAGS.items() if name in used]
    document["servers"] = SERVERS
    document["info"]["license"] = LICENSE
    return with_messages(document, messages())


def messages() -> dict[str, str]:
    """The web client's Chinese message per error code (errors.js MESSAGES)."""
    text = ERRORS_JS.read_text(encoding="utf-8")
    block = text[text.index("export const MESSAGES"):]
    return dict(MESSAGE.findall(block[:block.index("});")]))


def with_messages(document: dict[str, Any], chinese: dict[str, str]) -> dict[str, Any]:
    """Each documented code with its Chinese message (x-problem-codes, the examples'
    summaries); a code errors.js has no message for stops the generation."""
    missing: set[str] = set()
    answers = list(document["components"].get("responses", {}).values())
    for item in document["paths"].values():
        for op in item.values():
            answers += [a for a in op["responses"].values() if "x-problem-codes" in a]
    for answer in answers:
        for entry in answer.get("x-problem-codes", []):
            message = chinese.get(entry["code"])
            if message is None:
                missing.add(entry["code"])
                continue
            entry["message"] = message
            example = answer["content"]["application/problem+json"]["examples"][entry["code"]]
            example["summary"] = f"{entry['code']}: {message}"
    if missing:
        raise SystemExit(f"openapi: no Chinese message in {ERRORS_JS.relative_to(ROOT)} for: {', '.join(sorted(missing))}")
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def generate() -> tuple[str, list[str], list[str]]:
    """(the file's text, the services in it, the services skipped)."""
    specs, skipped = service_specs()
    return render(completed(merged(specs))), list(specs), skipped


def generate_with_note() -> tuple[str, str]:
    text, included, skipped = generate()
    return text, ", ".join(included) + (f"; not yet declared with ApiRouter: {', '.join(skipped)}" if skipped else "")


def main(argv: list[str] | None = None) -> int:
    # Imported here, not at the top: the tests load this file for generate() alone, without
    # scripts/ (the script's own folder when it runs) on sys.path.
    from _document_check import write_or_check
    return write_or_check("openapi", __doc__.split("\n\n")[0], OUT, generate_with_note, argv)


if __name__ == "__main__":
    sys.exit(main())
