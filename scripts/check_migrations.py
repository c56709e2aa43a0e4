"""The expand/contract rule for migrations (docs/operations.md, "Migrations across a rolling
deploy"), checked on every migration file: .venv/bin/python scripts/check_migrations.py

Migrations run before a release's pods serve, while the previous release's pods still do,
and a rollback brings that code back over the new schema. So a migration may only *expand*:
add tables, nullable columns or columns with a default, indexes, functions. Anything that
can break the previous release's reads or writes is a *contract* step:

  DROP (table, column, index, constraint, function, ...), RENAME, SET SCHEMA, TRUNCATE,
  ALTER COLUMN ... TYPE, SET NOT NULL on a column without a default, DROP NOT NULL,
  DROP DEFAULT, ADD COLUMN ... NOT NULL without a default, ADD CONSTRAINT and
  CREATE UNIQUE INDEX on an existing table (they refuse writes the old code may make).

Objects created in the same file are exempt (no earlier release knows them). A contract
step is allowed only with a line in the file

  -- contract: <git commit or tag of the release whose code no longer needs it> <why>

and only when, in git: that ref is an ancestor of HEAD, the migration did not exist yet at
that ref (it ships in a later release), and no name it drops or renames occurs, as a word,
in the code that ran at that ref (the service's package; libs/shared for shared migrations).

Parsing is PostgreSQL's own parser (pglast, libpg_query). Exit status 1 with one line per
violation, 0 when every migration keeps the rule.
"""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pglast import parse_sql
from pglast.enums import AlterTableType, ConstrType
from pglast.parser import ParseError

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("identity", "booking", "allocator", "notifier")
CONTRACT_MARK = re.compile(r"^--\s*contract:\s*(\S+)\s+(\S.*)$", re.MULTILINE)
_HAS_DEFAULT = (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED)


@dataclass(frozen=True)
class Violation:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass
class Source:
    """One set of migrations run in order into one schema, and the code that uses it."""
    folders: list[Path]            # in the order migrate() runs them (shared first)
    code_paths: list[str]          # repo-relative: where the previous release's code lives


@dataclass
class FileReport:
    path: Path
    contract: list[str] = field(default_factory=list)   # why this file is a contract step
    removed_names: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)     # unparseable


def _name(rangevar) -> str:
    return rangevar.relname


def _object_name(obj) -> str:
    """schema.table for a table or index, the name of a function, a type's name."""
    if isinstance(obj, tuple):
        return ".".join(getattr(part, "sval", "") for part in obj)
    for attr in ("objname", "names"):         # ObjectWithArgs (functions), TypeName
        if getattr(obj, attr, None):
            return ".".join(part.sval for part in getattr(obj, attr))
    return getattr(obj, "sval", type(obj).__name__)


def _defaults(column_def) -> tuple[bool, bool]:
    """(has a default or is generated, is NOT NULL) for a column definition."""
    kinds = {c.contype for c in (column_def.constraints or ())}
    # identity / generated are one-character codes, NUL when absent
    has_default = (bool(kinds & set(_HAS_DEFAULT))
                   or (column_def.identity or "\0") != "\0" or (column_def.generated or "\0") != "\0")
    return has_default, ConstrType.CONSTR_NOTNULL in kinds or ConstrType.CONSTR_PRIMARY in kinds


def examine(path: Path, defaults: dict[tuple[str, str], bool]) -> FileReport:
    """What in one file is a contract step; ``defaults`` ((table, column) -> has a default)
    is the schema so far, updated with what this file adds."""
    report = FileReport(path)
    try:
        statements = parse_sql(path.read_text(encoding="utf-8"))
    except ParseError as exc:
        report.errors.append(f"cannot parse: {exc}")
        return report
    new_tables: set[str] = set()
    new_columns: set[tuple[str, str]] = set()

    def contract(what: str, *names: str) -> None:
        report.contract.append(what)
        report.removed_names.update(n for n in names if n)

    for raw in statements:
        stmt = raw.stmt
        kind = type(stmt).__name__
        if kind == "CreateStmt":
            table = _name(stmt.relation)
            new_tables.add(table)
            for elt in stmt.tableElts or ():
                if type(elt).__name__ == "ColumnDef":
                    defaults[(table, elt.colname)] = _defaults(elt)[0]
                    new_columns.add((table, elt.colname))
        elif kind == "DropStmt":
            names = [_object_name(obj) for obj in stmt.objects or ()]
            if not all(n.split(".")[-1] in new_tables for n in names):
                contract(f"DROP {stmt.removeType.name.removeprefix('OBJECT_')} {', '.join(names)}",
                         *(n.split(".")[-1] for n in names))
        elif kind == "RenameStmt":
            old = stmt.subname or (_name(stmt.relation) if stmt.relation else "")
            contract(f"RENAME {stmt.renameType.name.removeprefix('OBJECT_')} {old} TO {stmt.newname}", old)
        elif kind == "AlterObjectSchemaStmt":
            contract(f"SET SCHEMA {stmt.newschema}", _name(stmt.relation) if stmt.relation else "")
        elif kind == "TruncateStmt":
            contract("TRUNCATE " + ", ".join(_name(r) for r in stmt.relations))
        elif kind == "IndexStmt":
            if stmt.unique and _name(stmt.relation) not in new_tables:
                contract(f"CREATE UNIQUE INDEX {stmt.idxname} ON existing table {_name(stmt.relation)}")
        elif kind == "AlterTableStmt" and stmt.relation is not None:
            table = _name(stmt.relation)
            for cmd in stmt.cmds or ():
                _alter(table, cmd, table in new_tables, new_columns, defaults, contract)
    return report


