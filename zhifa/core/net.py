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


def axes_client_ip(request) -> str:
    """django-axes calls this (AXES_CLIENT_IP_CALLABLE) for the address it counts failures under."""
    return client_ip(request) or "0.0.0.0"


def safe_next(request, url: str | None) -> str | None:
    """`url` when it is a path or URL on this site (Django's check: it knows `/\\host` and `///host`), else
    None. Every `next` a page redirects to goes through this one check, so none can send a user elsewhere."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None
