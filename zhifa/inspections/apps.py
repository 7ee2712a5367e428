from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "zhifa.inspections"
    label = "inspections"
    verbose_name = "双随机抽查"

    def ready(self):
        from zhifa.core.todo import register_provider

        # problems: M26 (a result not published by its deadline) registers itself with the supervision registry.
        from . import entry_scope, events, problems, rules_text, todo  # noqa: F401

        entry_scope.register()  # who reads the log entries about random inspections
        register_provider("inspections", todo.todo_items_for, todo.overdue_items_for)
        rules_text.register()  # the inspections.* rules as sentences on the rules page
