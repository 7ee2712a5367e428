from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "zhifa.publicity"
    label = "publicity"
    verbose_name = "行政执法公示"

    def ready(self):
        from zhifa.cases.panels import register_panel
        from zhifa.cases.workflow import register_after_advance

        from . import (
            entry_scope,
            events,  # noqa: F401  (event kinds)
        )
        from .services import decision_collect_on_advance
        from .views import case_panel

        register_after_advance(decision_collect_on_advance)
        register_panel(case_panel)
        entry_scope.register()  # who reads the log entries about publications, requests, reports (issue 15 §5)
