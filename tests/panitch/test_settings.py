import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.utils import get_random_secret_key

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


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "panitch.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "panitch.example.org",
    "PANITCH_BASE_URL": "https://panitch.example.org",
}


def production_check(**overrides):
    env = {**PRODUCTION, **overrides}
    missing = [name for name, value in env.items() if value is None]
    environ = {k: v for k, v in os.environ.items() if k not in missing}
    environ.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refusal(result):
    """The ImproperlyConfigured message production settings stopped with, if any."""
    assert result.returncode == 1, result.stdout
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("name", ["ALLOWED_HOSTS", "PANITCH_BASE_URL"])
def test_production_refuses_to_start_without(name):
    assert refusal(production_check(**{name: None})) == (
        f"django.core.exceptions.ImproperlyConfigured: Set {name} explicitly in production."
    )


@pytest.mark.parametrize(
    "hosts", ["panitch.example.org,127.0.0.1", "localhost", "panitch.example.org,[::1]"]
)
def test_production_refuses_this_machines_names_unless_asked(hosts):
    assert "set ALLOW_LOCALHOST=true to allow it" in refusal(production_check(ALLOWED_HOSTS=hosts))
    allowed = production_check(ALLOWED_HOSTS=f"{hosts},panitch.example.org", ALLOW_LOCALHOST="1")
    assert allowed.returncode == 0, allowed.stderr


def test_production_refuses_a_local_base_url_unless_asked():
    result = production_check(PANITCH_BASE_URL="http://127.0.0.1:8000")

    assert "set ALLOW_LOCALHOST=true to allow it" in refusal(result)


def test_production_refuses_a_base_url_on_a_host_it_does_not_serve():
    result = production_check(PANITCH_BASE_URL="https://elsewhere.example.net")

    assert refusal(result).endswith("PANITCH_BASE_URL's host name must be one of ALLOWED_HOSTS.")


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("a" * 80, id="one-character"),
        pytest.param("abcdefghijklmnop" * 5, id="repeated-pattern"),
        pytest.param("abcdefghijklmnopqrstuvwxyz" * 2, id="alphabet-twice"),
        pytest.param("0123456789" * 6, id="ten-digits"),
        pytest.param(secrets.token_urlsafe(30), id="random-but-short"),
        pytest.param("django-insecure-" + secrets.token_urlsafe(64), id="django-insecure"),
    ],
)
def test_production_refuses_a_weak_secret_key(key):
    assert "Set SECRET_KEY to a long random value in production." in refusal(
        production_check(SECRET_KEY=key)
    )


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(secrets.token_urlsafe(64), id="token_urlsafe"),
        pytest.param(secrets.token_hex(32), id="token_hex"),
        pytest.param(get_random_secret_key(), id="django-startproject"),
    ],
)
def test_production_accepts_a_generated_secret_key(key):
    assert production_check(SECRET_KEY=key).returncode == 0


def test_production_refuses_to_trust_every_address_as_the_proxy():
    result = production_check(FORWARDED_ALLOW_IPS="*")

    assert "FORWARDED_ALLOW_IPS: '*' is not an address or a network" in refusal(result)
