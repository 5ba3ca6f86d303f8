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
