import pytest


@pytest.fixture(autouse=True)
def _ledger_sandbox(settings, tmp_path):
    """Each test signs with its own key and stores evidence in its own folder."""
    from zhifa.ledger import services

    settings.ZHIFA_LEDGER_KEY = ""
    settings.ZHIFA_LEDGER_KEY_FILE = str(tmp_path / "ledger.key")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    services._signer_cache = None
    yield
    services._signer_cache = None
