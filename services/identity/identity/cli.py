"""``python -m identity create-user``: the operator makes staff and admin accounts (and
agents) without an SMS code. The password is read from standard input, never an argument
(arguments show up in ``ps`` and shell history)."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from shared.app import Runtime
from shared.db import Database, create_pool
from shared.errors import AppError
from shared.migrations import migrate

from identity.app import MIGRATIONS
from identity.domain.users import Role
from identity.service.commands import CreateUser
from identity.service.registration import create_user
from identity.service.context import IdentityContext
from identity.settings import IdentitySettings

COMMAND = "create-user"


def add_create_user_parser(sub) -> None:
    """For shared.runner.main's ``configure_parser`` (it passes the subparsers)."""
    p = sub.add_parser(COMMAND, help="create a user; the password is read from standard input")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True, help="the real name")
    p.add_argument("--phone", required=True)
    p.add_argument("--role", action="append", choices=[r.value for r in Role],
                   help="agent, staff or admin (repeatable; every user is an agent)")
    p.add_argument("--email")
    p.add_argument("--org-code")


def read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def create_user_command(settings: IdentitySettings, args: argparse.Namespace) -> int:
    """Exit 0 with the new user's id on stdout; 1 with the refusal's code on stderr."""
    cmd = CreateUser(username=args.username, name=args.name, phone=args.phone, roles=tuple(args.role or ()),
                     password=read_password(), email=args.email, org_code=args.org_code)
    try:
        user = asyncio.run(_create(settings, cmd))
    except AppError as exc:
        errors = exc.extra.get("errors") or []
        fields = "".join(f"\n  {e['field']}: {e['message']}" for e in errors)
        print(f"error: {exc.code}: {exc.detail}{fields}", file=sys.stderr)
        return 1
    print(f"created user {user.id} ({user.username}) with roles {','.join(user.sorted_roles())}")
    return 0


async def _create(settings: IdentitySettings, cmd: CreateUser):
    if settings.migrate_on_start:
        await migrate(settings.database_url, settings.db_schema, MIGRATIONS)
    runtime = Runtime(settings, MIGRATIONS)
    pool = await create_pool(settings.database_url, settings.db_schema, min_size=1, max_size=2,
                             application_name=f"{settings.service_name}-cli")
    runtime.db = Database(pool, settings.db_schema, settings.db_acquire_timeout)
    try:
        # The event goes to the outbox; the running service's relay publishes it.
        return await create_user(IdentityContext.build(runtime), cmd)
    finally:
        await runtime.db.close()
