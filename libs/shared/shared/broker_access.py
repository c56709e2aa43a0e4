"""The RabbitMQ user of each service and what it may do (docs/security.md "Events").

Permissions are regexes over resource names (queues and exchanges alike) and, for the topic
exchange, over routing keys:
- configure: the suite's three exchanges and the unrouted queue (every service declares the
  topology at start) and the service's own queues ``<service>.*`` (queue, retries, dead);
- write: publishing to the events, dead-letter and default exchanges, and binding its own
  queues (a bind needs write on the queue);
- read: consuming its own queues and binding them to the suite's exchanges;
- topic write on ``cardcenter.events``: only the routing keys it produces
  (shared.contracts.producers), so booking publishing ``identity.*`` is refused by the broker;
- topic read: only the keys it consumes, so it cannot bind a queue to another's events.
Publishing to the default exchange reaches any queue by name; a message sent that way still
carries its publisher's broker-checked user_id, which every consumer matches against the
producers allowed for the event type (shared.publisher_check)."""
from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from shared.contracts.producers import CONSUMED, SERVICES, published_by


def _any_of(names: Iterable[str]) -> str:
    names = list(names)
    return "^(" + "|".join(re.escape(n) for n in names) + ")$" if names else "^$"


def permissions(service: str, exchange: str = "cardcenter.events") -> dict[str, str]:
    """configure / write / read regexes for ``service`` on the vhost."""
    shared = [exchange, f"{exchange}.dead", f"{exchange}.unrouted"]
    own = f"{re.escape(service)}\\..+"
    names = "|".join([*(re.escape(n) for n in shared), own])
    return {"configure": f"^({names})$",
            "write": f"^({names}|amq\\.default)$",
            "read": f"^({names})$"}


def topic_permissions(service: str, exchange: str = "cardcenter.events") -> dict[str, str]:
    return {"exchange": exchange, "write": _any_of(published_by(service)), "read": _any_of(CONSUMED[service])}


def user_name(service: str, prefix: str = "") -> str:
    return f"{prefix}{service}"


def dev_password(service: str) -> str:
    """The local run's passwords (loopback broker only); deployments pass their own."""
    return f"{service}-dev"


def service_url(base_url: str, user: str, password: str) -> str:
    """``base_url`` (host, port, vhost) with this user's credentials."""
    p = urlsplit(base_url)
    host = p.hostname or "127.0.0.1"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (f":{p.port}" if p.port else "")
    return urlunsplit((p.scheme, netloc, p.path or "/", p.query, ""))


def vhost_of(url: str) -> str:
    from urllib.parse import unquote
    path = urlsplit(url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def password_hash(password: str) -> str:
    """rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(vhost: str, passwords: dict[str, str], *, prefix: str = "",
                exchange: str = "cardcenter.events") -> dict[str, Any]:
    """The users, permissions and topic permissions as a RabbitMQ definitions document
    (``rabbitmqctl import_definitions``, ``load_definitions`` or POST /api/definitions):
    importing it again updates them in place."""
    users, perms, topics = [], [], []
    for service in SERVICES:
        name = user_name(service, prefix)
        users.append({"name": name, "password_hash": password_hash(passwords[service]),
                      "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []})
        perms.append({"user": name, "vhost": vhost, **permissions(service, exchange)})
        topics.append({"user": name, "vhost": vhost, **topic_permissions(service, exchange)})
    return {"users": users, "permissions": perms, "topic_permissions": topics}


if __name__ == "__main__":   # ``python -m shared.broker_access vhost``: AMQP_URL's vhost (scripts/run)
    import sys
    if sys.argv[1:] == ["vhost"]:
        print(vhost_of(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")))