def _alter(table, cmd, new_table, new_columns, defaults, contract) -> None:
    sub, col = cmd.subtype, cmd.name
    existing_column = not new_table and (table, col) not in new_columns
    if sub == AlterTableType.AT_AddColumn:
        has_default, not_null = _defaults(cmd.def_)
        defaults[(table, cmd.def_.colname)] = has_default
        new_columns.add((table, cmd.def_.colname))
        if not_null and not has_default and not new_table:
            contract(f"ADD COLUMN {table}.{cmd.def_.colname} NOT NULL without a default")
    elif sub == AlterTableType.AT_ColumnDefault:
        if cmd.def_ is not None:
            defaults[(table, col)] = True
        elif existing_column:
            contract(f"DROP DEFAULT of {table}.{col}")
    elif new_table:
        return
    elif sub == AlterTableType.AT_DropColumn:
        contract(f"DROP COLUMN {table}.{col}", col)
    elif sub == AlterTableType.AT_AlterColumnType and existing_column:
        contract(f"ALTER COLUMN {table}.{col} TYPE")
    elif sub == AlterTableType.AT_SetNotNull and existing_column and not defaults.get((table, col), False):
        contract(f"SET NOT NULL on {table}.{col}, a column without a default")
    elif sub == AlterTableType.AT_DropNotNull and existing_column:
        contract(f"DROP NOT NULL on {table}.{col} (the old code may not expect NULL)")
    elif sub == AlterTableType.AT_DropConstraint:
        contract(f"DROP CONSTRAINT {col} of {table}", col)
    elif sub == AlterTableType.AT_AddConstraint:
        contract(f"ADD CONSTRAINT {cmd.def_.conname or ''} on existing table {table}".replace("  ", " "))


# ---- git: the release the contract note names ---------------------------------------

def _rel(path: Path, repo: Path) -> str:
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:          # a scratch folder outside the repository
        return path.as_posix()


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def check_contract(report: FileReport, repo: Path, code_paths: list[str]) -> list[str]:
    """Why the file's contract note does not hold (empty: it holds)."""
    rel = _rel(report.path, repo)
    marks = CONTRACT_MARK.findall(report.path.read_text(encoding="utf-8"))
    if not marks:
        return ["a contract step without a '-- contract: <release commit or tag> <why>' line: "
                + "; ".join(report.contract)]
    ref = marks[0][0]
    found = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if found.returncode != 0:
        return [f"contract names {ref!r}, which is no commit here (a shallow clone? fetch the history)"]
    commit = found.stdout.strip()
    if _git(repo, "merge-base", "--is-ancestor", commit, "HEAD").returncode != 0:
        return [f"contract names {ref}, which is not an earlier release of this branch"]
    if _git(repo, "cat-file", "-e", f"{commit}:{rel}").returncode == 0:
        return [f"the migration exists at {ref} already: a contract step ships in a release after the "
                "one whose code stopped needing what it removes"]
    problems = []
    for name in sorted(report.removed_names):
        used = _git(repo, "grep", "-l", "-w", "-I", "-F", name, commit, "--", *code_paths)
        if used.returncode == 0:
            files = ", ".join(line.split(":", 1)[1] for line in used.stdout.split())
            problems.append(f"{name!r} is still used by the code of {ref}: {files}")
    return problems


# ---- the repository -------------------------------------------------------------------

def sources(repo: Path = REPO) -> list[Source]:
    shared = repo / "libs/shared/shared/migrations"
    return [Source([shared, repo / f"services/{s}/migrations"],
                   [f"services/{s}/{s}", "libs/shared/shared", ":!libs/shared/shared/migrations"])
            for s in SERVICES]


def check(sources_: list[Source], repo: Path = REPO) -> list[Violation]:
    violations: dict[tuple[str, str], Violation] = {}
    for source in sources_:
        defaults: dict[tuple[str, str], bool] = {}
        for folder in source.folders:
            for path in sorted(folder.glob("*.sql")):
                report = examine(path, defaults)
                problems = report.errors + (check_contract(report, repo, source.code_paths)
                                            if report.contract else [])
                for p in problems:
                    v = Violation(_rel(path, repo), p)
                    violations[(v.file, v.reason)] = v
    return list(violations.values())


def main() -> int:
    found = check(sources())
    for v in found:
        print(v)
    print(f"{len(found)} violation(s) of the expand/contract rule" if found
          else "every migration keeps the expand/contract rule")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
