"""CI keeps the expand/contract rule of docs/operations.md ("Migrations across a rolling
deploy"): scripts/check_migrations.py refuses a migration that would break the previous
release's code unless it names, in git, the release whose code no longer needs what it
removes."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load():
    spec = importlib.util.spec_from_file_location("check_migrations", REPO / "scripts/check_migrations.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module            # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


rules = _load()


def test_every_migration_in_the_repository_keeps_the_rule():
    sources = rules.sources()
    files = {p for s in sources for folder in s.folders for p in folder.glob("*.sql")}
    assert len(files) >= 10 and all(s.folders[1].is_dir() for s in sources)
    assert rules.check(sources) == []
    done = subprocess.run([sys.executable, "scripts/check_migrations.py"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def _scratch_booking(tmp_path: Path, sql: str) -> list:
    """booking's real migrations plus one scratch file after them."""
    folder = tmp_path / "migrations"
    shutil.copytree(REPO / "services/booking/migrations", folder)
    (folder / "9999_scratch.sql").write_text(sql)
    return rules.check([rules.Source([REPO / "libs/shared/shared/migrations", folder], ["services/booking/booking"])])


def test_a_scratch_migration_that_drops_a_column_fails_the_check(tmp_path):
    found = _scratch_booking(tmp_path, "ALTER TABLE bookings DROP COLUMN sms_resend_used;\n")
    assert len(found) == 1
    assert found[0].file.endswith("9999_scratch.sql")
    assert "DROP COLUMN bookings.sms_resend_used" in found[0].reason and "-- contract:" in found[0].reason


@pytest.mark.parametrize("sql, refused", [
    ("DROP TABLE agents;", "DROP TABLE agents"),
    ("DROP INDEX bookings_one_per_agent_period;", "DROP INDEX bookings_one_per_agent_period"),
    ("DROP FUNCTION ensure_date_open(text, date);", "DROP FUNCTION ensure_date_open"),
    ("ALTER TABLE cutoffs RENAME COLUMN run_id TO allocation_run;", "RENAME COLUMN run_id"),
    ("ALTER TABLE agents RENAME TO booking_agents;", "RENAME TABLE agents"),
    ("ALTER TABLE bookings ALTER COLUMN desk TYPE bigint;", "ALTER COLUMN bookings.desk TYPE"),
    ("ALTER TABLE bookings ALTER COLUMN queue_number SET NOT NULL;", "SET NOT NULL on bookings.queue_number"),
    ("ALTER TABLE bookings ALTER COLUMN contact_name DROP NOT NULL;", "DROP NOT NULL on bookings.contact_name"),
    ("ALTER TABLE bookings ALTER COLUMN sms_status DROP DEFAULT;", "DROP DEFAULT of bookings.sms_status"),
    ("ALTER TABLE bookings ADD COLUMN channel text NOT NULL;", "ADD COLUMN bookings.channel NOT NULL"),
    ("ALTER TABLE bookings ADD CONSTRAINT short_name CHECK (length(contact_name) < 20);",
     "ADD CONSTRAINT short_name on existing table bookings"),
    ("ALTER TABLE bookings DROP CONSTRAINT bookings_allocation_complete;", "DROP CONSTRAINT bookings_allocation_complete"),
    ("CREATE UNIQUE INDEX agents_phone ON agents (phone);", "CREATE UNIQUE INDEX agents_phone"),
    ("TRUNCATE rights_audit;", "TRUNCATE rights_audit"),
    ("ALTER TABLE agents SET SCHEMA public;", "SET SCHEMA public"),
])
def test_each_kind_of_contract_step_is_refused(tmp_path, sql, refused):
    found = _scratch_booking(tmp_path, sql)
    assert len(found) == 1 and refused in found[0].reason, found


