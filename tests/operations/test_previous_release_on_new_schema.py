"""The previous release's code on this release's schema (docs/operations.md, "Migrations
across a rolling deploy"): what runs during a rolling deploy and after a rollback.

A git worktree of the previous release gets this tree's migration folders in place of its
own, so its test fixtures migrate their databases to the new schema; then its own
integration tests run there, with its own code (its folders on PYTHONPATH, ahead of the
venv's installs of this tree). The static rule (scripts/check_migrations.py) refuses
destructive statements; this catches what only running the old code shows.

The previous release: $PREVIOUS_RELEASE (any git ref) if set, else the newest tag ``v*``
merged into HEAD, else HEAD's first parent (main before its last merge). When no migration
differs from that release, the schema is the one its own tests already ran on, and the
check skips saying so."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "booking", "allocator", "notifier")
SHARED_MIGRATIONS = "libs/shared/shared/migrations"
MIGRATION_DIRS = (SHARED_MIGRATIONS, *(f"services/{s}/migrations" for s in SERVICES))


def git(*args: str, cwd: Path = REPO, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=check)


def previous_release() -> str | None:
    if not (REPO / ".git").exists():
        return None
    if ref := os.environ.get("PREVIOUS_RELEASE"):
        return git("rev-parse", "--verify", f"{ref}^{{commit}}").stdout.strip()
    tags = git("tag", "--merged", "HEAD", "--sort=-creatordate", "--list", "v*").stdout.split()
    for tag in tags:
        commit = git("rev-parse", f"{tag}^{{commit}}").stdout.strip()
        if commit != git("rev-parse", "HEAD").stdout.strip():
            return commit
    parent = git("rev-parse", "--verify", "--quiet", "HEAD^1", check=False)
    return parent.stdout.strip() if parent.returncode == 0 else None


def changed_migrations(ref: str) -> list[str]:
    """Migration files that differ between ``ref`` and this working tree (untracked included)."""
    changed = git("diff", "--name-only", ref, "--", *MIGRATION_DIRS).stdout.split()
    untracked = git("ls-files", "--others", "--exclude-standard", "--", *MIGRATION_DIRS).stdout.split()
    return sorted(set(changed) | set(untracked))


@contextmanager
def worktree(ref: str, where: Path):
    git("worktree", "add", "--detach", "--quiet", str(where), ref)
    try:
        yield where
    finally:
        git("worktree", "remove", "--force", str(where), check=False)
        git("worktree", "prune", check=False)


def put_new_schema(old: Path, extra: dict[str, str] | None = None) -> None:
    """This tree's migrations (and ``extra`` files) in place of the old release's."""
    for folder in MIGRATION_DIRS:
        shutil.rmtree(old / folder, ignore_errors=True)
        shutil.copytree(REPO / folder, old / folder)
    for path, text in (extra or {}).items():
        (old / path).write_text(text)


def run_old_tests(old: Path, paths: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = os.pathsep.join(str(old / p) for p in ("libs/shared", *(f"services/{s}" for s in SERVICES)))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", *paths], cwd=old, env=env,
                          capture_output=True, text=True, timeout=1800)


def test_the_previous_release_passes_its_integration_tests_on_the_new_schema(tmp_path):
    ref = previous_release()
    if ref is None:
        pytest.skip("no git history to find the previous release in (a shallow clone or no .git)")
    changed = changed_migrations(ref)
    if not changed:
        pytest.skip(f"no migration changed since {ref[:12]}: its own tests ran on this schema")
    shared_changed = any(f.startswith(SHARED_MIGRATIONS) for f in changed)
    affected = [s for s in SERVICES if shared_changed or any(f.startswith(f"services/{s}/") for f in changed)]
    with worktree(ref, tmp_path / "previous") as old:
        paths = [p for p in (*(f"services/{s}/tests/integration" for s in affected),
                             *(["libs/shared/tests"] if shared_changed else [])) if (old / p).is_dir()]
        put_new_schema(old)
        done = run_old_tests(old, paths)
    assert done.returncode == 0, (f"the code of {ref[:12]} fails its own tests on this schema "
                                  f"(migrations changed: {changed}):\n{done.stdout[-4000:]}")


def test_a_scratch_migration_dropping_a_column_fails_the_old_codes_tests(tmp_path):
    """The check fails when it should: this commit's booking code, its cancellation tests, on
    its own schema (passes) and on that schema with a column it reads dropped (fails)."""
    tests = ["services/booking/tests/integration/test_cancel.py"]
    with worktree("HEAD", tmp_path / "code") as old:
        put_new_schema(old)
        same = run_old_tests(old, tests)
        put_new_schema(old, {"services/booking/migrations/9999_scratch.sql":
                             "ALTER TABLE bookings DROP COLUMN sms_resend_used;\n"})
        dropped = run_old_tests(old, tests)
    assert same.returncode == 0, same.stdout[-3000:]
    assert dropped.returncode == 1, dropped.stdout[-3000:]
    assert "UndefinedColumnError: column b.sms_resend_used does not exist" in dropped.stdout
