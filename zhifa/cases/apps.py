from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhifa.cases"
    label = "cases"
    verbose_name = "执法案件"

    def ready(self):
        from . import (
            entry_scope,
            events,  # noqa: F401  (registers this app's ledger event kinds)
        )

        entry_scope.register()  # who reads the log entries about a case (issue 15 §5)
