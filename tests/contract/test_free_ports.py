"""The ports the tests' servers are started on (testsupport.fixtures.free_port): outside the
kernel's ephemeral range, so no outgoing connection can take one between the pick and the
server's bind (a CI run lost its gateway so: nginx's "Address already in use"), never the
same twice in one process, and never one something is bound to."""
from __future__ import annotations

import socket
from pathlib import Path

from testsupport import fixtures


def _ephemeral() -> range:
    low, high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    return range(low, high + 1)


def test_ports_are_outside_the_ephemeral_range_distinct_and_bindable():
    ports = [fixtures.free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert not [p for p in ports if p in _ephemeral()], ports[:10]
    for port in ports[:20]:
        with socket.socket() as s:
            s.bind(("0.0.0.0", port))   # as nginx listens


def test_a_port_something_is_bound_to_is_skipped(monkeypatch):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        candidate = fixtures._PORTS[0]
        held.close()
    with socket.socket() as held:
        held.bind(("127.0.0.1", candidate))   # bound on one address only
        monkeypatch.setattr(fixtures, "_next_port", [0])
        assert fixtures.free_port() != candidate
