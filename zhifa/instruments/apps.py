from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "zhifa.instruments"
    label = "instruments"
    verbose_name = "监督文书"

    def ready(self):
        # M22 (an instrument unanswered or uncorrected by its deadline) is registered with the supervision
        # registry from here: supervision sits below instruments and cannot import it (issue 20 plan).
        from zhifa.core.todo import register_provider

        from . import entry_scope, events, problems, todo  # noqa: F401

        register_provider("instruments", todo.todo_items_for, todo.overdue_items_for)
        entry_scope.register()  # who reads the log entries about instruments
        # The case page and an alert's page list the instruments about them (cases and supervision sit below).
        from zhifa.cases.panels import register_panel
        from zhifa.supervision.panels import register_alert_panel

        from .panels import alert_panel, case_panel

        register_panel(case_panel)
        register_alert_panel(alert_panel)
