"""The OpenAPI document passes Redocly's recommended rules (redocly.yaml) with zero errors
and zero warnings, run by the Redocly CLI pinned in package.json (installed by scripts/setup
with npm ci: no download at test time)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"
DOCUMENT = ROOT / "deploy" / "gateway" / "static" / "openapi.json"


def lint(document: Path) -> dict:
    """Redocly's JSON report of ``document`` under the repository's redocly.yaml."""
    if not REDOCLY.exists():
        pytest.fail(f"{REDOCLY.relative_to(ROOT)} is missing: run scripts/setup (npm ci)")
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}
    run = subprocess.run([str(REDOCLY), "lint", str(document), "--config", str(ROOT / "redocly.yaml"),
                          "--format", "json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    start = run.stdout.find("{")
    assert start >= 0, f"no report from redocly (exit {run.returncode}): {run.stderr[-2000:]}"
    return json.loads(run.stdout[start:])


def findings(report: dict) -> list[str]:
    return [f"{p['severity']} {p['ruleId']}: {p['message']} at {[l.get('pointer') for l in p.get('location', [])]}"
            for p in report["problems"]]


def test_document_has_no_lint_errors_or_warnings():
    report = lint(DOCUMENT)
    assert report["totals"]["errors"] == 0 and report["totals"]["warnings"] == 0, "\n".join(findings(report))


def test_the_linter_catches_a_broken_document(tmp_path):
    # The check above can fail: a document without servers is an error of the rules used.
    broken = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    del broken["servers"]
    copy = tmp_path / "openapi.json"
    copy.write_text(json.dumps(broken), encoding="utf-8")
    report = lint(copy)
    assert report["totals"]["errors"] >= 1, findings(report)
