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


class NetworkPolicy:
    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed: tuple[Network, ...] = tuple(
            ipaddress.ip_network(cidr, strict=False) for cidr in allowed
        )

    def permits(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(address in net for net in self.allowed):
            return True
        return address.is_global and not address.is_multicast

    def check_address(self, host: str, text: str) -> None:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not self.permits(address):
            raise BlockedAddress(f"{host} resolves to {address}, outside the allowed networks")

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
