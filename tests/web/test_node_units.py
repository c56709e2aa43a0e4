"""Runs the web client's unit tests (tests/web/*.test.mjs, `node --test`) inside pytest, so
that scripts/test and CI run them too. Skipped when Node.js is not installed."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed: the web client's unit tests need node >= 20")
def test_web_client_units():
    files = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    assert files, "no tests/web/*.test.mjs"
    run = subprocess.run([NODE, "--test", "--test-reporter=spec", *files], cwd=HERE.parents[1],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"node --test failed:\n{run.stdout[-6000:]}\n{run.stderr[-3000:]}"
