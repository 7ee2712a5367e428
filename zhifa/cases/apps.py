from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhifa.cases"
    label = "cases"
    verbose_name = "执法案件"

    def ready(self):
        from . import events  # noqa: F401  (registers this app's ledger event kinds)
