from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "zhifa.records"
    label = "records"
    verbose_name = "音像记录"

    def ready(self):
        from zhifa.cases.workflow import register_advance_check

        from . import events, services  # noqa: F401  (event kinds; the calendar recompute hook)
        from .selectors import av_problems_for_advance

        register_advance_check(av_problems_for_advance)
