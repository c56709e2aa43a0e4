"""One PostgreSQL role per service, owning its schema and nothing else.

    python -m shared.ops.create_roles [--admin-url URL] [--prefix cardcenter_] [--print-env]

Run with an administrator's connection (a superuser, or the database owner with CREATEROLE),
before the migrations, at every release (it is idempotent). For each of identity, booking,
allocator and notifier it:

- creates the role (LOGIN, no superuser, no CREATEDB, no CREATEROLE) or brings an existing one
  back to those attributes; its name and password come from ``<SERVICE>_DATABASE_URL`` when
  that is set (the same Secret the service reads), else the role is ``<prefix><service>``
  with no password (trust, certificate or IAM authentication);
- gives it CONNECT and TEMPORARY on the database and makes it the owner of its schema (created when
  missing) and of every object already in it (a deployment that ran under one role adopts
  its tables in place);
- and no right on any other schema: schemas are created without PUBLIC grants, and CREATE on
  ``public`` is taken from PUBLIC (PostgreSQL 15's default, made explicit for older servers).

It creates the database when missing, and the extensions the migrations use (pg_trgm), since a service role may not.
The admin URL is ``--admin-url`` or ``DATABASE_ADMIN_URL`` or ``DATABASE_URL``. Passwords
never reach the output. Exit status 0 done, 2 bad arguments or no database.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import asyncpg

from shared.db import database_name, ensure_database

SERVICES = ("identity", "booking", "allocator", "notifier")   # each owns the schema of its name
EXTENSIONS = ("pg_trgm",)                                      # CREATE EXTENSION needs more than a service role
DEFAULT_PREFIX = "cardcenter_"
_LOCK_KEY = 0x63617264726F6C65   # "cardrole": one bootstrap at a time per cluster


@dataclass(frozen=True)
class ServiceRole:
    service: str                 # also the schema it owns
    role: str
    password: str | None = None

    def __repr__(self) -> str:   # the password stays out of logs and tracebacks
        return f"ServiceRole(service={self.service!r}, role={self.role!r})"


def roles_for(prefix: str = DEFAULT_PREFIX, env: Mapping[str, str] | None = None) -> list[ServiceRole]:
    """The role each service connects as: from ``<SERVICE>_DATABASE_URL`` when set, else
    ``<prefix><service>``."""
    env = os.environ if env is None else env
    roles = []
    for service in SERVICES:
        url = env.get(f"{service.upper()}_DATABASE_URL")
        parts = urlsplit(url) if url else None
        if parts is not None and parts.username:
            password = unquote(parts.password) if parts.password else None
            roles.append(ServiceRole(service, unquote(parts.username), password))
        else:
            roles.append(ServiceRole(service, f"{prefix}{service}"))
    return roles


def url_for_role(admin_url: str, role: ServiceRole) -> str:
    """``admin_url`` (same host and database) connecting as ``role``."""
    parts = urlsplit(admin_url)
    user = quote(role.role, safe="")
    if role.password:
        user += ":" + quote(role.password, safe="")
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


async def create_roles(admin_url: str, roles: list[ServiceRole]) -> None:
    database = database_name(admin_url)
    await ensure_database(admin_url)
    conn = await asyncpg.connect(admin_url)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            for ext in EXTENSIONS:
                await conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{ext}" WITH SCHEMA public')
            await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            # Only the roles granted below (and the owner) may connect or make temp tables.
            await _run(conn, "REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC", database)
            for r in roles:
                await _ensure_role(conn, r)
                # TEMPORARY: the allocator stages its rows in temp tables (private to a session).
                await _run(conn, "GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I", database, r.role)
                await _own_schema(conn, r)
    finally:
        await conn.close()


async def _run(conn: asyncpg.Connection, template: str, *args: str) -> None:
    """DDL with identifiers and literals quoted by the server's format() (%I, %L)."""
    await conn.execute(await conn.fetchval(f"SELECT format($1, {', '.join(f'${i + 2}::text' for i in range(len(args)))})",
                                           template, *args))


