"""A broker user per service for one test vhost (shared.broker_access), with random
passwords, deleted at the end. Users are global to the broker, so their names carry the
vhost's (unique) name as a prefix."""
from __future__ import annotations

import secrets
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shared.broker_access import service_url, user_name, vhost_of
from shared.contracts.producers import SERVICES
from shared.ops.create_broker_users import apply, delete


@dataclass
class ServiceUsers:
    prefix: str = ""
    urls: dict[str, str] = field(default_factory=dict)   # service -> its AMQP URL

    @property
    def env(self) -> dict[str, str]:
        """What every process of the system is given besides its own AMQP_URL."""
        return {"BROKER_USER_PREFIX": self.prefix} if self.urls else {"EVENTS_VERIFY_PUBLISHER": "false"}


@contextmanager
def service_users(amqp_url: str, exchange: str = "cardcenter.events"):
    """Users for the vhost of ``amqp_url`` when this machine's broker can be administered
    (as the test vhosts are); otherwise none, and the publisher check is off."""
    vhost = vhost_of(amqp_url)
    if not shutil.which("rabbitmqctl") or urlsplit(amqp_url).hostname not in ("127.0.0.1", "localhost") or vhost == "/":
        yield ServiceUsers()
        return
    prefix = f"{vhost}."
    passwords = {s: secrets.token_urlsafe(16) for s in SERVICES}
    apply(vhost, passwords, prefix=prefix, exchange=exchange)
    try:
        yield ServiceUsers(prefix, {s: service_url(amqp_url, user_name(s, prefix), passwords[s]) for s in SERVICES})
    finally:
        delete(prefix)
