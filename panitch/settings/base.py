"""Settings for every environment, read from environment variables.

Development defaults need nothing installed: SQLite and kombu's filesystem broker under var/,
email written to files under var/mail/. Set DEBUG=false for production; see production.py.
"""

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state (SQLite database, broker folders, mail, media, cache) lives here; it is
# git-ignored, so the folders it needs are made at the end of this module (see local_dirs).
VAR_DIR = Path(env.str("PANITCH_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or "django-insecure-dev-key-never-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# Every link in an email is built from this, never from the request that triggered it.
PANITCH_BASE_URL = env.str("PANITCH_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
PANITCH_ORGANISATION_NAME = env.str("PANITCH_ORGANISATION_NAME", default="Momentum")
PANITCH_CONTACT_EMAIL = env.str("PANITCH_CONTACT_EMAIL", default="leadership-programme@example.org")
PANITCH_PROGRAMME_NAME = env.str(
    "PANITCH_PROGRAMME_NAME", default="Leo Panitch Leadership Programme"
)

INSTALLED_APPS = [
    "panitch",
    "applications",
    "cohorts",
    "sessions.apps.ScheduleConfig",
    "projects",
    "claims",
    "bench",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "import_export",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "rules.apps.AutodiscoverRulesConfig",
    "bootstrap",
    "csp",
]

MIDDLEWARE = [
    "panitch.middleware.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "panitch.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "panitch.middleware.ContentSecurityPolicyMiddleware",
    "panitch.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "panitch.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "panitch.urls"
WSGI_APPLICATION = "panitch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "panitch.context_processors.panitch",
            ],
        },
    },
    {
        # Plain text (email subjects and bodies): nothing is HTML-escaped.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'panitch.sqlite3'}"),
}
# No ATOMIC_REQUESTS: every change goes through a service that is its own transaction, and on
# SQLite a transaction per request would make every page wait for the write lock.
# Persistent connections: opening one (and, on SQLite, preparing each statement anew) costs
# more than most pages' own queries. Health checks drop a connection the server has closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A connection the network dropped is noticed within a minute or two (keepalives), and
    # no statement or forgotten transaction can hold rows (an outbox claim, an edition being
    # released) for long. A release renders its emails inside its transaction, idle to the
    # server meanwhile: 20,000 take seconds, well inside the five minutes allowed.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": 10,
            "keepalives": 1,
            "keepalives_idle": 60,
            "keepalives_interval": 10,
            "keepalives_count": 5,
            "options": "-c statement_timeout={} -c idle_in_transaction_session_timeout={}".format(
                env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=120_000),
                env.int("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=300_000),
            ),
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process, the worker and beat share one file: wait for a lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions are read on every page: from the cache, with the database behind it.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "panitch.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's, loading the person's roles with them in one query.
    "panitch.auth.ModelBackend",
    "panitch.auth.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, verified before first use; a one-time code also works.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "panitch.forms.SignupForm"
ACCOUNT_ADAPTER = "panitch.accounts.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, kept explicit so they are visible and reviewed.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: every message is an outbox row first (panitch.outbox); this backend does the delivery.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default=f"{PANITCH_ORGANISATION_NAME} <{PANITCH_CONTACT_EMAIL}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A second server for the warning that email is failing (programme admins would not hear
# of it through the server that fails): smtp://user:password@host:587, same form as EMAIL_URL.
EMAIL_FALLBACK = (
    env.email_url("EMAIL_FALLBACK_URL") if env.str("EMAIL_FALLBACK_URL", default="") else None
)
# Every email row gets a Message-ID <hash of its key>@this domain, the same on every attempt.
OUTBOX_MESSAGE_ID_DOMAIN = env.str(
    "OUTBOX_MESSAGE_ID_DOMAIN", default=urlsplit(PANITCH_BASE_URL).hostname or "panitch.invalid"
)
# Retries: the wait doubles from the base to a cap (five minutes for decision and offer emails,
# which must go out promptly when the server returns), and a row keeps being tried for a day.
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=30)
OUTBOX_RETRY_CAP_SECONDS = env.float("OUTBOX_RETRY_CAP_SECONDS", default=30 * 60)
OUTBOX_URGENT_RETRY_CAP_SECONDS = env.float("OUTBOX_URGENT_RETRY_CAP_SECONDS", default=5 * 60)
OUTBOX_URGENT_KIND_PREFIXES = ["decision_", "offer_"]
OUTBOX_GIVE_UP_AFTER_SECONDS = env.float("OUTBOX_GIVE_UP_AFTER_SECONDS", default=24 * 3600)
# Programme admins are warned (banner on staff pages, email) after this long failing.
OUTBOX_WARN_AFTER_SECONDS = env.float("OUTBOX_WARN_AFTER_SECONDS", default=15 * 60)
# Multiplies the four durations above (never the claim timeout): tests run an outage in seconds.
OUTBOX_TIME_SCALE = env.float("OUTBOX_TIME_SCALE", default=1.0)
# A claim older than this belongs to a worker that died or hangs: the sweep takes it back.
OUTBOX_CLAIM_TIMEOUT_SECONDS = env.float(
    "OUTBOX_CLAIM_TIMEOUT_SECONDS", default=EMAIL_TIMEOUT + 120
)
# Sent rows are recorded in groups of this many (one commit each), after the server's 250.
OUTBOX_MARK_SENT_EVERY = env.int("OUTBOX_MARK_SENT_EVERY", default=20)
# Retries due sooner than this get a task of their own; later ones are the sweep's.
OUTBOX_RETRY_TASK_HORIZON_SECONDS = 10 * 60
# Rows due this long without being picked up are enqueued again by the sweep.
OUTBOX_SWEEP_GRACE_SECONDS = env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=30)
OUTBOX_SWEEP_SECONDS = 60.0
# Account emails (sign-in codes, reset links, confirmation keys) are marked when queued.
OUTBOX_SENSITIVE_KINDS = ["reference_request", "reference_reminder"]

