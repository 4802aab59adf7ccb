"""Production: everything from base, plus the security settings `check --deploy` asks for.

SECRET_KEY, ALLOWED_HOSTS, PANITCH_BASE_URL and DATABASE_URL must come from the environment;
the site refuses to start without them rather than fall back to development values.
"""

import collections
import math
import zlib
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=False)


# --- Required, explicit configuration --------------------------------------------------------
def key_is_strong(key: str) -> bool:
    """Long, varied and not a repeated pattern: what a generated key always is.

    Length alone lets "aaaa..." through; the Shannon estimate (bits per character times length)
    catches a small alphabet, and a key that compresses well is a pattern, not random.
    """
    if len(key) < 50 or key.startswith("django-insecure") or len(set(key)) < 12:
        return False
    counts = collections.Counter(key)
    bits = -sum(n * math.log2(n / len(key)) for n in counts.values())
    return bits >= 160 and len(zlib.compress(key.encode(), 9)) >= 0.75 * len(key)


if not key_is_strong(SECRET_KEY):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a long random value in production. Make one with: "
        'python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )

for _name in ("ALLOWED_HOSTS", "PANITCH_BASE_URL"):
    if not env.str(_name, default="").strip():
        raise ImproperlyConfigured(f"Set {_name} explicitly in production.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
PANITCH_BASE_URL = env.str("PANITCH_BASE_URL").rstrip("/")
# Loopback names only when asked (a trial on one machine, or a health check without a Host
# header); docker-compose's health check sends the site's Host header instead.
ALLOW_LOCALHOST = env.bool("ALLOW_LOCALHOST", default=False)
LOCALHOST_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}

if not ALLOW_LOCALHOST:
    _local = sorted(LOCALHOST_NAMES & set(ALLOWED_HOSTS))
    if _local or urlsplit(PANITCH_BASE_URL).hostname in LOCALHOST_NAMES:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS and PANITCH_BASE_URL name this machine "
            f"({', '.join(_local) or PANITCH_BASE_URL}); set ALLOW_LOCALHOST=true to allow it."
        )
else:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1", "localhost"]

if not validate_host(urlsplit(PANITCH_BASE_URL).hostname or "", ALLOWED_HOSTS):
    raise ImproperlyConfigured("PANITCH_BASE_URL's host name must be one of ALLOWED_HOSTS.")


# --- HTTPS behind the proxy ------------------------------------------------------------------
# The proxy terminates TLS and says so in X-Forwarded-Proto. gunicorn trusts that header (and
# X-Forwarded-For) only from FORWARDED_ALLOW_IPS, and the web port is reachable by the proxy
# only (docker-compose.yml), so nobody else can claim HTTPS or another client address.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
