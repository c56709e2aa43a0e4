"""Create (or update) the RabbitMQ user of each service, with its permissions and topic
permissions on the events exchange (shared.broker_access). Idempotent: run it again after a
password or a contract changes.

    python -m shared.ops.create_broker_users [--vhost /] [--prefix ""] [--dev]
    python -m shared.ops.create_broker_users --definitions-out defs.json   # write, apply elsewhere
    python -m shared.ops.create_broker_users --delete [--prefix P]

Passwords come from ``BROKER_PASSWORD_<SERVICE>`` (e.g. BROKER_PASSWORD_BOOKING); ``--dev``
uses the local run's fixed ones for any that is unset. Applied with ``rabbitmqctl
import_definitions`` on this machine's broker (one call; the management plugin is not needed);
``--definitions-out`` writes the same document for ``rabbitmqctl import_definitions``,
``load_definitions`` or the management API's ``POST /api/definitions`` elsewhere.
Exit status: 0 done, 1 rabbitmqctl failed, 2 a password is missing."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from shared.broker_access import definitions, dev_password, password_hash, user_name
from shared.contracts.producers import SERVICES


def passwords_from_env(env: dict[str, str], *, dev: bool) -> dict[str, str]:
    out = {}
    for service in SERVICES:
        value = env.get(f"BROKER_PASSWORD_{service.upper()}") or (dev_password(service) if dev else None)
        if not value:
            raise SystemExit(f"create_broker_users: BROKER_PASSWORD_{service.upper()} is not set (or use --dev)")
        out[service] = value
    return out


def rabbitmqctl(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=timeout)


def apply(vhost: str, passwords: dict[str, str], *, prefix: str = "", exchange: str = "cardcenter.events") -> None:
    """Import the users and their permissions into this machine's broker."""
    doc = definitions(vhost, passwords, prefix=prefix, exchange=exchange)
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(doc, f)
        f.flush()
        os.chmod(f.name, 0o644)  # the broker's CLI may run as another user
        done = rabbitmqctl("import_definitions", f.name)
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl import_definitions failed: {done.stderr.strip()[:500]}")


def with_dev_admin(doc: dict[str, Any], vhost: str) -> dict[str, Any]:
    """The vhost and the local-development administrator (guest/guest) besides the users."""
    admin = {"name": "guest", "password_hash": password_hash("guest"),
             "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["administrator"]}
    return {"vhosts": [{"name": vhost}], "users": [admin, *doc["users"]],
            "permissions": [{"user": "guest", "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"},
                            *doc["permissions"]],
            "topic_permissions": doc["topic_permissions"]}


def delete(prefix: str = "") -> None:
    for service in SERVICES:
        rabbitmqctl("delete_user", user_name(service, prefix))  # a missing user is fine


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m shared.ops.create_broker_users", description=__doc__.split("\n")[0])
    p.add_argument("--vhost", default="/")
    p.add_argument("--prefix", default=os.environ.get("BROKER_USER_PREFIX", ""), help="user name prefix")
    p.add_argument("--exchange", default=os.environ.get("EVENTS_EXCHANGE", "cardcenter.events"))
    p.add_argument("--dev", action="store_true", help="the local run's passwords for any BROKER_PASSWORD_* unset")
    p.add_argument("--definitions-out", help="write the definitions document here instead of applying it")
    p.add_argument("--with-dev-admin", action="store_true",
                   help="with --definitions-out: also the vhost and guest/guest as administrator (compose,"
                        " where the broker loads the file at boot and then creates no default user)")
    p.add_argument("--delete", action="store_true", help="delete the users")
    args = p.parse_args(argv)
    if args.delete:
        delete(args.prefix)
        return 0
    try:
        passwords = passwords_from_env(dict(os.environ), dev=args.dev)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.definitions_out:
        doc = definitions(args.vhost, passwords, prefix=args.prefix, exchange=args.exchange)
        if args.with_dev_admin:
            doc = with_dev_admin(doc, args.vhost)
        with open(args.definitions_out, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        return 0
    try:
        apply(args.vhost, passwords, prefix=args.prefix, exchange=args.exchange)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"create_broker_users: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"vhost": args.vhost, "users": [user_name(s, args.prefix) for s in SERVICES]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
