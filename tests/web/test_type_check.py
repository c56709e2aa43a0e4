"""The reference web client (deploy/gateway/static/app/*.js) type-checks with the pinned tsc
(deploy/gateway/tsconfig.json: checkJs, as `// @ts-check` would), the API's answers typed
through JSDoc from the generated clients/typescript/api.d.ts. The browser still loads the
plain files (no build step). Skipped without the npm tools (scripts/setup installs them)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TSC = ROOT / "node_modules" / ".bin" / "tsc"
CONFIG = ROOT / "deploy" / "gateway" / "tsconfig.json"


def tsc(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(TSC), "-p", str(config)], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not TSC.exists(), reason="the npm tools are not installed: run scripts/setup")
def test_web_client_type_checks():
    run = tsc(CONFIG)
    assert run.returncode == 0, f"tsc -p {CONFIG.relative_to(ROOT)}:\n{run.stdout[-8000:]}{run.stderr[-2000:]}"


@pytest.mark.skipif(not TSC.exists(), reason="the npm tools are not installed: run scripts/setup")
def test_a_misread_answer_fails_the_check(tmp_path):
    """The check reads the API's types: a module reading a field BookingView does not have
    (a copy of the client with one such line) fails."""
    app = tmp_path / "static" / "app"
    app.mkdir(parents=True)
    for f in (ROOT / "deploy" / "gateway" / "static" / "app").glob("*.js"):
        (app / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (app / "misread.js").write_text(
        "/** @param {import('api-types').BookingView} b */\n"
        "export const phone = (b) => b.phone;  // it is contact_phone\n", encoding="utf-8")
    config = CONFIG.read_text(encoding="utf-8").replace(
        '"api-types": ["../../clients/typescript/api.d.ts"]',
        f'"api-types": ["{ROOT / "clients" / "typescript" / "api.d.ts"}"]')
    (tmp_path / "tsconfig.json").write_text(config, encoding="utf-8")
    run = tsc(tmp_path / "tsconfig.json")
    assert run.returncode != 0 and "misread.js" in run.stdout and "'phone'" in run.stdout, run.stdout + run.stderr