# Celery: Redis in production; kombu's filesystem transport when nothing is configured.
# The transport ignores the host; naming one stops kombu warning that none was given.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Redis hands an unacknowledged task to another worker after this long: longer than the
    # longest task (a release of 20,000 emails renders in well under a minute) and than any
    # retry countdown (OUTBOX_RETRY_TASK_HORIZON_SECONDS), so only a dead worker's tasks come
    # back. The outbox does not wait for it: the sweep takes back a dead worker's claims.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60)
    }
CELERY_TASK_IGNORE_RESULT = True
# Acknowledged once done, and given back at once when a pool process dies (SIGKILL, OOM).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# The sweep has a queue of its own, so a backlog of sends never delays it; every worker
# consumes both (`celery -A panitch worker -Q celery,outbox-sweep`).
OUTBOX_SWEEP_QUEUE = env.str("OUTBOX_SWEEP_QUEUE", default="outbox-sweep")
CELERY_TASK_ROUTES = {"panitch.tasks.outbox_sweep": {"queue": OUTBOX_SWEEP_QUEUE}}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# django-celery-beat's DatabaseScheduler writes these rows when beat starts (idempotently).
# Each periodic job is a task of its own, each safe to repeat: one failing stops no other.
CELERY_BEAT_SCHEDULE = {
    "outbox: send pending and stuck emails": {
        "task": "panitch.tasks.outbox_sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "applications: release decisions that are due": {
        "task": "applications.tasks.release_due",
        "schedule": 60.0,
    },
    "applications: lapse expired offers": {
        "task": "applications.tasks.offers_lapse",
        "schedule": 60.0,
    },
    "applications: remind people of open offers": {
        "task": "applications.tasks.offer_reminders",
        "schedule": 5 * 60.0,
    },
    "applications: remind referees": {
        "task": "applications.tasks.remind_referees",
        "schedule": 15 * 60.0,
    },
    "sessions: send session reminders": {
        "task": "sessions.tasks.session_reminders",
        "schedule": 5 * 60.0,
    },
}

