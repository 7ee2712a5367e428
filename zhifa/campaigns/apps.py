from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "zhifa.campaigns"
    label = "campaigns"
    verbose_name = "专项监督检查"

    def ready(self):
        from zhifa.core.todo import register_provider

        from . import entry_scope, events, todo  # noqa: F401

        register_provider("campaigns", todo.todo_items_for)
        entry_scope.register()  # who reads the log entries about campaigns
