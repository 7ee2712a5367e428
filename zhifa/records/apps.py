from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "zhifa.records"
    label = "records"
    verbose_name = "音像记录"

    def ready(self):
        from zhifa.cases.workflow import register_advance_check, register_after_advance

        from . import entry_scope, events, services  # noqa: F401  (event kinds; the calendar recompute hook)
        from .archive import casefile_seal
        from .selectors import av_problems_for_advance

        register_advance_check(av_problems_for_advance)
        register_after_advance(casefile_seal)
        entry_scope.register()  # who reads the log entries about devices and rooms (issue 15 §5)
