import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="panitch.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="panitch.example.org",
        PANITCH_BASE_URL="https://panitch.example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_the_development_secret_key():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="panitch.settings.production",
        SECRET_KEY="",
        ALLOWED_HOSTS="panitch.example.org",
    )

    assert result.returncode == 1
    assert "Set SECRET_KEY to a long random value in production." in result.stderr


def test_time_zone_is_london(settings):
    assert (settings.TIME_ZONE, settings.USE_TZ) == ("Europe/London", True)
