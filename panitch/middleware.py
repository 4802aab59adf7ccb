"""Request and response rules every page follows: bad bytes refused, headers that protect people.

- X-Forwarded-For, -Proto and -Host count only from the reverse proxy (PANITCH_TRUSTED_PROXIES):
  from anyone else they are dropped, so nobody can claim HTTPS or another client's address
  (sign-in limits count per client address).
- A NUL character in the path, the query string or a cookie is answered 400 before any view
  runs: PostgreSQL rejects NUL in text, so passing it on would turn a typo into a 500.
- Every response carries the Content-Security-Policy (django-csp's middleware, with the site-wide
  header built once) and the Permissions-Policy from settings.
- Pages that may hold personal or special-category data are never stored by a browser or a
  proxy: every page for a signed-in person, and every page under PANITCH_PRIVATE_PATH_PREFIXES
  (reference links, the admin, accounts ...), whoever asks.
"""

import functools
import http
import ipaddress

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.defaults import bad_request

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


class ForwardedHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = [
            ipaddress.ip_network(proxy, strict=False) for proxy in settings.PANITCH_TRUSTED_PROXIES
        ]

    def __call__(self, request):
        if not self.from_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)

    def from_proxy(self, address: str) -> bool:
        try:
            address = ipaddress.ip_address(address)
        except ValueError:  # a UNIX socket, or nothing: not a proxy we know
            return False
        return any(address in network for network in self.proxies)


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            return bad_request(request, SuspiciousOperation("NUL character in the request"))
        return self.get_response(request)


def has_nul(request) -> bool:
    if "\x00" in request.path_info or "\x00" in request.META.get("QUERY_STRING", ""):
        return True
    # The raw query string may spell it %00; decoded parameters are what views read.
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return True
    return any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())


DEBUG_PAGES = (http.HTTPStatus.NOT_FOUND, http.HTTPStatus.INTERNAL_SERVER_ERROR)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site-wide policy built once rather than per response.

    A response that changes its policy (csp_update and the other decorators) or a request that
    used a nonce goes through django-csp's own path, as does any report-only policy.
    """

    PER_RESPONSE = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )

    @functools.cached_property
    def site_wide(self) -> bool:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        return not policy.get("EXCLUDE_URL_PREFIXES") and not getattr(
            settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None
        )

    @functools.cached_property
    def site_policy(self) -> str:
        return build_policy()

    def process_response(self, request, response):
        if (
            not self.site_wide
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in self.PER_RESPONSE)
        ):
            return super().process_response(request, response)
        # As django-csp: Django's debug pages for 404 and 500 carry inline styles and scripts.
        debug_page = response.status_code in (
            http.HTTPStatus.NOT_FOUND,
            http.HTTPStatus.INTERNAL_SERVER_ERROR,
        )
        if not (settings.DEBUG and debug_page):
            response.headers.setdefault(HEADER, self.site_policy)
        return response


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PANITCH_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


def is_signed_in(request) -> bool:
    """Did this response come from a signed-in person's session?

    Read from the session, and only when the page used it: a page that never read the session
    shows nothing of the person's, and asking request.user here would make every such page
    (the public home page, static pages) pay for loading the session and the person.
    """
    session = getattr(request, "session", None)
    return session is not None and session.accessed and SESSION_KEY in session


class PrivatePagesMiddleware:
    """Cache-Control: no-store for signed-in people's pages and the private paths."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.PANITCH_PRIVATE_PATH_PREFIXES)

    def __call__(self, request):
        response = self.get_response(request)
        signed_in = is_signed_in(request)
        if signed_in or request.path_info.startswith(self.prefixes):
            add_never_cache_headers(response)
        if signed_in:
            # The same URL shows someone else's page to someone else.
            patch_vary_headers(response, ("Cookie",))
        return response
