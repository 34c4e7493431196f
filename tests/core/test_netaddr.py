"""The client's address behind reverse proxies: X-Forwarded-For is believed only from the
trusted proxies, and the right-most untrusted address wins."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from credit.core.netaddr import client_ip, parse_networks, resolve

PROXIES = parse_networks(["10.0.0.0/8", "192.168.1.1", "fd00::/8"])


@pytest.mark.parametrize(
    ("remote", "xff", "expected"),
    [
        # No header: the peer.
        ("203.0.113.9", None, "203.0.113.9"),
        # The peer is not a trusted proxy: its header is a forgery and is ignored.
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),
        # Through the trusted nginx: the address it appended.
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),
        # A client that forges the header: the right-most untrusted address, not the left-most.
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        # Two trusted hops (load balancer, then nginx).
        ("10.0.0.5", "198.51.100.7, 192.168.1.1", "198.51.100.7"),
        # Every hop trusted: the left-most.
        ("10.0.0.5", "10.1.1.1, 10.2.2.2", "10.1.1.1"),
        # Garbage where a trusted proxy would have written an address: stop at the last proxy.
        ("10.0.0.5", "198.51.100.7, not-an-ip", "10.0.0.5"),
        ("10.0.0.5", "198.51.100.7, 1.2.3.4]", "10.0.0.5"),
        # Ports and IPv6 brackets as some balancers write them.
        ("10.0.0.5", "198.51.100.7:5123", "198.51.100.7"),
        ("fd00::1", "[2001:db8::7]:443", "2001:db8::7"),
        # No peer at all (a test harness): unknown.
        ("", "1.2.3.4", None),
    ],
)
def test_the_right_most_untrusted_address_wins(remote, xff, expected):
    assert resolve(remote, xff, PROXIES) == expected


def test_trusting_nobody_ignores_the_header():
    assert resolve("10.0.0.5", "198.51.100.7", ()) == "10.0.0.5"


def test_an_ipv4_mapped_peer_is_read_as_ipv4():
    assert resolve("::ffff:10.0.0.5", "198.51.100.7", PROXIES) == "198.51.100.7"


def test_an_invalid_setting_refuses_to_start_and_names_the_setting():
    with pytest.raises(ImproperlyConfigured, match=r"CREDIT_TRUSTED_PROXIES.*nginx\.local"):
        parse_networks(["10.0.0.0/8", "nginx.local"])


def test_blank_entries_of_the_setting_are_skipped():
    assert [str(n) for n in parse_networks(["", " ", "10.0.0.0/8", "192.168.1.1"])] == [
        "10.0.0.0/8",
        "192.168.1.1/32",
    ]


def test_a_network_written_with_its_host_bits_is_taken_as_its_network():
    assert [str(n) for n in parse_networks(["10.1.2.3/8"])] == ["10.0.0.0/8"]


def test_a_forged_header_is_read_through_at_most_32_trusted_proxies():
    """A client can make the header as long as it likes; the platform reads it only as far as
    32 hops from the right (no real chain of proxies is that long)."""
    chain = ["203.0.113.9"] + [f"10.0.0.{n}" for n in range(1, 33)]
    assert resolve("10.0.1.1", ", ".join(chain), PROXIES) == "10.0.0.1"
    assert resolve("10.0.1.1", ", ".join(chain[1:]), PROXIES) == "10.0.0.1"
    assert resolve("10.0.1.1", ", ".join(chain[:1] + chain[2:]), PROXIES) == "203.0.113.9"


@pytest.mark.parametrize(("trusted", "expected"), [([], "10.0.0.5"), (["10.0.0.0/8"], "1.2.3.4")])
def test_client_ip_reads_the_setting(settings, trusted, expected):
    settings.CREDIT_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == expected
    assert ipaddress.ip_address(client_ip(request))  # cached on the request, same answer
