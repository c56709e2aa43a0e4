"""Prints the third-party run-time requirements of the suite: the union of the
``[project] dependencies`` of libs/shared and services/*/pyproject.toml, without the
suite's own packages (cardcenter-*). scripts/lock compiles them into
requirements-runtime.lock; tests/contract/test_runtime_lock.py reads them the same way."""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN_PREFIX = "cardcenter-"


def pyprojects() -> list[Path]:
    return [ROOT / "libs" / "shared" / "pyproject.toml", *sorted((ROOT / "services").glob("*/pyproject.toml"))]


def requirements() -> list[str]:
    found: list[str] = []
    for path in pyprojects():
        for dep in tomllib.loads(path.read_text(encoding="utf-8"))["project"].get("dependencies", []):
            dep = dep.strip()
            if dep and not dep.lower().startswith(OWN_PREFIX) and dep not in found:
                found.append(dep)
    return found


if __name__ == "__main__":
    sys.stdout.write("".join(f"{dep}\n" for dep in requirements()))
