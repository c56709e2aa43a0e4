from pathlib import Path

import pytest

pytest_plugins = ["testsupport.fixtures", "testsupport.tokens", "testsupport.harness", "testsupport.system_fixtures"]

ROOT = Path(__file__).resolve().parent
# The `slow` tests (pytest.ini): what `scripts/test -m "not slow"`, the fast selection, leaves
# out. Whole folders and modules, chosen by what `--durations=0` measured per folder (README
# "Tests: the fast selection"); a test file under one of these paths is slow too.
SLOW = (
    # the whole system as processes behind nginx (one per session or per module), Chromium
    "tests/e2e/",
    "tests/reliability/",
    "tests/security/",
    "tests/browser/",
    "tests/operations/",
    # outside tools (tsc, kubectl kustomize + schemas, promtool, the AsyncAPI parser, Redocly, the mock)
    "tests/contract/test_typescript_types.py",
    "tests/contract/test_k8s_build.py",
    "tests/contract/test_k8s_manifests.py",
    "tests/contract/test_asyncapi_document.py",
    "tests/contract/test_prometheus_rules.py",
    "tests/contract/test_mock_answers.py",
    "tests/contract/test_openapi_lint.py",
    # several service processes started and killed
    "services/notifier/tests/integration/test_scale_out.py",
    "services/notifier/tests/integration/test_sigkill.py",
    "services/booking/tests/integration/test_calling_replicas.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.resolve().relative_to(ROOT).as_posix().startswith(SLOW):
            item.add_marker(pytest.mark.slow)
