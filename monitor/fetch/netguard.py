"""Where a feed may point: public addresses, plus the CIDRs the operator allows.

Hostnames are checked by a resolver that vets every address it returns, so the
check holds after each redirect and against DNS answers that change between
lookups; IP literals never reach a resolver and are checked by ``check_host``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(OSError):
    """The address is neither public nor in ``allowed_networks``."""


# IPv6 forms that carry an IPv4 address in their last 32 bits and reach it through a
# translator or tunnel: NAT64 (well-known and local-use prefixes), SIIT's translated
# form, and the deprecated IPv4-compatible form. Python calls most of them global.
_LAST_32_BITS = tuple(
    ipaddress.IPv6Network(net)
    for net in ("64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0:0/96", "::/96")
)


def wrapped_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it wraps one: mapped
    (``::ffff:0:0/96``), 6to4 (``2002::/16``), NAT64, translated or compatible."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in _LAST_32_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class NetworkPolicy:
    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed: tuple[Network, ...] = tuple(
            ipaddress.ip_network(cidr, strict=False) for cidr in allowed
        )

    def permits(self, address: IPAddress) -> bool:
        if any(address in net for net in self.allowed):
            return True
        if isinstance(address, ipaddress.IPv6Address):
            inner = wrapped_ipv4(address)
            if inner is not None:
                # Judged by where it leads: 64:ff9b::7f00:1 is 127.0.0.1 behind NAT64.
                return self.permits(inner)
        return address.is_global and not address.is_multicast

    def check_address(self, host: str, text: str) -> None:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not self.permits(address):
            inner = wrapped_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
            shown = f"{address} (wrapping {inner})" if inner is not None else str(address)
            raise BlockedAddress(f"{host} resolves to {shown}, outside the allowed networks")

    def check_host(self, host: str) -> None:
        """IP literals are checked here; names are checked when resolved."""
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return
        self.check_address(host, host.strip("[]"))


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing any answer outside the policy."""

    def __init__(self, policy: NetworkPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self.inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        for result in results:
            self.policy.check_address(host, result["host"])
        return results

    async def close(self) -> None:
        await self.inner.close()


def blocked_cause(exc: BaseException) -> BlockedAddress | None:
    """The BlockedAddress behind an aiohttp connector error, if that is what it was."""
    seen: Any = exc
    for _ in range(4):
        if seen is None:
            return None
        if isinstance(seen, BlockedAddress):
            return seen
        seen = getattr(seen, "os_error", None) or seen.__cause__
    return None
