from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "zhifa.supervision"
    label = "supervision"
    verbose_name = "执法监督"

    def ready(self):
        # Every module of zhifa.supervision.problems registers its problem model on import (registry.register).
        from django.db.models.signals import post_save

        from zhifa.core.todo import register_provider
        from zhifa.ledger.models import Entry
        from zhifa.rules.catalogue import register_check, register_text

        from . import events, params, problems, services, todo  # noqa: F401

        # Event-driven evaluation (issue 20 §3): the ledger's one writer sends post_save for every entry it appends;
        # the ledger imports nothing of supervision, supervision listens.
        post_save.connect(services.on_entry_saved, sender=Entry, dispatch_uid="supervision.on_entry_saved")
        # The agency's open alerts on its heads' to-do list (core.todo; worklist's ready() says how).
        register_provider("supervision", todo.todo_items_for)
        # The rules page reads the models' switches and thresholds as sentences, by the models' names.
        register_text("supervision.models", params.rule_text)
        register_check("supervision.models", params.rule_check)
        # The case page shows the case's open alerts to those who may see them (cases sits below supervision).
        from zhifa.cases.panels import register_panel

        from .panels import case_panel

        register_panel(case_panel)
