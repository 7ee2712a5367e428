from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhifa.cases"
    label = "cases"
    verbose_name = "执法案件"

    def ready(self):
        from zhifa.ledger.selectors import register_entry_read_guard

        from . import events  # noqa: F401  (registers this app's ledger event kinds)
        from .selectors import ledger_entry_guard

        register_entry_read_guard(ledger_entry_guard)
