"""A review form with one invalid field comes back with everything else that was typed (issue 18 §4): the page
again (400), not a redirect that drops the input."""

import re

import pytest

from zhifa.review.models import Catalogue
from zhifa.review.tests.conftest import assigned, submitted


@pytest.mark.req("REV-05")
@pytest.mark.django_db
def test_an_invalid_pause_keeps_its_reason_and_kind(client, desk, office):
    review = assigned(submitted(desk, office), office)
    client.force_login(office.reviewer_user)
    response = client.post(f"/review/cases/{review.case_id}/pause/",
                           {"kind": "supplement", "reason": "请补充现场照片原件", "due_date": "下周五"})
    page = response.content.decode()
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.state == "submitted"
    assert 'value="请补充现场照片原件"' in page and 'value="下周五"' in page
    assert re.search(r'<option value="supplement" selected', page)


@pytest.mark.req("REV-02")
@pytest.mark.django_db
def test_a_refused_catalogue_keeps_every_row(client, desk, office):
    """No date given: the rows typed, their choices and the note come back as entered."""
    client.force_login(office.head)
    response = client.post("/review/catalogues/", {
        "agency": desk.agency.pk, "effective_from": "", "note": "第二版目录", "review_all_ordinary": "on",
        "action_type_0": "penalty", "matter_0": "较大数额罚款", "criterion_0": "fine_at_least", "amount_0": "50000",
        "collective_0": "on", "basis_0": "《行政处罚法》第五十七条",
        "action_type_1": "penalty", "matter_1": "吊销许可证件", "criterion_1": "measure", "measure_1": "revoke_licence"})
    page = response.content.decode()
    assert response.status_code == 400 and not Catalogue.objects.exists()
    assert "请填写施行日期" in page
    assert 'value="较大数额罚款"' in page and 'value="50000"' in page and 'value="《行政处罚法》第五十七条"' in page
    assert 'value="吊销许可证件"' in page and 'value="第二版目录"' in page
    assert re.search(r'name="measure_1"[^>]*>(?:(?!</select>).)*<option value="revoke_licence" selected', page, re.S)
    assert re.search(r'name="collective_0" aria-label="集体讨论" checked', page)
    assert re.search(r'name="review_all_ordinary" checked', page)
