from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "zhifa.org"
    label = "org"
    verbose_name = "机构与人员"

    def ready(self):
        from zhifa.core.permissions import register_checker, register_roles_reader

        from . import (
            entry_scope,
            events,  # noqa: F401  (registers this app's ledger event kinds)
        )
        from .permissions import can, roles_of

        register_checker(can)
        register_roles_reader(roles_of)  # issue 14 §6: who must have a second factor
        entry_scope.register()  # who reads the log entries about the registry (issue 15 §5)
