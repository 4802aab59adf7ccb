import pytest

from panitch.demo import load_demo_data


@pytest.fixture
def demo(db):
    """The demo edition and accounts, as `make run` creates them."""
    return load_demo_data()


@pytest.fixture
def celery_eager():
    """Run tasks in-process when enqueued, for tests about what a page does, not the worker."""
    from panitch.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits count in the cache; each test starts with none used.
    from django.core.cache import cache

    cache.clear()
