"""The ledger lookup after a refusal (issue 20 tryout): an entry about a case is the case's record, read by someone
outside the case only after a consultation that states the reason (REC-15, 调阅). The refusal says what to do next —
the consultation page, which comes back to the entry — names the agency that holds the record, and offers a way back;
an entry that is missing or out of scope still reads as missing, with no way on that would tell them apart."""

from urllib.parse import quote

import pytest

from zhifa.cases.tests.conftest import inspection_with_record
from zhifa.core.permissions import Role
from zhifa.ledger import services
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant

pytestmark = [pytest.mark.django_db, pytest.mark.req("REC-15")]


@pytest.fixture
def logged(desk):
    """A case's inspection record in the log, placed and under a signed checkpoint; its entry's seq."""
    case, document = inspection_with_record(desk)
    while services.integrate():
        pass
    services.checkpoint_create()
    return case, Entry.objects.get(pk=document.entry_id).seq


def test_the_refusal_says_how_to_consult_and_comes_back(client, users, logged, desk):
    case, seq = logged
    sup = users.city_a_supervisor
    client.force_login(sup)
    page = client.get(f"/ledger/?seq={seq}").content.decode()
    assert "调阅案件应当先说明事由" in page and "现场检查" not in page  # the refusal, nothing of the record
    consult = f"/cases/{case.pk}/consult/?next={quote(f'/ledger/?seq={seq}', safe='')}"
    assert 'id="way-on"' in page and f'href="{consult.replace("&", "&amp;")}"' in page
    assert "说明调阅事由" in page and desk.agency.name in page and "分钟内有效" in page
    assert 'href="/ledger/"' in page and "返回首页" in page
    # Following it: the reason stated, back to the entry, now read (and the read logged against the consultation).
    response = client.post(f"/cases/{case.pk}/consult/", {"consultation_reason": "核对执法记录日志",
                                                          "next": f"/ledger/?seq={seq}"})
    assert response.status_code == 302 and response["Location"] == f"/ledger/?seq={seq}"
    page = client.get(response["Location"]).content.decode()
    assert "已核验" in page and 'id="way-on"' not in page
    assert Entry.objects.filter(kind="cases.content_read", subject=f"cases.case:{case.pk}").exists()


def test_a_missing_or_out_of_scope_entry_has_no_way_on(client, tree, logged):
    """Another city's supervisor: the same sentence as a missing entry, no consultation link, no case, no agency."""
    case, seq = logged
    other = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=tree.city_b)
    client.force_login(other)
    refused = client.get(f"/ledger/?seq={seq}").content.decode()
    missing = client.get("/ledger/?seq=999999").content.decode()
    for page in (refused, missing):
        assert "或该条目不在您的查看范围内" in page and 'id="way-on"' not in page
        assert f"/cases/{case.pk}/" not in page and tree.agency_a1.name not in page