async def _ensure_role(conn: asyncpg.Connection, r: ServiceRole) -> None:
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", r.role)
    verb = "ALTER" if exists else "CREATE"
    attrs = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    if r.password:
        await _run(conn, f"{verb} ROLE %I {attrs} PASSWORD %L", r.role, r.password)
    else:
        await _run(conn, f"{verb} ROLE %I {attrs}", r.role)


async def _own_schema(conn: asyncpg.Connection, r: ServiceRole) -> None:
    if await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", r.service):
        await _run(conn, "ALTER SCHEMA %I OWNER TO %I", r.service, r.role)
    else:
        await _run(conn, "CREATE SCHEMA %I AUTHORIZATION %I", r.service, r.role)
    await _run(conn, "REVOKE ALL ON SCHEMA %I FROM PUBLIC", r.service)
    # Adopt what an earlier single-role deployment created there. Sequences owned by a
    # column follow their table; array and row types follow theirs.
    for name, kind in await conn.fetch(
            """SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                 AND pg_get_userbyid(c.relowner) <> $2
                 AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                          AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))""",
            r.service, r.role):
        what = {"v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE", "S": "SEQUENCE"}.get(kind, "TABLE")
        await _run(conn, f"ALTER {what} %I.%I OWNER TO %I", r.service, name, r.role)
    for (signature,) in await conn.fetch(
            """SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = $1 AND pg_get_userbyid(p.proowner) <> $2""", r.service, r.role):
        await conn.execute(f"ALTER ROUTINE {signature} OWNER TO {await _ident(conn, r.role)}")
    for (name,) in await conn.fetch(
            """SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
               WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0
                 AND pg_get_userbyid(t.typowner) <> $2""", r.service, r.role):
        await _run(conn, "ALTER TYPE %I.%I OWNER TO %I", r.service, name, r.role)


async def _ident(conn: asyncpg.Connection, name: str) -> str:
    quoted: str = await conn.fetchval("SELECT quote_ident($1)", name)
    return quoted


async def drop_roles_named(admin_url: str, prefix: str) -> list[str]:
    """Drop every role whose name starts with ``prefix`` (tests: ``<test database>_``), after
    the database they worked in is gone. Returns the names dropped."""
    conn = await asyncpg.connect(admin_url)
    try:
        names = [n for (n,) in await conn.fetch(
            "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname", prefix)]
        for name in names:
            await _run(conn, "DROP ROLE IF EXISTS %I", name)
        return names
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m shared.ops.create_roles", description=__doc__.split("\n\n")[0])
    p.add_argument("--admin-url", default=os.environ.get("DATABASE_ADMIN_URL") or os.environ.get("DATABASE_URL"),
                   help="an administrator's connection to the suite's database "
                        "(default: $DATABASE_ADMIN_URL, else $DATABASE_URL)")
    p.add_argument("--prefix", default=DEFAULT_PREFIX,
                   help="role name prefix for services without <SERVICE>_DATABASE_URL (default: %(default)s)")
    p.add_argument("--print-env", action="store_true",
                   help="print `export <SERVICE>_DATABASE_URL=...` for the services without one "
                        "(the local run evaluates it)")
    args = p.parse_args(argv)
    if not args.admin_url:
        p.error("no admin URL: give --admin-url or set DATABASE_ADMIN_URL")
    roles = roles_for(args.prefix)
    try:
        asyncio.run(create_roles(args.admin_url, roles))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    for r in roles:
        variable = f"{r.service.upper()}_DATABASE_URL"
        if args.print_env:
            if variable not in os.environ:   # never echo a URL given with its password
                print(f"export {variable}={shlex.quote(url_for_role(args.admin_url, r))}")
        else:
            print(f"role {r.role} owns schema {r.service}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
