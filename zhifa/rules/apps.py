from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "zhifa.rules"
    label = "rules"
    verbose_name = "区域规则"

    def ready(self):
        from . import entry_scope

        entry_scope.register()  # who reads the log entries about rules (issue 15 §5)
