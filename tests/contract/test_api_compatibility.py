"""The gateway's OpenAPI document against the newest released one (docs/api/released/):
no breaking change unless it is recorded as accepted in docs/api-changes.md, no stale
record, and a new minor version for new operations (the policy: docs/api-changes.md; the
checker: openapi_compat.py, tried on synthetic documents in test_openapi_compat_checker.py)."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest


def _load():
    spec = importlib.util.spec_from_file_location("contract_openapi_compat", Path(__file__).with_name("openapi_compat.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


compat = _load()
ROOT = compat.ROOT
API_CHANGES = ROOT / "scripts" / "api-changes"


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def released() -> dict:
    docs = compat.released_documents()
    assert docs, f"no released document in {compat.RELEASED_DIR.relative_to(ROOT)}"
    return read(docs[-1])


def test_released_documents_are_named_by_their_version():
    for path in compat.released_documents():
        assert path.name == f"openapi-{read(path)['info']['version']}.json"


def test_current_document_breaks_nothing_unrecorded(released):
    changes = compat.compare(released, read(compat.CURRENT))
    missing = compat.unaccepted(changes, compat.accepted_changes())
    assert not missing, (
        "breaking changes against the released document; undo them, or record each with its reason "
        "in docs/api-changes.md (accepted-breaking-changes) when no client can break:\n"
        + "\n".join(c.line() for c in missing))


def test_every_accepted_record_matches_a_change(released):
    changes = compat.compare(released, read(compat.CURRENT))
    stale = compat.unused(changes, compat.accepted_changes())
    assert not stale, f"records in docs/api-changes.md that match no breaking change (remove them): {stale}"


def test_version_follows_the_changes(released):
    current = read(compat.CURRENT)
    assert compat.version_problems(released, current, compat.compare(released, current)) == []


def test_a_removed_field_in_a_scratch_copy_fails(tmp_path, released):
    """The comparison the two tests above make, on a copy of the current document with one
    response field removed: scripts/api-changes exits 1 and names it."""
    scratch = read(compat.CURRENT)
    props = scratch["components"]["schemas"]["BookingView"]["properties"]
    del props["contact_phone"]
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(scratch), encoding="utf-8")
    missing = compat.unaccepted(compat.compare(released, scratch), compat.accepted_changes())
    assert "GET /api/v1/bookings/{id} response 200 .contact_phone" in {c.where for c in missing}
    run = subprocess.run([str(API_CHANGES), str(compat.released_documents()[-1]), str(path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BREAKING GET /api/v1/bookings/{id} response 200 .contact_phone: field-removed" in run.stdout
    assert "not recorded in docs/api-changes.md" in run.stderr


def test_a_new_required_input_in_a_scratch_copy_fails(released):
    scratch = read(compat.CURRENT)
    body = scratch["components"]["schemas"]["BookingBody"]
    body["properties"]["purpose"] = {"type": "string"}
    body["required"] = [*body.get("required", []), "purpose"]
    missing = compat.unaccepted(compat.compare(released, scratch), compat.accepted_changes())
    assert ("POST /api/v1/bookings request body .purpose", "required-field-added") in {(c.where, c.what) for c in missing}
