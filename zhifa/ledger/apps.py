from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "zhifa.ledger"
    label = "ledger"
    verbose_name = "防篡改日志与证据存储"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
