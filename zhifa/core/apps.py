from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhifa.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from django.db.models.signals import pre_save

        from . import checks, signals  # noqa: F401  (deploy checks; login/logout/failure audit receivers)
        from .bounds import guard_save

        # Issue 13 §5: every zhifa row is checked against its columns' limits before the database sees it.
        pre_save.connect(guard_save, dispatch_uid="zhifa.core.bounds")
