"""A fresh clone has no var/: the development settings make what they point into."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNCONFIGURED = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "EMAIL_URL", "MEDIA_ROOT")


def test_first_use_makes_the_database_broker_mail_media_and_cache_folders(tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in UNCONFIGURED}
    env.update(PANITCH_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="panitch.settings.base")
    script = (
        "import django; django.setup();"
        "from django.db import connection; connection.ensure_connection();"
        "from panitch.celery import app;"
        "conn = app.connection_for_write(); conn.ensure_connection(max_retries=1); conn.release()"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert sorted(str(p.relative_to(var)) for p in var.rglob("*")) == [
        "broker",
        "broker/control",
        "broker/queue",
        "cache",
        "mail",
        "media",
        "panitch.sqlite3",
    ]
