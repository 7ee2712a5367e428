"""The three systems' compliance rates the cockpit shows per agency and month (issue 20 §6): each counts what its
rule requires, and the cases that miss it."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from zhifa.cockpit.selectors import compliance
from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import decided_case, pubdesk  # noqa: F401  (fixture)
from zhifa.records.findings import CaseFinding
from zhifa.review.tests.conftest import decision_case, determine, office  # noqa: F401  (fixture)


def month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_a_decision_not_published_by_its_deadline_counts_against_the_agency(pubdesk, users):  # noqa: F811
    case = decided_case(pubdesk)
    pub = Publication.objects.get(case=case, kind="decision")
    assert pub.due_on is not None and pub.published_at is None
    today = timezone.localdate()
    before = compliance({pubdesk.agency.pk}, actor=users.city_a_supervisor, today=today)
    assert before[(pubdesk.agency.pk, month(pub.due_on))]["published"] == [0, 0]  # not yet due: not counted
    later = pub.due_on + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(later, dt.time(10)).astimezone(), tick=False):
        after = compliance({pubdesk.agency.pk}, actor=users.city_a_supervisor, today=later)
    assert after[(pubdesk.agency.pk, month(pub.due_on))]["published"] == [0, 1]


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_a_major_decision_without_a_passed_review_counts_against_the_agency(desk, users, office):  # noqa: F811
    case = decision_case(desk)
    determine(case, desk)  # major (criteria given), no review yet
    other = decision_case(desk)
    determine(other, desk, fine_amount="100", criteria=[])  # not major: not counted
    today = timezone.localdate()
    cells = compliance({desk.agency.pk}, actor=users.city_a_supervisor, today=today)
    assert cells[(desk.agency.pk, month(today))]["reviewed"] == [0, 1]


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_a_case_with_a_mandatory_recording_missing_counts_against_the_agency(monkeypatch, tree, users, opener):
    first = opener(tree.agency_a1, users.officer_a1)
    opener(tree.agency_a1, users.officer_a1, title="第二案")
    missing = CaseFinding("missing_recording", first.pk, first.number, first.title, tree.agency_a1.name, "未记录", None)
    asked = []

    def findings(*, actor, kinds, agency_ids, opened_since):
        asked.append((kinds, set(agency_ids), opened_since <= timezone.localdate()))
        return [missing]

    monkeypatch.setattr("zhifa.cockpit.selectors.findings_for", findings)
    today = timezone.localdate()
    cells = compliance({tree.agency_a1.pk}, actor=users.city_a_supervisor, today=today)
    assert cells[(tree.agency_a1.pk, month(today))]["recorded"] == [1, 2]
    # Only the agencies and months in view are read (review: every on-site document of the whole scope, all time).
    assert asked == [(["missing_recording"], {tree.agency_a1.pk}, True)]
