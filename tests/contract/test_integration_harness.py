"""Every service's integration tests start and drive their app through the one harness,
testsupport.harness (issue 19): the conftest starts its apps with the ``start_service``
fixture and keeps only its domain verbs; the mechanics every service shares (the runtime
behind the app key, the test clock's route, envelopes serialised and published by hand, an
app put on a test server by hand) stay out of it. A driver that grows them again fails here."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "booking", "allocator", "notifier")
# (module, name) imports that mean the conftest reaches into the app by hand (the runtime,
# its consumers, its database): ServiceHarness's runtime, db, consumers_ready.
MECHANICS = {("shared.app", "RUNTIME_KEY")}


def conftest(service: str) -> ast.Module:
    path = ROOT / "services" / service / "tests" / "integration" / "conftest.py"
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("service", SERVICES)
def test_the_conftest_starts_its_apps_with_start_service(service):
    tree = conftest(service)
    fixtures_asking = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and "start_service" in [a.arg for a in n.args.args]]
    assert fixtures_asking, f"services/{service}/tests/integration/conftest.py starts no app with start_service"
    by_hand = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
               and n.func.id == "aiohttp_client"]
    assert not by_hand, f"{service}'s conftest puts an app on a test server by hand (lines {by_hand})"


@pytest.mark.parametrize("service", SERVICES)
def test_the_conftest_repeats_none_of_the_harness_mechanics(service):
    tree = conftest(service)
    imported = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert not imported & MECHANICS, f"{service}'s conftest does by hand what testsupport.harness does"
    clock_routes = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    and "/_test/clock" in n.value]
    assert not clock_routes, f"{service}'s conftest calls the test clock's route itself (lines {clock_routes})"
    serialised = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                  and n.func.attr == "model_dump_json"]
    assert not serialised, f"{service}'s conftest publishes envelopes by hand (lines {serialised}): send/publish"
