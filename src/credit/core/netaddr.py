"""The address of the client behind the platform's reverse proxies (N1, N2).

Behind nginx or a load balancer, ``REMOTE_ADDR`` is the proxy's address; the client's is in
``X-Forwarded-For``, which anyone can also forge. Only the proxies listed in the setting
``CREDIT_TRUSTED_PROXIES`` (networks, default: none) are believed: the header is read from the
right, each hop that is a trusted proxy is skipped, and the first address that is not one
(the right-most untrusted address) is the client. A request that does not come from a trusted
proxy is answered by its ``REMOTE_ADDR`` and the header is ignored.

Every source-address decision reads :func:`client_ip`: API clients' allow-lists, SMS and
tracking limits per address, the audit log and the call log.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: Iterable[str], *, setting: str = "CREDIT_TRUSTED_PROXIES") -> tuple:
    """``["10.0.0.0/8", "127.0.0.1"]`` → networks; an invalid entry is a configuration error."""
    found = []
    for text in values:
        text = text.strip()
        if not text:
            continue
        try:
            found.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{setting}: “{text}” is not an IP address or network"
            ) from None
    return tuple(found)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def trusted_proxies() -> tuple[Network, ...]:
    return _trusted(tuple(getattr(settings, "CREDIT_TRUSTED_PROXIES", ()) or ()))


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.9:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve(remote_addr: str | None, forwarded_for: str | None, trusted: tuple) -> str | None:
    """The client's address from the peer's address and the ``X-Forwarded-For`` header."""
    peer = _address(remote_addr or "")
    if peer is None:
        return None
    if not trusted or not _is_trusted(peer, trusted) or not forwarded_for:
        return str(peer)
    nearest = peer
    for hop in reversed(forwarded_for.split(",")[-32:]):
        address = _address(hop)
        if address is None:  # not what a trusted proxy writes: trust nothing beyond it
            return str(nearest)
        if not _is_trusted(address, trusted):
            return str(address)
        nearest = address
    return str(nearest)  # every hop is a proxy: the left-most one is the client


def client_ip(request: Any) -> str | None:
    """The client's IP address (see the module's description), or None when unknown."""
    cached = getattr(request, "_credit_client_ip", False)
    if cached is not False:
        return cached
    meta = request.META
    found = resolve(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"), trusted_proxies())
    request._credit_client_ip = found
    return found
