"""System checks of the core app (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_password_hashers(app_configs=None, **kwargs):
    """The tests' cheap Argon2 (core.testing.QuickArgon2PasswordHasher, set by conftest.py) never in a deployment:
    it is importable from the package, so a settings mistake could otherwise ship it."""
    test_only = [h for h in settings.PASSWORD_HASHERS if h.startswith("zhifa.core.testing.")]
    if not test_only:
        return []
    return [checks.Error(
        f"PASSWORD_HASHERS names a hasher made for the tests: {', '.join(test_only)}.",
        hint="Use Django's Argon2PasswordHasher at its default cost (config/settings.py).",
        id="zhifa.core.E001")]
