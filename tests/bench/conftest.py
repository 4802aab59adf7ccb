# The benchmarks seed and time the application form: they use its fixtures.
from tests.applications.conftest import applicant, open_edition  # noqa: F401
