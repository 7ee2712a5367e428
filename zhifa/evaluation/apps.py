from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "zhifa.evaluation"
    label = "evaluation"
    verbose_name = "案卷评查"

    def ready(self):
        from zhifa.rules.catalogue import register_check, register_text

        from . import prescore, standards

        # Issue 21 §1: a standard's machine checks must exist (prescore.CHECKS), on every path that writes a version.
        register_check(standards.RULE_KEY, prescore.check_code_validate)
        register_text(standards.RULE_KEY, standards.rule_text)
        # §2, §4, §5 (campaigns, evaluators, results): to-do items, the log's reading scope, and M25 (a failed file not
        # rectified by its deadline) registered with the supervision registry (supervision sits below evaluation).
        from zhifa.core.todo import register_provider

        from . import entry_scope, events, problems, todo  # noqa: F401

        register_provider("evaluation", todo.todo_items_for)
        entry_scope.register()
