"""The portal tests use the publicity desk: an agency with a publicity editor and approver."""

from zhifa.publicity.tests.conftest import pubdesk  # noqa: F401 (fixture)
