# The real-worker fixtures the applications tests built, for the reminder tests.
from tests.applications.conftest import celery_worker_thread  # noqa: F401
from tests.applications.test_release_worker import tasks  # noqa: F401
