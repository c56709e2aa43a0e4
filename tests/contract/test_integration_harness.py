"""Every service's integration tests start and drive their app through the one harness,
testsupport.harness (issue 19): the conftest starts its apps with the ``start_service``
fixture and keeps only its domain verbs; the mechanics every service shares (the runtime
behind the app key, the test clock's route, envelopes serialised and published by hand, an
app put on a test server by hand) stay out of it. A driver that grows them again fails here."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "booking", "allocator", "notifier")
# (module, name) imports that mean the conftest reaches into the app by hand (the runtime,
# its consumers, its database): ServiceHarness's runtime, db, consumers_ready.
MECHANICS = {("shared.app", "RUNTIME_KEY")}
# What the checks need from a conftest's syntax tree, read in a process of its own: in a
# long pytest session CPython 3.11's ast.parse can fail with "AST constructor recursion
# depth mismatch" (a bug of the interpreter's, seen here after other tests' threads), which
# is no finding about the conftest.
FACTS = """
import ast, json, sys
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read(), filename=sys.argv[1])
print(json.dumps({
    "fixtures_asking": [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and "start_service" in [a.arg for a in n.args.args]],
    "by_hand": [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                and n.func.id == "aiohttp_client"],
    "imported": [[n.module, a.name] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names],
    "clock_routes": [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                     and "/_test/clock" in n.value],
    "serialised": [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                   and n.func.attr == "model_dump_json"],
}))
"""


def conftest(service: str) -> dict:
    path = ROOT / "services" / service / "tests" / "integration" / "conftest.py"
    out = subprocess.run([sys.executable, "-c", FACTS, str(path)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("service", SERVICES)
def test_the_conftest_starts_its_apps_with_start_service(service):
    facts = conftest(service)
    assert facts["fixtures_asking"], f"services/{service}/tests/integration/conftest.py starts no app with start_service"
    assert not facts["by_hand"], f"{service}'s conftest puts an app on a test server by hand (lines {facts['by_hand']})"


@pytest.mark.parametrize("service", SERVICES)
def test_the_conftest_repeats_none_of_the_harness_mechanics(service):
    facts = conftest(service)
    imported = {tuple(pair) for pair in facts["imported"]}
    assert not imported & MECHANICS, f"{service}'s conftest does by hand what testsupport.harness does"
    assert not facts["clock_routes"], \
        f"{service}'s conftest calls the test clock's route itself (lines {facts['clock_routes']})"
    assert not facts["serialised"], \
        f"{service}'s conftest publishes envelopes by hand (lines {facts['serialised']}): send/publish"
