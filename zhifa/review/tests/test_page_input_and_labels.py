"""The review pages keep a refused opinion's input and name things as people do, not by their codes (tryout of
issue 14, findings 4 and 6, as a class)."""

import re

import pytest
from django.utils import timezone

from zhifa.review import services
from zhifa.review.models import Opinion
from zhifa.review.tests.conftest import agree, assigned, submitted
from zhifa.rules.catalogue import REVIEW_ITEMS


@pytest.mark.req("REV-05")
@pytest.mark.django_db
def test_a_refused_opinion_keeps_the_checklist_and_text(client, desk, office):
    """A problem found without saying what it is is refused; every finding, note, the kind, grounds and text
    come back as the reviewer entered them."""
    review = assigned(submitted(desk, office), office)
    client.force_login(office.reviewer_user)
    form = {f"finding_{c}": "ok" for c in review.rules["items"]} | {
        "finding_law_applied": "problem", "note_law_applied": "", "finding_procedure": "na",
        "note_procedure": "程序另行审查", "kind": "refuse", "grounds": ["basis_inaccurate"], "text": "依据不准确，建议重新研究"}
    response = client.post(f"/review/cases/{review.case_id}/opinion/", form)
    page = response.content.decode()
    assert response.status_code == 400 and not Opinion.objects.exists()
    assert "存在问题，请写明问题" in page
    assert re.search(r'name="finding_law_applied"[^>]*>.*?<option value="problem" selected', page, re.S)
    assert re.search(r'name="finding_procedure"[^>]*>(?:(?!</select>).)*<option value="na" selected', page, re.S)
    assert 'value="程序另行审查"' in page and "依据不准确，建议重新研究</textarea>" in page
    assert re.search(r'<option value="refuse" selected', page)
    assert re.search(r'name="grounds" value="basis_inaccurate" checked', page)


@pytest.mark.req("REV-05")
@pytest.mark.django_db
def test_the_opinion_and_catalogue_show_labels_not_codes(client, desk, office):
    review = assigned(submitted(desk, office), office)
    agree(review, office)
    client.force_login(desk.officer)  # the review has passed: its reviewer would now state a reason to read it
    page = client.get(f"/review/cases/{review.case_id}/").content.decode()
    first = review.rules["items"][0]
    assert f"{REVIEW_ITEMS[first]}：符合" in page and f"{first}：" not in page
    services.catalogue_issue(agency=desk.agency, effective_from=timezone.localdate(), actor=office.head, items=[
        {"action_type": "penalty", "matter": "吊销营业执照事项", "criterion": "measure", "measure": "revoke_licence"}])
    client.force_login(office.reviewer_user)
    catalogues = client.get("/review/catalogues/").content.decode()
    assert "采取特定措施 吊销许可证件" in catalogues and " revoke_licence" not in catalogues
