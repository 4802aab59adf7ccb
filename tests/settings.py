"""Test settings: the development settings, with a broker queue and hasher of their own."""

import os

from panitch.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# CI points CELERY_BROKER_URL at Redis; elsewhere the worker tests use kombu's in-memory broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# A queue of the tests' own, so a development worker on the same broker never takes their tasks.
CELERY_TASK_DEFAULT_QUEUE = "panitch-tests"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
OUTBOX_RETRY_BASE_SECONDS = 1
# The sweep's queue of its own, for the tests: the in-process worker reads only the default one.
OUTBOX_SWEEP_QUEUE = CELERY_TASK_DEFAULT_QUEUE
CELERY_TASK_ROUTES = {"panitch.tasks.outbox_sweep": {"queue": OUTBOX_SWEEP_QUEUE}}
