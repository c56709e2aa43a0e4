"""The client's IP address, for the per-IP SMS limit.

X-Real-IP / X-Forwarded-For are set by the nginx gateway; anyone else can write them too.
They are believed only when the direct peer is loopback (the local gateway) or a
configured trusted proxy; otherwise the peer address is the client.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class ClientIpResolver:
    def __init__(self, trusted_proxies: Iterable[str] = ()) -> None:
        # A bad entry fails the start, not a request.
        self.trusted: tuple[Network, ...] = tuple(ipaddress.ip_network(p.strip(), strict=False)
                                                  for p in trusted_proxies)

    def is_trusted(self, addr) -> bool:
        if addr.version == 6 and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        return addr.is_loopback or any(addr in net for net in self.trusted if net.version == addr.version)

    def __call__(self, request: web.Request) -> str | None:
        peer = _ip(request.remote)
        if peer is None or not self.is_trusted(peer):
            return str(peer) if peer else None
        real = _ip(request.headers.get("X-Real-IP"))
        if real is not None:
            return str(real)
        # Each proxy appends the address it saw: read from the right, past our own proxies.
        # The left part is whatever the client wrote and is never believed.
        hops = [h for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        for hop in reversed(hops):
            addr = _ip(hop)
            if addr is None:
                break
            if not self.is_trusted(addr):
                return str(addr)
        return str(peer)
