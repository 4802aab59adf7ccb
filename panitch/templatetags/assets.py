"""{% asset 'path' %}: {% static %} for the site layout's own files, worked out once per process.

Every page's layout names the same few files; the storage's answer (with its content hash, in
production) does not change while the process runs, so it is looked up once, not per page.
"""

import functools

from django import template
from django.conf import settings
from django.templatetags.static import static

register = template.Library()


@register.simple_tag
def asset(path: str) -> str:
    return _url(path, settings.STATIC_URL)


@functools.lru_cache(maxsize=64)
def _url(path: str, static_url: str) -> str:
    return static(path)
