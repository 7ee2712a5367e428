"""The client's address, for login lockout, rate limits and the security log (issue 14 §6).

Behind a reverse proxy REMOTE_ADDR is the proxy's address. The address the proxy saw is then read from
one configured header (ZHIFA_PROXY_CLIENT_HEADER, e.g. ``X-Real-IP`` or ``X-Forwarded-For``), and only when
the request came from a configured trusted proxy (ZHIFA_TRUSTED_PROXIES: addresses or networks). In every
other case the header is ignored, so a client cannot choose the address it is counted under, and cannot
lock someone else out by naming their address.

django-axes has its own ipware-based lookup; we give it this function (AXES_CLIENT_IP_CALLABLE) so that
the lockout, the rate limits and the security log agree on one address.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(remote: str) -> bool:
    address = _address(remote or "")
    networks = _networks(tuple(getattr(settings, "ZHIFA_TRUSTED_PROXIES", ()) or ()))
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's address as a string; "" when the request carries none that parses."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    header = getattr(settings, "ZHIFA_PROXY_CLIENT_HEADER", "") or ""
    if header and is_trusted_proxy(remote):
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        # X-Forwarded-For lists every hop; the last one is the address our own proxy appended.
        candidate = _address(value.split(",")[-1]) if value else None
        if candidate is not None:
            return str(candidate)
    address = _address(remote)
    return str(address) if address is not None else ""


# An IPv6 subscriber is given a /64 at least (often a /56): counting each address would give one client 2^64
# fresh addresses to spread a password spray or a flood of submissions over.
COUNTED_IPV6_PREFIX = 64


def counted_address(address: str) -> str:
    """The address a client is counted under by every per-address limit (login lockout, portal rate limits):
    an IPv6 address stands for its /64, written as the first address of that network (a valid address, so
    it fits django-axes' GenericIPAddressField); an IPv4-mapped IPv6 address (``::ffff:192.0.2.1``, what a
    dual-stack socket reports for an IPv4 client) is the IPv4 address. Anything unparsable is returned as is."""
    parsed = _address(address or "")
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{COUNTED_IPV6_PREFIX}", strict=False).network_address)
    return str(parsed) if parsed is not None else (address or "")


def client_counted_address(request) -> str:
    """The address this request's client is counted under (counted_address of client_ip); "" when none."""
    return counted_address(client_ip(request))


def axes_client_ip(request) -> str:
    """django-axes calls this (AXES_CLIENT_IP_CALLABLE) for the address it counts failures under: the counted
    address, so a spray from many addresses of one IPv6 /64 is one address to the lockout (review finding 5).
    The security log keeps the full address (client_ip)."""
    return client_counted_address(request) or "0.0.0.0"


def safe_next(request, url: str | None) -> str | None:
    """`url` when it is a path or URL on this site (Django's check: it knows `/\\host` and `///host`), else
    None. Every `next` a page redirects to goes through this one check, so none can send a user elsewhere."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None
