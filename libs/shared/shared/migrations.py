"""Ordered SQL migrations per schema. Each file runs once, in its own transaction, and is
recorded with its checksum; an advisory lock per schema makes replicas starting together
migrate once. Shared tables (outbox, inbox) come first, from this package's own folder."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.db import check_schema_name
from shared.logging import get_logger

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger(__name__)


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str      # e.g. "shared/0001_outbox" or "booking/0002_capacity"
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(*folders: tuple[str, Path]) -> list[Migration]:
    found: list[Migration] = []
    for namespace, folder in folders:
        for path in sorted(Path(folder).glob("*.sql")):
            found.append(Migration(f"{namespace}/{path.stem}", path.read_text(encoding="utf-8")))
    return found


def _lock_key(schema: str) -> int:
    return int.from_bytes(hashlib.sha256(f"migrate:{schema}".encode()).digest()[:8], "big", signed=True)


async def migrate(dsn: str, schema: str, service_folder: Path | None, *,
                  include_shared: bool = True) -> list[str]:
    """Apply what has not run yet; return the versions applied by this call."""
    check_schema_name(schema)
    folders: list[tuple[str, Path]] = []
    if include_shared:
        folders.append(("shared", SHARED_MIGRATIONS))
    if service_folder is not None:
        folders.append((schema, service_folder))
    migrations = load_migrations(*folders)
    conn = await asyncpg.connect(dsn, server_settings={"search_path": f"{schema},public"})
    applied: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _lock_key(schema))
        try:
            # A service's role owns its schema but may not create schemas (and CREATE SCHEMA
            # IF NOT EXISTS checks that right first): create only what is missing.
            if not await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema):
                await conn.execute(f'CREATE SCHEMA "{schema}"')
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())")
            done = {r["version"]: r["checksum"] for r in await conn.fetch(
                "SELECT version, checksum FROM schema_migrations")}
            for m in migrations:
                if m.version in done:
                    if done[m.version] != m.checksum:
                        raise MigrationError(f"{schema}: migration {m.version} changed after it was applied")
                    continue
                async with conn.transaction():
                    await conn.execute(m.sql)
                    await conn.execute("INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                                       m.version, m.checksum)
                applied.append(m.version)
                log.info("migration_applied", schema=schema, version=m.version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _lock_key(schema))
    finally:
        await conn.close()
    return applied
