"""A refused import says to choose the file again: a browser keeps no chosen file across a refusal (issue 18 §4)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhifa.org.importing import AGENCY_SHEET
from zhifa.org.tests.test_importing import XLSX, good_sheets, workbook


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_a_refused_import_asks_for_the_file_again(client, users, tree):
    client.force_login(users.county_a1_supervisor)
    wrong = client.post("/org/import/", {"file": SimpleUploadedFile("org.csv", b"a,b", "text/csv")}).content.decode()
    assert "请上传 .xlsx" in wrong and 'id="choose-again"' in wrong
    bad = good_sheets()
    bad[AGENCY_SHEET][0]["主体类别"] = "乱填"
    rows = client.post("/org/import/", {"file": SimpleUploadedFile("org.xlsx", workbook(bad).read(), XLSX)})
    assert "未导入任何数据" in rows.content.decode() and 'id="choose-again"' in rows.content.decode()
    done = client.post("/org/import/", {"file": SimpleUploadedFile("org.xlsx", workbook(good_sheets()).read(), XLSX)})
    assert "导入完成" in done.content.decode() and 'id="choose-again"' not in done.content.decode()
    assert 'id="choose-again"' not in client.get("/org/import/").content.decode()
