from __future__ import annotations

import ipaddress

import pytest

from monitor.fetch import BlockedAddress, NetworkPolicy


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.4", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1"],
)  # fmt: skip
def test_private_and_special_addresses_are_refused(address: str) -> None:
    assert not NetworkPolicy().permits(ipaddress.ip_address(address))


def test_public_addresses_and_allowed_networks_pass() -> None:
    policy = NetworkPolicy(["127.0.0.0/8"])
    assert policy.permits(ipaddress.ip_address("202.96.128.86"))
    assert policy.permits(ipaddress.ip_address("2400:3200::1"))
    assert policy.permits(ipaddress.ip_address("127.0.0.1"))
    assert not policy.permits(ipaddress.ip_address("10.0.0.1"))


def test_ip_literals_are_checked_and_names_left_to_the_resolver() -> None:
    policy = NetworkPolicy()
    with pytest.raises(BlockedAddress):
        policy.check_host("10.0.0.8")
    with pytest.raises(BlockedAddress):
        policy.check_host("[::1]")
    policy.check_host("www.gov.cn")  # resolved (and checked) at connect time


WRAPPED_INSIDE = [
    "::ffff:10.0.0.1",  # IPv4-mapped
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254 (instance metadata)
    "64:ff9b::7f00:1",  # NAT64 well-known prefix
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::c0a8:1",  # NAT64 local-use prefix, 192.168.0.1
    "::ffff:0:a00:1",  # SIIT translated, 10.0.0.1
    "::127.0.0.1",  # IPv4-compatible
    "::10.1.2.3",
]


@pytest.mark.parametrize("address", WRAPPED_INSIDE)
def test_ipv6_that_wraps_an_internal_ipv4_is_refused(address: str) -> None:
    policy = NetworkPolicy()
    assert not policy.permits(ipaddress.ip_address(address))
    with pytest.raises(BlockedAddress):
        policy.check_host(f"[{address}]")


@pytest.mark.parametrize(
    "address", ["2002:ca60:8056::1", "64:ff9b::ca60:8056", "::ffff:202.96.128.86"]
)
def test_ipv6_that_wraps_a_public_ipv4_passes(address: str) -> None:
    assert NetworkPolicy().permits(ipaddress.ip_address(address))


def test_wrapped_addresses_follow_the_allow_list() -> None:
    """Allowing 127.0.0.0/8 allows it in every wrapping; allowing an IPv6 network
    allows that network as it is."""
    policy = NetworkPolicy(["127.0.0.0/8", "64:ff9b::a00:0/120"])
    assert policy.permits(ipaddress.ip_address("64:ff9b::7f00:1"))
    assert policy.permits(ipaddress.ip_address("2002:7f00:1::1"))
    assert policy.permits(ipaddress.ip_address("64:ff9b::a00:5"))
    assert not policy.permits(ipaddress.ip_address("64:ff9b::a00:105"))
