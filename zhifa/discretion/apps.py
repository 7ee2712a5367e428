from django.apps import AppConfig


class DiscretionConfig(AppConfig):
    name = "zhifa.discretion"
    label = "discretion"
    verbose_name = "行政裁量权基准"

    def ready(self):
        from . import events  # noqa: F401  (registers this app's ledger event kinds)
