"""Is the database's schema at least the one this code was written for?

/readyz asks this on every probe, so that a new release's pods receive no traffic until its
migrations have run (deploy/k8s/migrate, or ``<SERVICE>_MIGRATE_ON_START``): with
``maxUnavailable: 0`` the old pods keep serving meanwhile. Only *missing* migrations count:
a schema ahead of the code (the next release migrated first, expand/contract) is fine."""
from __future__ import annotations

from pathlib import Path

import asyncpg

from shared.db import check_schema_name
from shared.migrations import SHARED_MIGRATIONS, load_migrations


def expected_versions(schema: str, service_folder: Path | None) -> frozenset[str]:
    """The versions ``migrate`` would record for this code (shared ones first, as it runs them)."""
    folders = [("shared", SHARED_MIGRATIONS)]
    if service_folder is not None:
        folders.append((schema, service_folder))
    return frozenset(m.version for m in load_migrations(*folders))


async def missing_versions(conn: asyncpg.Connection, schema: str, expected: frozenset[str]) -> list[str]:
    """The expected versions the schema has not applied yet (all of them before the first
    migration, when there is no schema_migrations table)."""
    check_schema_name(schema)
    try:
        rows = await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return sorted(expected)
    return sorted(expected - {r["version"] for r in rows})
