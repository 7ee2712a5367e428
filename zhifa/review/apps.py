from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "zhifa.review"
    label = "review"
    verbose_name = "法制审核"

    def ready(self):
        from zhifa.cases.interconnect import register_push_hook
        from zhifa.cases.panels import register_panel
        from zhifa.cases.workflow import (
            register_advance_check,
            register_after_record,
            register_consultation_duty,
            register_issue_check,
            register_record_check,
        )
        from zhifa.core.workdays import register_recompute

        from . import events  # noqa: F401  (event kinds)
        from .gate import advance_gate, issue_gate, record_gate
        from .selectors import consultation_duty
        from .services import determination_from_push, determination_refresh, recompute_provisional
        from .views import case_panel

        register_advance_check(advance_gate)
        register_issue_check(issue_gate)
        register_record_check(record_gate)
        register_after_record(determination_refresh)
        register_panel(case_panel)
        register_consultation_duty(consultation_duty)
        register_push_hook(determination_from_push)
        register_recompute(recompute_provisional)
