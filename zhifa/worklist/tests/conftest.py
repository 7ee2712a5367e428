"""The review office and the publicity desk of the other apps' tests, and the officer of the test tree assigned to
the cases they open (the to-do lists are about who acts)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.org.tests.factories import CertificateFactory
from zhifa.publicity.tests.conftest import pubdesk  # noqa: F401  (fixture)
from zhifa.review.tests.conftest import office  # noqa: F401  (fixture)


@pytest.fixture
def on_duty(desk, users, tree):
    """The officer user (甲一执法员), certified, is one of the officers every helper case assigns."""
    person = users.officer_a1.person
    today = timezone.localdate()
    CertificateFactory(person=person, area=tree.a1, valid_from=today - dt.timedelta(days=100),
                       valid_to=today + dt.timedelta(days=300))
    desk.officers.append(person)
    return desk
