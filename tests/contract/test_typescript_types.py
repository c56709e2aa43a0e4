"""The typed client: clients/typescript/api.d.ts is what scripts/api-types generates from the
current OpenAPI document (pinned openapi-typescript), and the typed example compiles with
the pinned tsc (clients/typescript/tsconfig.json; its @ts-expect-error lines prove that the
types refuse a wrong path, field or answer shape). Skipped without the npm tools
(scripts/setup installs them)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "typescript"
BIN = ROOT / "node_modules" / ".bin"
pytestmark = pytest.mark.skipif(not (BIN / "tsc").exists() or not (BIN / "openapi-typescript").exists(),
                                reason="the npm tools are not installed: run scripts/setup")


def test_committed_types_are_generated_from_the_current_document(tmp_path):
    out = tmp_path / "api.d.ts"
    run = subprocess.run([str(ROOT / "scripts" / "api-types"), str(out)], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert out.read_text(encoding="utf-8") == (CLIENT / "api.d.ts").read_text(encoding="utf-8"), \
        "clients/typescript/api.d.ts is out of date: run scripts/api-types (after scripts/openapi.py)"


def test_typed_example_compiles():
    run = subprocess.run([str(BIN / "tsc"), "-p", str(CLIENT / "tsconfig.json")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"tsc:\n{run.stdout[-6000:]}{run.stderr[-2000:]}"


def test_example_fails_to_compile_against_a_document_without_the_field(tmp_path):
    """The compile is a real check: with BookingView.allocation gone from the types (a field
    removed from the document), the example, which reads it, does not compile."""
    api = (CLIENT / "api.d.ts").read_text(encoding="utf-8")
    marker = '            allocation: components["schemas"]["AllocationView"] | null;\n'
    assert marker in api
    (tmp_path / "api.d.ts").write_text(api.replace(marker, "", 1), encoding="utf-8")
    (tmp_path / "example.ts").write_text((CLIENT / "example.ts").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "tsconfig.json").write_text((CLIENT / "tsconfig.json").read_text(encoding="utf-8"), encoding="utf-8")
    run = subprocess.run([str(BIN / "tsc"), "-p", str(tmp_path / "tsconfig.json")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and "allocation" in run.stdout, run.stdout + run.stderr
