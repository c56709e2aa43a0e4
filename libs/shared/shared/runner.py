"""``python -m <service>``: serve (HTTP API, consumers and relay in one process) or migrate."""
from __future__ import annotations

import argparse
import asyncio
import gc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from aiohttp import web

from shared.db import ensure_database
from shared.event_loop import new_event_loop
from shared.logging import configure_logging, get_logger
from shared.malloc_tuning import limit_arenas, trim
from shared.migrations import migrate
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


async def release_startup_memory(app: web.Application) -> None:
    """Collects the start-up's cyclic garbage, then trims the malloc heap (shared.malloc_tuning)."""
    gc.collect()
    trim()


def main(settings_cls: type[S], create_app: Callable[[S], web.Application],
         migrations: Path, argv: list[str] | None = None,
         extra_commands: dict[str, Callable[[S, argparse.Namespace], int]] | None = None,
         configure_parser: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] | None = None,
         ) -> int:
    settings = settings_cls()
    configure_logging(settings.service_name, settings.log_level)
    parser = argparse.ArgumentParser(prog=f"python -m {settings.service_name}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the HTTP API, the consumers and the outbox relay (default)")
    sub.add_parser("migrate", help="create the database if needed and apply migrations, then exit")
    if configure_parser:
        configure_parser(sub)
    args = parser.parse_args(argv)
    command = args.command or "serve"
    if command == "migrate":
        async def run() -> None:
            await ensure_database(settings.database_url)
            applied = await migrate(settings.database_url, settings.db_schema, migrations)
            get_logger().info("migrated", applied=len(applied))
        asyncio.run(run())
        return 0
    if command == "serve":
        # Before any thread starts: the worker threads share two malloc arenas (issue 20).
        limit_arenas()
        # SIGTERM and SIGINT: stop accepting, run on_shutdown (consumers, relay), then cleanup.
        # On the loop EVENT_LOOP names (uvloop by default); run_app closes it at the end.
        loop = new_event_loop(settings.event_loop)
        asyncio.set_event_loop(loop)
        app = create_app(settings)
        # Last start-up hook: what imports and start-up freed goes back to the OS (issue 20: idle RSS).
        app.on_startup.append(release_startup_memory)
        web.run_app(app, host=settings.host, port=settings.port,
                    print=None, shutdown_timeout=15, access_log=None, loop=loop)
        return 0
    assert extra_commands and command in extra_commands
    return extra_commands[command](settings, args)