# Every line the console handler writes has URL secrets redacted (panitch/logging.py);
# django.server (runserver's access lines) propagates to it instead of printing on its own.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "panitch.logging.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "server": {
            "class": "logging.StreamHandler",
            "filters": ["redact_secrets"],
            "formatter": "server",
        },
    },
    "formatters": {
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers would print requests' paths unredacted: its records go to root.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}

# Referees who have not answered are reminded this many days before the reference deadline.
REFERENCE_REMINDER_DAYS = [7, 2]
# People offered a place are reminded this many days before their offer deadline.
OFFER_REMINDER_DAYS = [5, 1]


# --- Security headers (panitch.middleware, django-csp) ---------------------------------------
# No inline scripts or styles anywhere: JS in static/js, CSS in static/css. data: images are
# Bootstrap's own (form controls' icons are SVG data URIs in its CSS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PANITCH_PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
# Never cached by a browser or proxy, whoever asks (signed-in people's pages always are not).
PANITCH_PRIVATE_PATH_PREFIXES = [
    "/reference/",
    "/admin/",
    "/accounts/",
    "/apply/",
    "/application/",
    "/staff/",
    "/calendar/",
]


# --- Behind a reverse proxy ----------------------------------------------------------------
# The proxy's addresses or networks: X-Forwarded-For/-Proto/-Host from anyone else are dropped
# (panitch.middleware.ForwardedHeadersMiddleware). gunicorn reads the same variable.
PANITCH_TRUSTED_PROXIES = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"])
for _proxy in PANITCH_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"FORWARDED_ALLOW_IPS: {_proxy!r} is not an address or a network; name the proxy "
            '("*" would let anyone claim any client address).'
        ) from None
# How many proxies append to X-Forwarded-For: sign-in limits then count per client, not per
# proxy. 0 (the default) means no proxy: the connection's own address is the client's.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)


# --- Applicant and account journey (web) ---
# After confirming their email the person is signed in and taken where they were going.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# No "there is no account with this address" email: it would let anyone make the organisation
# email any address, and the page answers the same whether or not the account exists.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_FORMS = {"signup": "panitch.accounts.PanitchSignupForm"}
# Where a non-member is sent to join (membership is free).
PANITCH_JOIN_URL = env.str("PANITCH_JOIN_URL", default="https://peoplesmomentum.com/join/")
# People with an unsubmitted draft are reminded this many days before applications close.
DRAFT_REMINDER_DAYS = [7, 1]
CELERY_BEAT_SCHEDULE["applications: remind people with a draft"] = {
    "task": "applications.tasks.remind_drafts",
    "schedule": 15 * 60.0,
}
# Abuse limits on reference requests after submission (each sends an email at once).
REFEREE_REPLACEMENTS_MAX = 3
REFEREE_REPLACEMENTS_PER_DAY = 2


# --- Local state: make the folders the settings above point into (a fresh clone has no var/).
# Only what is in use: with PostgreSQL, Redis and SMTP configured, nothing is made.
def local_dirs() -> list[Path]:
    dirs = []
    database = DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] != ":memory:":
        dirs.append(Path(database["NAME"]).parent)
    if CELERY_BROKER_URL.startswith("filesystem://"):
        dirs += [
            Path(CELERY_BROKER_TRANSPORT_OPTIONS[key])
            for key in ("data_folder_in", "control_folder")
        ]
    if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
        dirs.append(Path(EMAIL_FILE_PATH))
    if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        dirs.append(Path(CACHES["default"]["LOCATION"]))
    dirs.append(Path(MEDIA_ROOT))
    return dirs


for _dir in local_dirs():
    _dir.mkdir(parents=True, exist_ok=True)
