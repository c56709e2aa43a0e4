"""The alert rules (deploy/k8s/prometheus-rules.yaml) as Prometheus itself reads them:
the PrometheusRule's spec is written out as a plain rules file, then ``promtool check rules``
(syntax, PromQL, templates) and ``promtool test rules`` on every unit-test file under
deploy/prometheus/tests/. Finally each alert in turn is made unable to fire, and the unit
tests must then fail: every alert is covered by a test that expects it to fire.

promtool comes from Debian's ``prometheus`` package (scripts/setup installs it)."""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "deploy" / "prometheus" / "tests"
TEST_FILES = sorted(TESTS.glob("*.yaml"))

_spec = importlib.util.spec_from_file_location("extract_rules", ROOT / "deploy" / "prometheus" / "extract_rules.py")
extract_rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(extract_rules)


def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool is missing: run scripts/setup (Debian: apt-get install --no-install-recommends prometheus)"
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def workdir(tmp_path: Path, document: dict | None = None) -> Path:
    """The rules file beside copies of the unit tests, which name it relatively."""
    extract_rules.write_rules(tmp_path / extract_rules.RULES_FILE, document)
    for f in TEST_FILES:
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def alert_names(document: dict) -> list[str]:
    return [r["alert"] for g in document["groups"] for r in g["rules"] if "alert" in r]


def test_there_are_unit_tests():
    assert TEST_FILES, f"no promtool unit tests under {TESTS}"


def test_promtool_check_rules(tmp_path):
    result = run("check", "rules", extract_rules.RULES_FILE, cwd=workdir(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("test_file", TEST_FILES, ids=lambda p: p.name)
def test_promtool_test_rules(tmp_path, test_file):
    result = run("test", "rules", test_file.name, cwd=workdir(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_alert_fails_the_unit_tests(tmp_path):
    """Every alert's expression replaced by one that never fires (valid PromQL, so check
    rules still passes): ``promtool test rules`` must fail, and name each alert among its
    failures, i.e. some unit test expects each alert to fire."""
    broken = extract_rules.rules_document()
    for group in broken["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                rule["expr"] = "vector(1) < 0"
    cwd = workdir(tmp_path, broken)
    assert run("check", "rules", extract_rules.RULES_FILE, cwd=cwd).returncode == 0
    result = run("test", "rules", *[f.name for f in TEST_FILES], cwd=cwd)
    assert result.returncode != 0, result.stdout
    failed = set(re.findall(r"alertname: (\w+), time:", result.stdout + result.stderr))
    uncovered = sorted(set(alert_names(broken)) - failed)
    assert not uncovered, f"no unit test expects these alerts to fire: {uncovered}"
