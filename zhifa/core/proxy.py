"""Headers a reverse proxy sets count only when the request came from a trusted proxy (issue 14 §7).

Django believes SECURE_PROXY_SSL_HEADER from whoever sends it. Behind nginx that is safe only if nothing else
can reach the application server; this middleware makes it safe regardless: X-Forwarded-Proto is dropped
unless REMOTE_ADDR is one of ZHIFA_TRUSTED_PROXIES (zhifa.core.net), the same list that decides whether the
client-address header is read. A client talking to gunicorn directly therefore cannot pass a plain-HTTP
request off as HTTPS (and so skip the HTTPS redirect or receive secure cookies over plain HTTP).
"""

from .net import is_trusted_proxy

FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"


class TrustedProxyHeadersMiddleware:
    """Must come before SecurityMiddleware, which reads request.is_secure() for the HTTPS redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if FORWARDED_PROTO in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            del request.META[FORWARDED_PROTO]
        return self.get_response(request)
