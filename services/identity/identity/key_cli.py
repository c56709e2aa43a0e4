"""``python -m identity rotate-signing-key``: a new token signing key.

    rotate-signing-key --pem-out FILE   production: write a new Ed25519 key (PKCS#8 PEM, mode
                                        0600) to FILE for the Secret, print its kid; nothing
                                        else changes (docs/operations.md, "Rotating identity's
                                        signing key")
    rotate-signing-key                  dev and test: the key kept in the identity schema is
                                        replaced, the old one kept as the previous (JWKS serves
                                        both); identity signs with the new one once restarted
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys

from shared.clock import Clock
from shared.db import Database, create_pool
from shared.migrations import migrate
from shared.unit_of_work import UnitOfWork

from identity.app import MIGRATIONS
from identity.domain.signing_keys import SigningKey
from identity.service.server_keys import rotate_stored_signing_key
from identity.settings import IdentitySettings

COMMAND = "rotate-signing-key"


def add_rotate_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="add a new token signing key (the previous stays valid for verification)")
    p.add_argument("--pem-out", help="write the new key to this file (production: key files) instead of the database")


def rotate_signing_key_command(settings: IdentitySettings, args: argparse.Namespace) -> int:
    if args.pem_out:
        key = SigningKey.generate()
        try:
            fd = os.open(args.pem_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            print(f"error: {args.pem_out} exists; not overwritten", file=sys.stderr)
            return 1
        with os.fdopen(fd, "w") as f:
            f.write(key.private_pem())
        print(f"new signing key {key.kid} written to {args.pem_out}")
        return 0
    if settings.app_env == "prod" or settings.signing_key_file:
        print("error: this identity signs with a key file (IDENTITY_SIGNING_KEY_FILE): make the new key with "
              "--pem-out and mount it (docs/operations.md, \"Rotating identity's signing key\")", file=sys.stderr)
        return 1
    previous, new = asyncio.run(_rotate(settings))
    print(f"signing key rotated: new {new}, previous {previous or '(none)'}; restart identity to sign with it")
    return 0


async def _rotate(settings: IdentitySettings) -> tuple[str | None, str]:
    if settings.migrate_on_start:
        await migrate(settings.database_url, settings.db_schema, MIGRATIONS)
    pool = await create_pool(settings.database_url, settings.db_schema, min_size=1, max_size=1,
                             application_name=f"{settings.service_name}-cli")
    db = Database(pool, settings.db_schema, settings.db_acquire_timeout)
    try:
        # No app runs here: the unit of work the use case opens is made from the pool alone.
        return await rotate_stored_signing_key(lambda: UnitOfWork(db, Clock(), settings.service_name))
    finally:
        await db.close()
