"""The inspector directory (执法检查人员名录库; issue 22 §2, INS-02): the agency's certified officers a draw over a
period would take — certificate in force every day of it, not revoked or withheld, not review staff."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.org.models import CertificateSuspension

pytestmark = [pytest.mark.django_db, pytest.mark.req("INS-02")]


def test_the_page_lists_the_inspectors_in_force_over_the_period(client, world):
    today = timezone.localdate()
    short = world.inspectors[5]
    short.valid_to = today + dt.timedelta(days=5)
    short.save(update_fields=["valid_to"])
    CertificateSuspension.objects.create(certificate=world.inspectors[4], starts_on=today + dt.timedelta(days=10),
                                         reason="暂扣审查", recorded_by=world.sup)
    client.force_login(world.head)
    url = f"/inspections/directory/{world.a1.pk}/inspectors/"
    page = client.get(url).content.decode()
    assert all(c.number in page for c in world.inspectors) and "共 7 名" in page  # with users.officer_a1, certified too
    later = client.get(url, {"starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=20)).isoformat()})
    html = later.content.decode()
    assert "共 5 名" in html and world.inspectors[5].number not in html and world.inspectors[4].number not in html
    assert world.env_inspectors[0].number not in html  # another agency's


def test_a_bad_period_is_a_clear_error_and_another_agency_is_not_found(client, world):
    client.force_login(world.head)
    bad = client.get(f"/inspections/directory/{world.a1.pk}/inspectors/", {"starts_on": "2026-12-10",
                                                                            "ends_on": "2026-12-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    assert client.get(f"/inspections/directory/{world.env.pk}/inspectors/").status_code == 404