@pytest.mark.parametrize("sql", [
    "ALTER TABLE bookings ADD COLUMN channel text;",
    "ALTER TABLE bookings ADD COLUMN channel text NOT NULL DEFAULT 'web' CHECK (channel <> '');",
    "ALTER TABLE bookings ALTER COLUMN sms_status SET NOT NULL;",          # it has a default
    "CREATE INDEX bookings_by_phone ON bookings (contact_phone);",
    "CREATE TABLE waitlist (id uuid PRIMARY KEY, agent_id text NOT NULL);"
    " ALTER TABLE waitlist ADD COLUMN day date NOT NULL, ADD CONSTRAINT one UNIQUE (agent_id, day);"
    " CREATE UNIQUE INDEX waitlist_day ON waitlist (day, agent_id); ALTER TABLE waitlist DROP COLUMN day;",
    "ALTER TABLE bookings ADD COLUMN channel text; ALTER TABLE bookings ALTER COLUMN channel SET NOT NULL;",
    "UPDATE bookings SET contact_name = btrim(contact_name);",
    "CREATE OR REPLACE FUNCTION ensure_date_open(p_center text, p_day date) RETURNS boolean"
    " LANGUAGE sql AS $$ SELECT true $$;",
])
def test_expanding_steps_pass(tmp_path, sql):
    assert _scratch_booking(tmp_path, sql) == []


def test_an_unparseable_migration_fails_the_check(tmp_path):
    found = _scratch_booking(tmp_path, "ALTER TABLE bookings DROP COLUM sms_resend_used;")
    assert len(found) == 1 and "cannot parse" in found[0].reason


# ---- the contract note, checked against git ---------------------------------------------

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=GIT_ENV).stdout.strip()


@pytest.fixture
def history(tmp_path):
    """A repository with three releases of a service: release-1 reads ``legacy_note``,
    release-2 no longer does, and HEAD drops the column."""
    repo = tmp_path / "repo"
    code = repo / "services/booking/booking/repository.py"
    migrations = repo / "services/booking/migrations"
    migrations.mkdir(parents=True)
    code.parent.mkdir(parents=True)
    (migrations / "0001_notes.sql").write_text("CREATE TABLE notes (id uuid PRIMARY KEY, legacy_note text);\n")
    code.write_text('SQL = "SELECT id, legacy_note FROM notes"\n')
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "release 1")
    _git(repo, "tag", "release-1")
    code.write_text('SQL = "SELECT id FROM notes"\n')
    _git(repo, "commit", "-qam", "release 2: the code stops reading legacy_note")
    _git(repo, "tag", "release-2")
    return repo


def _drop_with(repo: Path, note: str | None) -> list:
    mark = f"-- contract: {note}\n" if note else ""
    (repo / "services/booking/migrations/0002_drop_legacy_note.sql").write_text(
        f"{mark}ALTER TABLE notes DROP COLUMN legacy_note;\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "contract: drop notes.legacy_note")
    return rules.check([rules.Source([repo / "services/booking/migrations"], ["services/booking/booking"])], repo)


def test_a_contract_step_after_the_release_that_stopped_using_the_column_passes(history):
    assert _drop_with(history, "release-2 release 2 no longer reads notes.legacy_note") == []


def test_a_contract_step_naming_a_release_that_still_uses_the_column_is_refused(history):
    found = _drop_with(history, "release-1 wrongly says the column is unused")
    assert len(found) == 1 and "'legacy_note' is still used by the code of release-1" in found[0].reason
    assert "services/booking/booking/repository.py" in found[0].reason


def test_a_contract_step_in_the_same_release_as_the_code_change_is_refused(history):
    (history / "services/booking/migrations/0002_drop_legacy_note.sql").write_text("-- placeholder\n")
    _git(history, "add", ".")
    _git(history, "commit", "-qm", "the migration file exists in this release")
    _git(history, "tag", "release-3")
    found = _drop_with(history, "release-3 the same release")
    assert len(found) == 1 and "exists at release-3 already" in found[0].reason


@pytest.mark.parametrize("note, reason", [
    (None, "without a '-- contract:"),
    ("no-such-release because", "no commit here"),
])
def test_a_contract_step_without_a_known_release_is_refused(history, note, reason):
    found = _drop_with(history, note)
    assert len(found) == 1 and reason in found[0].reason


def test_a_contract_step_naming_a_commit_of_another_branch_is_refused(history):
    _git(history, "checkout", "-q", "-b", "elsewhere", "release-1")
    (history / "other.txt").write_text("x")
    _git(history, "add", ".")
    _git(history, "commit", "-qm", "not on main")
    other = _git(history, "rev-parse", "HEAD")
    _git(history, "checkout", "-q", "main")
    found = _drop_with(history, f"{other} a commit main never had")
    assert len(found) == 1 and "not an earlier release of this branch" in found[0].reason
