"""Turn rule errors raised in page views into the right response (the API has its own handler)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from .errors import NotFoundError, PermissionDeniedError, ZhifaError


class ZhifaErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, PermissionDeniedError):
            return render(request, "403.html", {"exception": exception.message}, status=403)
        if isinstance(exception, NotFoundError):
            return render(request, "404.html", status=404)
        if isinstance(exception, ZhifaError):
            return render(request, "400.html", {"exception": exception.message}, status=exception.status)
        if isinstance(exception, (PermissionDenied, Http404)):
            return None
        return None
