from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks behind `make bench`. No models and no URLs of the site's own: installed,
    it adds only its management commands and templates; no product code imports it."""

    name = "bench"
    verbose_name = "Benchmarks"
