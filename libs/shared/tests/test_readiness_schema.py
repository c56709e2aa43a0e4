"""/readyz refuses while the database lags the code's migrations (a release whose migration
Job has not finished), on the real PostgreSQL and RabbitMQ, and accepts a schema ahead of
the code (the next release migrated first)."""
from __future__ import annotations

from pathlib import Path


from shared.app import RUNTIME_KEY, Runtime, create_base_app
from shared.migrations import migrate
from shared.settings import ServiceSettings


def write(folder: Path, name: str, sql: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(sql)


async def ready(client) -> tuple[int, dict]:
    r = await client.get("/readyz")
    return r.status, await r.json()


async def test_readyz_is_503_schema_behind_until_the_migrations_ran(aiohttp_client, settings_for, database_url, tmp_path):
    schema = "svc_ready"
    folder = tmp_path / "migrations"
    write(folder, "0001_things.sql", "CREATE TABLE things (id int PRIMARY KEY);")
    write(folder, "0002_more.sql", "ALTER TABLE things ADD COLUMN name text;")
    # As the Deployments run: the process does not migrate, the migration Job does.
    settings = settings_for(ServiceSettings, db_schema=schema, migrate_on_start=False)
    app = create_base_app(Runtime(settings, folder))
    client = await aiohttp_client(app)
    await app[RUNTIME_KEY].bus.wait_ready(10)

    # Nothing applied: no schema_migrations table at all.
    status, body = await ready(client)
    assert status == 503
    assert body["checks"] == {"database": "ok", "broker": "ok", "schema": "behind"}
    assert body["missing_migrations"] == ["shared/0001_outbox", "shared/0002_inbox",
                                          "svc_ready/0001_things", "svc_ready/0002_more"]

    # The previous release's schema: one of this code's migrations missing.
    first = tmp_path / "previous"
    write(first, "0001_things.sql", (folder / "0001_things.sql").read_text())
    await migrate(database_url, schema, first)
    status, body = await ready(client)
    assert (status, body["checks"]["schema"], body["missing_migrations"]) == (503, "behind", ["svc_ready/0002_more"])

    # The migration Job ran: ready.
    await migrate(database_url, schema, folder)
    status, body = await ready(client)
    assert status == 200, body
    assert body["checks"] == {"database": "ok", "broker": "ok", "schema": "ok"}
    assert "missing_migrations" not in body

    # The next release migrated before this one stopped (expand/contract): still ready.
    write(tmp_path / "next", "0001_things.sql", (folder / "0001_things.sql").read_text())
    write(tmp_path / "next", "0002_more.sql", (folder / "0002_more.sql").read_text())
    write(tmp_path / "next", "0003_next.sql", "ALTER TABLE things ADD COLUMN extra text;")
    await migrate(database_url, schema, tmp_path / "next")
    status, body = await ready(client)
    assert status == 200, body


async def test_readyz_reports_the_database_and_not_the_schema_when_postgres_is_unreachable(aiohttp_client, settings_for):
    settings = settings_for(ServiceSettings, db_schema="svc_ready_down", migrate_on_start=False)
    app = create_base_app(Runtime(settings, None))
    client = await aiohttp_client(app)
    await migrate(settings.database_url, "svc_ready_down", None)
    await app[RUNTIME_KEY].db.close()  # every connection gone: acquiring fails
    status, body = await ready(client)
    assert status == 503
    assert body["checks"]["database"] != "ok" and body["checks"]["schema"] == "unknown"
    assert "missing_migrations" not in body
