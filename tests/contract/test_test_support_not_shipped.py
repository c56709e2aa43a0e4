"""The test helpers (libs/testsupport, the ``testsupport`` package) never ship: no runtime
package holds a ``testing`` package or imports ``testsupport``, and nothing that builds an
image or a runtime install names it; only requirements-dev.txt installs it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "booking", "allocator", "notifier")
# The packages the images install (Dockerfile: libs/shared and the service).
RUNTIME_PACKAGES = [ROOT / "libs" / "shared" / "shared"] + [ROOT / "services" / s / s for s in SERVICES]
# What builds or installs the runtime: the image, the runtime lists, the deployments.
RUNTIME_INSTALLS = ["Dockerfile", "requirements.txt", "requirements-runtime.lock", "constraints.txt",
                    "docker-compose.yml", *[p.relative_to(ROOT).as_posix() for p in (ROOT / "deploy").rglob("*")
                                            if p.is_file() and p.suffix in {".yaml", ".yml", ".sh", ""}
                                            and "node_modules" not in p.parts]]
NAMES = re.compile(r"testsupport|cardcenter-testsupport")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", RUNTIME_PACKAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_runtime_package_holds_no_test_helpers(package):
    assert package.is_dir(), package
    testing = [p.relative_to(ROOT).as_posix() for p in package.rglob("testing") if p.is_dir()]
    assert not testing, f"test helpers belong in libs/testsupport, not in a shipped package: {testing}"


@pytest.mark.parametrize("package", RUNTIME_PACKAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_runtime_package_does_not_import_the_test_support_package(package):
    offenders = sorted(f"{path.relative_to(ROOT)}: {name}" for path in package.rglob("*.py")
                       for name in imported_modules(path)
                       if name.split(".")[0] == "testsupport" or name.endswith(".testing")
                       or ".testing." in name)
    assert not offenders, f"production code must not depend on the test helpers: {offenders}"


@pytest.mark.parametrize("name", RUNTIME_INSTALLS)
def test_runtime_installs_do_not_name_the_test_support_package(name):
    text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
    assert not NAMES.search(text), f"{name} installs or ships the test helpers (libs/testsupport)"


def test_runtime_packages_do_not_depend_on_it():
    for pyproject in [ROOT / "libs" / "shared" / "pyproject.toml",
                      *[ROOT / "services" / s / "pyproject.toml" for s in SERVICES]]:
        assert "testsupport" not in pyproject.read_text(encoding="utf-8"), pyproject


def test_only_the_test_requirements_install_it():
    assert re.search(r"^-e libs/testsupport$", (ROOT / "requirements-dev.txt").read_text(encoding="utf-8"), re.M)
