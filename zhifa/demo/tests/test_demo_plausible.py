"""The demo is plausible (issue 18 §7, §8): each agency handles cases of its own field; the legal reviewer handles no
case; no case is opened or recorded by an officer without a certificate in force on the day of the work; every agency
prints its abbreviation, fine collector, remedies and seal; the supervisor has overdue work to look at; and the
published decision is found by the words the portal's examples use."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.models import Case, CaseOfficer, Document
from zhifa.core.errors import ZhifaError
from zhifa.ledger.models import Entry
from zhifa.org.models import Agency, Field, Person, UnitKind
from zhifa.org.selectors import officer_eligibility
from zhifa.publicity import selectors as publicity
from zhifa.records.models import Recording, UploadDeadline
from zhifa.review import selectors as review
from zhifa.review.models import Assignment, Review

# The laws a field's agency enforces, as the demo cites them: a market bureau fines for food safety, licences, prices,
# advertising, product quality and trademarks — not for traffic or pollution.
FIELD_LAWS = {
    Field.MARKET: ("食品安全法", "无证无照经营查处办法", "反不正当竞争法", "价格法", "明码标价和禁止价格欺诈规定",
                   "产品质量法", "商标法", "市场主体登记管理条例"),
}
# Three words that find the demo's published decision on the portal (the portal's examples rely on them).
PUBLISHED_WORDS = ("明码标价", "摊位", "警告")


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_the_demo_is_plausible():
    call_command("demo_load")
    User = get_user_model()

    # Every agency prints what its documents need, and its seal is a drawn SVG in storage.
    for agency in Agency.objects.all():
        assert agency.abbreviation and agency.fine_collector and agency.reconsideration_organ, agency.name
        assert agency.litigation_court and agency.seal_image.name.endswith(".svg"), agency.name
        with default_storage.open(agency.seal_image.name) as fh:
            svg = fh.read().decode()
        assert svg.startswith("<svg") and "<polygon" in svg and agency.name in svg
    market = Agency.objects.get(name="东岭县市场监督管理局")
    assert market.abbreviation == "东市监"

    # Cases of the agency's own field, citing its laws.
    all_cases = list(Case.objects.select_related("agency", "place", "opened_by"))
    assert len(all_cases) >= 8
    for case in all_cases:
        laws = FIELD_LAWS[case.agency.field]
        assert any(law in case.legal_basis for law in laws), (case.number, case.agency.field, case.legal_basis)

    # The legal reviewer handles no case, and no reviewer is an officer of the case they review.
    reviewer = User.objects.get(username="reviewer").person
    assert not CaseOfficer.objects.filter(person=reviewer).exists()
    assert not CaseOfficer.objects.filter(person__is_reviewer=True).exists()
    assert not CaseOfficer.objects.filter(person__unit__kind=UnitKind.REVIEW).exists()
    for a in Assignment.objects.select_related("review"):
        assert not CaseOfficer.objects.filter(case_id=a.review.case_id, person_id=a.person_id).exists()

    # Certificates in force on the day of the work: the opener, each document's officers, each recording's officer.
    def in_force(person, case, on):
        result = officer_eligibility(person, field=case.agency.field, jurisdiction=case.place, on=on)
        return result.ok, result.message

    for case in all_cases:
        opener = Person.objects.filter(user=case.opened_by).first()
        assert opener is not None and opener.certificates.exists(), case.number  # officers open cases
        ok, why = in_force(opener, case, timezone.localdate(case.opened_at))
        assert ok, (case.number, why)
    for doc in Document.objects.select_related("case__agency", "case__place"):
        if not doc.elements.get("officers"):
            continue
        on = timezone.localdate(dt.datetime.fromisoformat(doc.elements["time"]))
        for person in Person.objects.filter(pk__in=doc.elements["officers"]):
            ok, why = in_force(person, doc.case, on)
            assert ok, (doc.case.number, doc.form, why)
    for rec in Recording.objects.select_related("case__agency", "case__place", "officer"):
        ok, why = in_force(rec.officer, rec.case, timezone.localdate(rec.started_at))
        assert ok, why

    # A withheld certificate is on show, and its holder is on no case.
    from zhifa.org.models import CertificateSuspension
    withheld = CertificateSuspension.objects.select_related("certificate").get()
    assert withheld.certificate.person.certificates.count() == 1
    assert not CaseOfficer.objects.filter(person_id=withheld.certificate.person_id).exists()

    # The officer whose certificate expired cannot open a case (one such case had been opened before the gate).
    expired = User.objects.get(username="officer_expired")
    with pytest.raises(ZhifaError) as exc:
        cases.case_open(agency=market, handling_unit=market.units.get(kind=UnitKind.HANDLING), title="试图立案",
                        action_type="penalty", procedure="ordinary", place=market.jurisdiction,
                        legal_basis="《中华人民共和国价格法》第十三条", actor=expired)
    assert exc.value.code == "officer_certificate_expired" and "过期" in exc.value.message

    # The county supervisor has overdue work to look at: a decision not published in time, a recording uploaded late
    # and one not uploaded at all. A review waits for its reviewer, within its time limit: it was received when the
    # demo entered it, and no row is edited afterwards (review18 finding 9).
    supervisor = User.objects.get(username="county_supervisor")
    today = timezone.localdate()
    overdue = publicity.overdue_for(actor=supervisor, on=today).select_related("decision_document")
    assert overdue.exists()
    for pub in overdue:  # collected with the decision's own date, not edited to it afterwards
        decided = timezone.localdate(dt.datetime.fromisoformat(pub.decision_document.elements["time"]))
        assert pub.decided_on == decided < today
        collected = Entry.objects.get(subject=f"publicity.publication:{pub.pk}", kind="publicity.item_collected")
        assert json.loads(collected.payload)["data"]["due_on"] == pub.due_on.isoformat()
    waiting = Review.objects.filter(case__agency=market, state="submitted")
    assert waiting.exists() and not review.overdue_for(actor=supervisor, on=today).exists()
    for r in waiting:
        assert r.clock_started_on == today
    # Rows and the log agree: every case was opened when its ledger entry says.
    for case in all_cases:
        opened = Entry.objects.get(subject=f"cases.case:{case.pk}", kind="cases.opened")
        assert abs(opened.at - case.opened_at) < dt.timedelta(seconds=5), case.number
    assert UploadDeadline.objects.filter(late=True, recording__case__agency=market).exists()
    inquiry = Document.objects.get(form="inquiry_record", case__agency=market)  # in the inquiry room, days ago,
    assert "case_premises" in inquiry.elements["activities"]  # an activity the rules say must be recorded,
    assert not Recording.objects.filter(case=inquiry.case, document=inquiry).exists()  # still without its recording
    assert timezone.localdate(dt.datetime.fromisoformat(inquiry.elements["end_time"])) < today - dt.timedelta(days=1)

    # The portal finds the published decision by its words.
    root = publicity.portal_jurisdiction(None)
    for word in PUBLISHED_WORDS:
        assert publicity.portal_items(root, query=word).exists(), word


@pytest.mark.vendor_neutral  # how the demo reads; test_demo_load proves the load on each engine
@pytest.mark.django_db
def test_the_demo_reads_like_real_work():
    """tryout18 defect 12: every record at its own office-hours time, in the case's order, with its own words; each
    record's 执法对象 is the case's party; each organisation has its own credit code; every case that reaches a decision
    has a party; a decision is signed (签发) before it is published; people have names; a second publicity approver; and
    the county supervisor's overdue list holds items of more than one kind."""
    from zhifa.cases.models import DocumentRendition, Party
    from zhifa.core.idnumbers import check_credit_code
    from zhifa.core.workdays import is_working_day
    from zhifa.demo.clock import CLOSE, LOCAL, OPEN
    from zhifa.publicity.models import Publication
    from zhifa.worklist.selectors import overdue_for

    call_command("demo_load")
    User = get_user_model()
    on_site = {"filing_approval", "inspection_record", "inquiry_record", "investigation_report", "penalty_notice",
               "penalty_decision", "service_receipt", "closing_report", "seizure_decision"}
    texts = set()
    for case in Case.objects.prefetch_related("parties"):
        docs = [d for d in case.documents.order_by("pk") if d.form in on_site]
        moments = [dt.datetime.fromisoformat(d.elements["time"]).astimezone(LOCAL) for d in docs]
        assert moments == sorted(moments), case.number  # filing before inspection before …
        for doc, moment in zip(docs, moments, strict=True):
            assert OPEN <= moment.time() <= CLOSE, (case.number, doc.form, moment)
            if case.action_type != "coercion":  # the recent seizure may fall on a rest day; the rest is office work
                assert is_working_day(moment.date()), (case.number, doc.form, moment)
            texts.add((doc.elements["content"], doc.elements["process"]))
            names = [p.name for p in case.parties.all()]
            assert any(doc.elements["target"].startswith(n.removesuffix("（虚构）")) for n in names), (
                case.number, doc.elements["target"], names)
        if case.stage in ("decision", "service_enforcement", "archive"):
            assert case.parties.exists(), case.number
    assert len(texts) >= 20  # not one 执法内容/执法过程 for every record
    codes = [p.id_number for p in Party.objects.filter(kind="organisation")]
    assert len(codes) == len(set(codes)) >= 5 and all(check_credit_code(c).problem is None for c in codes)
    for pub in Publication.objects.select_related("decision_document"):
        issued = DocumentRendition.objects.get(document=pub.decision_document, kind="pdf")
        collected = Entry.objects.get(subject=f"publicity.publication:{pub.pk}", kind="publicity.item_collected")
        assert issued.issued_at <= collected.at, pub.case.number
    for user in User.objects.all():
        assert "演示" not in user.first_name, user.username
    from zhifa.org import permissions as org_perms

    market = Agency.objects.get(name="东岭县市场监督管理局")
    approvers = [u.username for u in User.objects.order_by("pk") if org_perms.can(u, "publicity.approve", agency=market)
                 and not u.is_superuser]
    assert {"agency_head", "deputy_head"} <= set(approvers), approvers  # four eyes: never stuck with one approver
    overdue = overdue_for(User.objects.get(username="county_supervisor"), on=timezone.localdate())
    assert len(overdue) >= 3 and len({t.kind for t in overdue}) >= 2
    assert len({t.title for t in overdue}) >= 3
