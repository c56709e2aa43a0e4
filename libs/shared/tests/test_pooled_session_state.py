"""No code that runs on a pooled connection leaves session state behind. The pool hands a
connection on without a reset query (``shared.db._keep_session``: one round trip fewer per
request), so a session-level SET, a session advisory lock, a LISTEN, a cursor WITH HOLD,
a PREPARE or a temp table outliving its transaction would leak into whichever request got
the connection next. This reads every string (the SQL) and every ``add_listener`` call in
the shared library and the services' packages."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = [ROOT / "libs" / "shared" / "shared",
            *(d / d.name for d in sorted((ROOT / "services").iterdir()) if (d / d.name / "__init__.py").exists())]

# Files whose session state lives on a connection of their own (asyncpg.connect), never a
# pooled one, and why.
OWN_CONNECTION = {
    "libs/shared/shared/migrations.py": "the migrations' session advisory lock, on their own connection",
    "libs/shared/shared/outbox.py": "the relay's LISTEN connection",
    "services/booking/booking/streams/listener.py": "the stream hub's LISTEN connection",
}

# Upper-case keywords: the project writes its SQL so, and prose ("Set the ...") is not SQL.
SESSION_STATE = {
    "session-level SET": re.compile(r"(?:^|;)\s*SET\s+(?!LOCAL\b)"),
    "set_config(..., false)": re.compile(r"(?i)\bset_config\s*\([^)]*,\s*false\s*\)"),
    "session advisory lock": re.compile(r"(?i)\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\("),
    "LISTEN": re.compile(r"(?:^|;)\s*LISTEN\s"),
    "cursor WITH HOLD": re.compile(r"\bWITH\s+HOLD\b"),
    "PREPARE": re.compile(r"(?:^|;)\s*PREPARE\s"),
}
TEMP_TABLE = re.compile(r"\bCREATE\s+(?:TEMP|TEMPORARY)\s+TABLE\b")
ON_COMMIT_DROP = re.compile(r"\bON\s+COMMIT\s+DROP\b")


def session_state_in(sql: str) -> list[str]:
    """What of the session ``sql`` would leave behind once its transaction is over."""
    found = [name for name, pattern in SESSION_STATE.items() if pattern.search(sql)]
    if TEMP_TABLE.search(sql) and not ON_COMMIT_DROP.search(sql):
        found.append("temp table kept past its transaction")
    return found


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant, an f-string as its literal parts joined (the SQL around the
    placeholders), with its line."""
    out: list[tuple[int, str]] = []
    in_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            in_fstring.update(id(v) for v in node.values)
            out.append((node.lineno, " ".join(parts)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring:
            out.append((node.lineno, node.value))
    return out


def findings() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in OWN_CONNECTION:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
            for line, text in _strings(tree):
                found += [f"{rel}:{line}: {what}" for what in session_state_in(text)]
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in ("add_listener", "add_log_listener")):
                    found.append(f"{rel}:{node.lineno}: {node.func.attr} (a LISTEN / a callback on the connection)")
    return found


def test_no_pooled_connection_is_left_with_session_state():
    assert PACKAGES and len(PACKAGES) == 5, PACKAGES   # shared + the four services
    assert findings() == [], (
        "session state on a pooled connection would leak into the next request: use SET LOCAL, "
        "pg_advisory_xact_lock, ON COMMIT DROP, or a connection of its own (asyncpg.connect)")


def test_the_exemptions_still_exist():
    for rel in OWN_CONNECTION:
        assert (ROOT / rel).exists(), rel


def test_the_check_finds_what_it_looks_for():
    leaks = ["SET search_path = public", "SET statement_timeout TO 0", "SELECT 1; SET SESSION work_mem = '1GB'",
             "SELECT set_config('app.user', $1, false)", "SELECT pg_advisory_lock($1)",
             "SELECT pg_try_advisory_lock(hashtext($1))", "LISTEN calls", "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
             "PREPARE q AS SELECT 1", "CREATE TEMP TABLE incoming (id text)"]
    for sql in leaks:
        assert session_state_in(sql), sql
    fine = ["UPDATE capacity SET booked = booked + $4 WHERE center = $1", "SET LOCAL lock_timeout = '1s'",
            "SELECT set_config('app.user', $1, true)", "SELECT pg_advisory_xact_lock($1)",
            "CREATE TEMP TABLE incoming (id text) ON COMMIT DROP", "Set the capacity of a date",
            "INSERT INTO t VALUES ($1) ON CONFLICT (id) DO UPDATE SET x = EXCLUDED.x"]
    for sql in fine:
        assert not session_state_in(sql), sql
