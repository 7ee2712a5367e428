"""The 文号 and the date of an issued document (REC-02, issue 18 §2; review 18 findings 2 and 3): one numbering
mechanism (the agency's row locked, as for case numbers), taken in the transaction that issues the document so a
failed issue spends no serial; consecutive numbers under concurrency (PostgreSQL); one stored date (成文日期) printed
by every rendition, issued whenever (the case-file index: records/tests/test_casefile_print.py)."""

import datetime as dt
import io
import threading
import zipfile

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection

from zhifa.cases import numbering, rendering, services
from zhifa.cases.models import DocumentNumber, DocumentRendition
from zhifa.cases.tests.test_documents_standard import _keys, decision, decision_stage_case  # noqa: F401
from zhifa.cases.tests.test_documents_standard import agency as agency
from zhifa.ledger.models import Entry

# Noon in Beijing, so the local day is the one named.
DECEMBER = dt.datetime(2026, 12, 30, 4, tzinfo=dt.UTC)
JANUARY = dt.datetime(2027, 1, 5, 4, tzinfo=dt.UTC)


def _capture_html(monkeypatch) -> list[str]:
    """The HTML every PDF issue typesets (the PDF's text is glyph ids: what was laid out is read here)."""
    seen, real = [], rendering.document_html

    def capture(document):
        html = real(document)
        seen.append(html)
        return html

    monkeypatch.setattr(rendering, "document_html", capture)
    return seen


def _docx_text(rendition) -> str:
    with default_storage.open(rendition.blob.storage_name) as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as zf:
        return zf.read("word/document.xml").decode()


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_decision_date_is_stored_once_and_printed_by_every_rendition_and_the_index(desk, agency, users,
                                                                                        monkeypatch):
    seen = _capture_html(monkeypatch)
    with time_machine.travel(DECEMBER, tick=False):
        case = decision_stage_case(desk)
        draft = decision(case, desk)
        pdf = services.document_issue(document=draft, kind="pdf", actor=users.head_a1)
    assert DocumentNumber.objects.get().issued_on == dt.date(2026, 12, 30)
    assert len(seen) == 1 and "二〇二六年十二月三十日" in seen[0] and "甲一市监罚决〔2026〕1号" in seen[0]
    with time_machine.travel(JANUARY, tick=False):  # the Word copy, issued next year
        docx = services.document_issue(document=draft, kind="docx", actor=users.head_a1)
        assert rendering.document_date(draft) == dt.date(2026, 12, 30)
    word = _docx_text(docx)
    assert "二〇二六年十二月三十日" in word and "甲一市监罚决〔2026〕1号" in word
    assert "二〇二七年" not in word and "〔2027〕" not in word
    assert pdf.issued_at.date() != docx.issued_at.date()  # the two were issued on different days
    # The case-file index prints the same date: records/tests/test_casefile_print.py.


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_a_correction_keeps_the_number_and_its_date(desk, agency, users, monkeypatch):
    with time_machine.travel(DECEMBER, tick=False):
        case = decision_stage_case(desk)
        draft = decision(case, desk)
        services.document_issue(document=draft, kind="docx", actor=users.head_a1)
    with time_machine.travel(JANUARY, tick=False):
        fixed = services.document_record(case=case, form="penalty_decision", supersedes=draft, correction_reason="金额笔误",
                                         actor=desk.officer, elements=draft.elements | {"penalty": "罚款人民币1500元"})
        word = _docx_text(services.document_issue(document=fixed, kind="docx", actor=users.head_a1))
    assert "二〇二六年十二月三十日" in word and "甲一市监罚决〔2026〕1号" in word and "壹仟伍佰元整" in word


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_an_unnumbered_document_is_dated_by_its_first_rendition(desk, agency, users):
    with time_machine.travel(DECEMBER, tick=False):
        case = decision_stage_case(desk)
        record = case.documents.get(form="inspection_record")
        assert rendering.issued_on(record) is None  # a draft has no date of its own yet
        services.document_issue(document=record, kind="docx", actor=users.head_a1)
    with time_machine.travel(JANUARY, tick=False):
        services.document_issue(document=record, kind="pdf", actor=users.head_a1)
        assert rendering.document_date(record) == dt.date(2026, 12, 30)


@pytest.mark.req("REC-02")
@pytest.mark.django_db
@pytest.mark.parametrize("failing", ["signing", "storage"])
def test_a_failed_issue_spends_no_number(desk, agency, users, monkeypatch, failing):
    case = decision_stage_case(desk)
    first, second = decision(case, desk), decision(case, desk, penalty="警告")

    def broken(*args, **kwargs):
        raise RuntimeError(f"{failing} failed")

    target = ("signing", "sign_pdf") if failing == "signing" else ("evidence_put", None)
    if target[1]:
        monkeypatch.setattr(services.signing, target[1], broken)
    else:
        monkeypatch.setattr(services, "evidence_put", broken)
    with pytest.raises(RuntimeError):
        services.document_issue(document=first, kind="pdf", actor=users.head_a1)
    assert not DocumentNumber.objects.exists() and not DocumentRendition.objects.exists()
    assert not Entry.objects.filter(kind__in=("cases.document_numbered", "cases.document_issued")).exists()
    monkeypatch.undo()
    services.document_issue(document=second, kind="pdf", actor=users.head_a1)
    assert DocumentNumber.objects.get(document=second).text == "甲一市监罚决〔2026〕1号"  # the serial was not spent
    services.document_issue(document=first, kind="pdf", actor=users.head_a1)
    assert DocumentNumber.objects.get(document=first).serial == 2


@pytest.mark.req("REC-02")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issues_get_consecutive_numbers(desk, agency, users, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (DATABASE_URL=postgres://…)")
    case = decision_stage_case(desk)
    docs = [decision(case, desk, penalty="警告") for _ in range(2)]
    start, real, calls = threading.Barrier(2, timeout=30), numbering.format_number, []

    def counted(*args):
        calls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(numbering, "format_number", counted)
    results, errors = [], []

    def issue(doc, kind="pdf"):
        try:
            start.wait()  # both issues begin together
            results.append(services.document_issue(document=doc, kind=kind, actor=users.head_a1).pk)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def run(*jobs):
        start.reset()
        results.clear()
        threads = [threading.Thread(target=issue, args=job) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors

    run((docs[0],), (docs[1],))
    assert sorted(DocumentNumber.objects.values_list("serial", flat=True)) == [1, 2]
    assert sorted(calls) == [1, 2]  # one number each, no retry: the agency's row was locked
    # The same document issued twice at once: one number, one rendition.
    calls.clear()
    third = decision(case, desk, penalty="警告")
    run((third,), (third,))
    assert DocumentNumber.objects.get(document=third).serial == 3 and calls == [3]
    assert len(set(results)) == 1 and DocumentRendition.objects.filter(document=third).count() == 1
    # Its PDF and its Word file at once: still one number.
    fourth = decision(case, desk, penalty="警告")
    calls.clear()
    run((fourth, "pdf"), (fourth, "docx"))
    assert DocumentNumber.objects.get(document=fourth).serial == 4 and calls == [4]
    assert sorted(DocumentNumber.objects.values_list("serial", flat=True)) == [1, 2, 3, 4]
