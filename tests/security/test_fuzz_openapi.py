"""schemathesis against the merged OpenAPI document, through nginx: generated valid and
invalid requests for every public operation, and no answer may be a 5xx.

It runs as its own process (schemathesis' CLI) against a system of its own (fresh database
and vhost): the fuzzer sets capacity, calendar overrides and suspensions on random dates,
which must not reach the suites sharing the session's system. Requests carry a token with
every role, so the generated data reaches the handlers behind the role checks; a second,
shorter pass sends no token at all."""
from __future__ import annotations

import asyncio
import re
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from testsupport.system_fixtures import isolated_system

SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
pytestmark = pytest.mark.skipif(SCHEMATHESIS is None,
                                reason="schemathesis missing: pip install -r requirements-dev.txt -c constraints.txt")


@pytest.fixture(scope="module")
async def system(infra_urls, tmp_path_factory, sms_provider, mint):
    async with isolated_system(infra_urls, tmp_path_factory.mktemp("fuzzed"), sms_provider, mint) as s:
        yield s


async def fuzz(system, tmp_path: Path, *extra: str, max_examples: int, seed: int) -> tuple[int, str]:
    report = tmp_path / "junit.xml"
    # one worker: hypothesis describing strategies from two threads at once trips a CPython 3.11
    # AST bug ("AST constructor recursion depth mismatch"), a runtime error of the fuzzer's own
    proc = await asyncio.create_subprocess_exec(
        SCHEMATHESIS, "run", f"{system.gateway_url}/api/v1/openapi.json", "--url", system.gateway_url,
        "--checks", "not_a_server_error", "--max-examples", str(max_examples), "--seed", str(seed),
        "--workers", "1", "--request-timeout", "20", "--generation-database", "none", "--no-color",
        "--report", "junit", "--report-junit-path", str(report), "--suppress-health-check", "all", *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path)  # it leaves .schemathesis/
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=600)
    return proc.returncode, out.decode(errors="replace")


def summary(output: str) -> str:
    return output[-6000:]


def assert_every_operation_tested(output: str) -> None:
    """A run that tested nothing (schema not loaded, everything skipped) must not pass."""
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert selected and tested and cases, summary(output)
    assert int(selected[1]) == int(selected[2]) == int(tested[1]) >= 36, summary(output)
    assert int(cases[1]) == int(cases[2]) >= 10 * int(tested[1]), summary(output)


async def test_no_generated_request_gets_a_5xx_with_every_role(system, mint, tmp_path):
    token = mint.agent(datetime.now(timezone.utc), roles=("agent", "staff", "admin")).tokens["access_token"]
    code, out = await fuzz(system, tmp_path, "-H", f"Authorization: Bearer {token}", max_examples=30, seed=7)
    assert code == 0, summary(out)
    assert_every_operation_tested(out)


async def test_no_generated_request_gets_a_5xx_without_a_token(system, tmp_path):
    code, out = await fuzz(system, tmp_path, max_examples=10, seed=11)
    assert code == 0, summary(out)
    assert_every_operation_tested(out)
