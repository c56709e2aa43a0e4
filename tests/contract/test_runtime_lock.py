"""requirements-runtime.lock (what the images install, with hashes) is in step with
constraints.txt and with the services' declared dependencies. When this fails, run
scripts/lock and commit the result."""
from __future__ import annotations

import importlib.util
import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements-runtime.lock"
CONSTRAINTS = ROOT / "constraints.txt"
HINT = "requirements-runtime.lock is out of step: run scripts/lock"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runtime_requirements = _load("runtime_requirements", ROOT / "scripts" / "runtime_requirements.py")


def parse_lock(text: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, sha256 hashes), from pip-compile's --generate-hashes output."""
    out: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in text.splitlines():
        if m := re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line):
            current = canonicalize_name(m[1])
            assert current not in out, f"{m[1]} twice in the lock"
            out[current] = (m[2], [])
        elif current and (h := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            out[current][1].append(h[1])
        elif line.strip() and not line.lstrip().startswith("#") and not line.startswith(" "):
            raise AssertionError(f"unexpected line in the lock: {line!r}")
    return out


def parse_constraints(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def runtime_closure(requirements: list[str]) -> set[str]:
    """The distributions the requirements need here (Linux, CPython 3.11, like the images),
    transitive ones included, read from the installed packages' metadata."""
    todo = [(Requirement(r), ()) for r in requirements]
    seen: set[str] = set()
    extras_seen: set[tuple[str, str]] = set()
    while todo:
        req, parent_extras = todo.pop()
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in (parent_extras or ("",))):
            continue
        name = canonicalize_name(req.name)
        new_extras = {e for e in req.extras if (name, e) not in extras_seen}
        if name in seen and not new_extras:
            continue
        seen.add(name)
        extras_seen.update((name, e) for e in new_extras)
        for dep in metadata.distribution(req.name).requires or []:
            todo.append((Requirement(dep), tuple(req.extras)))
    return seen


LOCKED = parse_lock(LOCK.read_text(encoding="utf-8"))
PINS = parse_constraints(CONSTRAINTS.read_text(encoding="utf-8"))


def test_every_locked_package_has_its_constraints_version_and_hashes():
    assert LOCKED, "empty lock"
    wrong = {name: (version, PINS.get(name)) for name, (version, _) in LOCKED.items() if PINS.get(name) != version}
    assert not wrong, f"{HINT} (lock version, constraints.txt pin): {wrong}"
    for name, (_, hashes) in LOCKED.items():
        assert hashes, f"{name} has no hash in the lock"


def test_the_lock_holds_exactly_what_the_services_need():
    needed = runtime_closure(runtime_requirements.requirements())
    assert needed >= {"aiohttp", "asyncpg", "aio-pika", "pydantic"}
    assert not needed - set(LOCKED), f"{HINT}: missing {sorted(needed - set(LOCKED))}"
    assert not set(LOCKED) - needed, f"{HINT}: not needed any more {sorted(set(LOCKED) - needed)}"

