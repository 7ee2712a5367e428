"""The shared world of the authorisation matrix (issue 14, "Also"): one region, two cities with one county
agency each, every kind of object a route can name (a case with documents, a recording, a review, a publication,
a public request, an annual report, a catalogue…) in agency A, and one principal per role — in scope for agency A,
and a few outsiders (the same roles for agency B, a supervisor of the other city).

Built once per test module inside a transaction that is rolled back at the end (see test_authz_matrix.world);
each request then runs in its own savepoint, so an allowed write never changes what the next principal sees.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.utils import timezone

from zhifa.core.permissions import CASE_PERMISSIONS, PERMISSIONS, Role


@dataclass(frozen=True)
class Principal:
    """Who sends a request: a role granted for one agency or one jurisdiction subtree, or a special identity."""

    key: str
    role: str | None = None  # a Role value; None for anonymous, nobody and the superuser
    where: str = "a"  # "a": agency A (or, for a jurisdiction grant, city A's subtree); "b": the other city
    jurisdiction_grant: bool = False
    superuser: bool = False
    anonymous: bool = False

    def holds(self, permission: str | None, *, target: str | None = "a") -> bool:
        """Whether the role table (core.permissions) gives this principal `permission` over agency `target`
        ("a" or "b"), or anywhere when `target` is None. "superuser" stands for what only administrators do; they
        hold every permission but core.permissions.CASE_PERMISSIONS, as org.permissions.scope_for gives them."""
        if self.anonymous:
            return False
        if self.superuser:  # everything everywhere, except an agency's case work, which needs a grant (review #1)
            return permission not in CASE_PERMISSIONS
        if permission is None:  # any signed-in user
            return True
        if permission == "superuser" or self.role is None:
            return False
        if Role(self.role) not in PERMISSIONS[permission]:
            return False
        return target is None or target == self.where


# Every role for agency A (the supervisor by city A's subtree), the roles that write for agency B, a supervisor of
# the other city, a signed-in user with no grant, the system administrator and the anonymous public.
PRINCIPALS: list[Principal] = [
    *(Principal(f"{role.value}@A", role.value, "a", jurisdiction_grant=role == Role.SUPERVISOR) for role in Role),
    Principal(f"{Role.OFFICER.value}@B", Role.OFFICER.value, "b"),
    Principal(f"{Role.AGENCY_HEAD.value}@B", Role.AGENCY_HEAD.value, "b"),
    Principal(f"{Role.PUBLICITY_APPROVER.value}@B", Role.PUBLICITY_APPROVER.value, "b"),
    Principal(f"{Role.REVIEWER.value}@B", Role.REVIEWER.value, "b"),
    Principal(f"{Role.SUPERVISOR.value}@B", Role.SUPERVISOR.value, "b", jurisdiction_grant=True),
    Principal("nobody"),
    Principal("superuser", superuser=True),
    Principal("anonymous", anonymous=True),
]


@dataclass
class World:
    ids: dict = field(default_factory=dict)  # names the table uses in paths and bodies → values
    users: dict = field(default_factory=dict)  # principal key → User
    tokens: dict = field(default_factory=dict)  # principal key → raw API token
    sessions: dict = field(default_factory=dict)  # principal key → session key
    ns: SimpleNamespace = field(default_factory=SimpleNamespace)

    def __getitem__(self, name):
        return self.ids[name]


def _clip(minutes=2):
    from zhifa.records.tests.media import mp4

    f = io.BytesIO(mp4(frames=minutes * 60, fps=1))
    f.name = "clip.mp4"
    return f


def build_world() -> World:
    from zhifa.cases import services as cases
    from zhifa.cases.tests.conftest import elements
    from zhifa.core.models import ApiToken
    from zhifa.ledger import services as ledger
    from zhifa.org.models import Field, Level, UnitKind
    from zhifa.org.tests.factories import (
        AdviserFactory,
        AgencyFactory,
        CertificateFactory,
        PersonFactory,
        UnitFactory,
        UserFactory,
        grant,
        jurisdiction,
    )
    from zhifa.publicity import services as publicity
    from zhifa.records import access
    from zhifa.records import services as records
    from zhifa.records.models import DisposalRequest
    from zhifa.review import services as review
    from zhifa.rules.services import ruleset_apply

    w = World()
    today = timezone.localdate()
    region = jurisdiction("矩阵自治区", Level.REGION, code="M10000")
    city_a = jurisdiction("矩阵甲市", Level.CITY, region, code="M10100")
    city_b = jurisdiction("矩阵乙市", Level.CITY, region, code="M10200")
    a1 = jurisdiction("矩阵甲一县", Level.COUNTY, city_a, code="M10101")
    b1 = jurisdiction("矩阵乙一县", Level.COUNTY, city_b, code="M10201")
    agency_a = AgencyFactory(name="矩阵甲一县市场监督管理局", jurisdiction=a1)
    agency_b = AgencyFactory(name="矩阵乙一县市场监督管理局", jurisdiction=b1)
    bureau_a = AgencyFactory(name="矩阵甲一县司法局", jurisdiction=a1, is_justice_bureau=True, field=Field.JUSTICE)
    AgencyFactory(name="矩阵乙一县司法局", jurisdiction=b1, is_justice_bureau=True, field=Field.JUSTICE)
    handling = UnitFactory(agency=agency_a, name="矩阵执法大队", kind=UnitKind.HANDLING)
    review_unit = UnitFactory(agency=agency_a, name="矩阵法制审核科", kind=UnitKind.REVIEW)
    handling_b = UnitFactory(agency=agency_b, name="矩阵乙执法大队", kind=UnitKind.HANDLING)
    UnitFactory(agency=agency_b, name="矩阵乙法制审核科", kind=UnitKind.REVIEW)
    root = UserFactory(username="mx_root", is_superuser=True, is_staff=True)
    ruleset_apply(name="im-m", jurisdiction=region, actor=root)

    # Principals. The officer and the reviewer of agency A are people too (assigned to cases, to the review).
    for p in PRINCIPALS:
        if p.anonymous:
            continue
        user = root if p.superuser else UserFactory(username=f"mx_{p.key.replace('@', '_')}")
        if p.role:
            agency = agency_a if p.where == "a" else agency_b
            if p.jurisdiction_grant:
                grant(user, p.role, jurisdiction=city_a if p.where == "a" else city_b)
            else:
                grant(user, p.role, agency=agency)
        w.users[p.key] = user
    U = w.users
    officers = []
    for name, user in (("矩阵李执法", U["officer@A"]), ("矩阵王执法", None)):
        person = PersonFactory(agency=agency_a, unit=handling, name=name, user=user)
        CertificateFactory(person=person, area=a1, valid_from=today - dt.timedelta(days=100),
                           valid_to=today + dt.timedelta(days=300))
        officers.append(person)
    PersonFactory(agency=agency_b, unit=handling_b, name="矩阵乙执法", user=U["officer@B"])
    reviewer = PersonFactory(agency=agency_a, unit=review_unit, name="矩阵赵审核", is_reviewer=True,
                             user=U["reviewer@A"], legal_qualification_number="A20151101000009")
    CertificateFactory(person=reviewer, area=a1)
    spare_reviewer = PersonFactory(agency=agency_a, unit=review_unit, name="矩阵钱审核", is_reviewer=True,
                                   user=UserFactory(username="mx_spare_reviewer"),
                                   legal_qualification_number="A20151101000010")
    PersonFactory(agency=agency_a, unit=handling, name="矩阵新人")  # for officer assignment
    officer, head, handling_head = U["officer@A"], U["agency_head@A"], U["handling_head@A"]
    desk = SimpleNamespace(agency=agency_a, unit=handling, officers=officers, officer=officer, head=handling_head,
                           place=a1)

    # Case 1: a simplified penalty, decided (service stage) — its publication is collected on the move.
    case = cases.case_open(agency=agency_a, handling_unit=handling, title="矩阵销售过期食品", action_type="penalty",
                           procedure="simplified", place=a1, legal_basis="《食品安全法》第一百二十四条", actor=officer)
    for person in officers:
        cases.officer_assign(case=case, person=person, actor=officer)
    cases.party_add(case=case, kind="natural", name="张三", id_number="11010519491231002X", actor=officer,
                    address="呼和浩特市新城区兴安北路12号", phone="13912345678")

    def record(c, form, **kw):
        return cases.document_record(case=c, form=form, elements=elements(desk, **kw), actor=officer)

    filing = record(case, "filing_approval", case_source="举报", opinion="同意立案", approver="局长")
    case = cases.case_advance(case=case, actor=handling_head)
    inspection = record(case, "inspection_record")
    case = cases.case_advance(case=case, actor=officer)
    record(case, "penalty_decision", facts="当事人销售过期食品，联系电话13912345678。", legal_basis="第一百二十四条",
           penalty="罚款二百元", remedies="六十日内复议或六个月内起诉")
    case = cases.case_advance(case=case, actor=handling_head)
    camera = records.device_register(agency=agency_a, kind="body_camera", serial="MX-0001", actor=handling_head)
    started = timezone.now() - dt.timedelta(hours=3)
    recording = records.recording_upload(
        case=case, fileobj=_clip(), device=camera, officer=officers[0], activity="evidence_taking", started_at=started,
        ended_at=started + dt.timedelta(minutes=2), place="矩阵甲一县人民路8号", document=inspection, actor=officer,
        device_checked=True, opening_statement=True)
    rendition = cases.document_issue(document=filing, kind="pdf", actor=head)
    access_request = access.access_request_create(case=case, requester_kind="party", requester_name="张三",
                                                  purpose="核对记录", requester_id_number="11010519491231002X",
                                                  actor=officer)
    disposal = DisposalRequest.objects.create(case=case, reason="保管期满", requested_by=handling_head)
    from zhifa.publicity.models import Publication

    pub = Publication.objects.filter(case=case).order_by("-id").first()
    if pub is None:
        pub = publicity.decision_collect(case=case, actor=U["publicity_editor@A"])
    mask = pub.masks.first()
    # A pending request to lift a mask that needs a second approver (issue 15 §3), asked by the editor.
    from zhifa.publicity.workflow import MASK_LIFT

    liftable = next((m for m in pub.masks.all() if MASK_LIFT.get(m.kind) == "approval"), None) or publicity.mask_add(
        publication=pub, actor=U["publicity_editor@A"], kind="person_name", reason="矩阵", start=0, end=1)[0]
    mask_removal = publicity.mask_remove(mask=liftable, actor=U["publicity_editor@A"], reason="矩阵",
                                         legal_basis="矩阵依据")
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n" + b"%" * 100 + b"\n%%EOF\n"
    public_request, _ = publicity.request_submit(
        kind="disclosure", agency=agency_a, requester_name="李四", requester_contact="13800000000",
        content="申请公开本机关二〇二五年作出的某项行政处罚决定书全文",
        files=[SimpleUploadedFile("附件.pdf", pdf, content_type="application/pdf")])
    attachment = public_request.attachments.first()
    # A token of someone who is none of the principals: only an administrator may revoke it.
    foreign_token = ApiToken.issue(user=UserFactory(username="mx_device"), name="device")[0]
    report = publicity.report_compute(agency=agency_a, year=today.year - 1, actor=head)
    listing = publicity.list_collect(agency=agency_a, kind=_list_kind(), title="矩阵权责清单",
                                     rows=_list_rows(), actor=U["publicity_editor@A"])
    # Publications in the state their move needs (issue 14): submitted (return, approve), an exemption requested
    # (its decision), published (withdraw). Lists, so a decision's own conditions for publishing do not interfere.
    editor, approver = U["publicity_editor@A"], U["publicity_approver@A"]

    def collected(title):
        return publicity.list_collect(agency=agency_a, kind=_list_kind(), title=title, rows=_list_rows(), actor=editor)

    pub_submitted = publicity.publication_submit(publication=collected("矩阵待审核清单"), actor=editor)
    pub_exemption = publicity.exemption_request(publication=collected("矩阵不予公开清单"), actor=editor,
                                                ground="privacy", explanation="涉及个人隐私")
    pub_published = publicity.publication_approve(
        publication=publicity.publication_submit(publication=collected("矩阵已发布清单"), actor=editor), actor=approver)

    # Case 2: an ordinary penalty with its review submitted and assigned to agency A's reviewer.
    from zhifa.review.tests.conftest import decision_case, determine

    case2 = decision_case(desk)
    determine(case2, desk)
    rev = review.review_submit(case=case2, actor=officer, note="请审核")
    assignment = review.reviewer_assign(review=rev, person=reviewer, actor=U["review_head@A"])
    # Reviews in the state their move needs, so the matrix tests who may make it (issue 14): paused for supplements
    # (resume), and in consultation after the handling unit objected to a refusal (the consultation's outcome).
    from zhifa.review.tests.conftest import checklist

    case_paused = decision_case(desk)
    determine(case_paused, desk)
    paused = review.review_submit(case=case_paused, actor=officer, note="请审核")
    review.reviewer_assign(review=paused, person=reviewer, actor=U["review_head@A"])
    review.clock_pause(review=paused, kind="supplement", reason="请补充证据材料", actor=U["reviewer@A"],
                       due_date=today + dt.timedelta(days=10))
    case_consulting = decision_case(desk)
    determine(case_consulting, desk)
    consulting = review.review_submit(case=case_consulting, actor=officer, note="请审核")
    review.reviewer_assign(review=consulting, person=reviewer, actor=U["review_head@A"])
    review.opinion_record(review=consulting, kind="refuse", grounds=["basis_inaccurate"], text="依据不准确",
                          checklist=checklist(consulting, {consulting.rules["items"][0]: "应适用第七十八条"}),
                          actor=U["reviewer@A"])
    review.response_record(review=consulting, adopt=False, reasons="第七十七条适用于本案情形", actor=handling_head)
    catalogue = review.catalogue_issue(agency=agency_a, items=[
        {"action_type": "penalty", "matter": "较大数额罚款", "criterion": "fine_at_least", "amount": "100000",
         "level": "county"}], effective_from=today, actor=head)
    adviser = AdviserFactory(pool_jurisdiction=city_a)

    # The ledger: a signed checkpoint (public routes answer 200) and one finding for the administrator.
    ledger.checkpoint_create()
    finding = ledger._finding("log_audit", "矩阵测试发现")
    from zhifa.ledger import storage as ledger_storage
    from zhifa.ledger.models import Entry
    certificate = officers[0].certificates.first()

    import uuid

    from zhifa.cases.workflow import NEXT

    # Issue 18: a notification of agency A's head (only its recipient opens it) and a suspension to lift.
    from zhifa.org.models import CertificateSuspension
    from zhifa.records.models import TusUpload
    from zhifa.records.tus import staging_dir
    from zhifa.worklist.models import Notification

    notification = Notification.objects.create(recipient=U["agency_head@A"], key="matrix:1", kind="cases.approve",
                                               title="批准立案", url=f"/cases/{case.pk}/")
    from zhifa.org.tests.factories import CertificateFactory

    suspended = CertificateFactory(person=PersonFactory(agency=agency_a, unit=handling, name="矩阵暂扣人"))
    suspension = CertificateSuspension.objects.create(certificate=suspended, starts_on=today - dt.timedelta(days=30),
                                                      reason="矩阵暂扣", recorded_by=U["supervisor@A"])
    tus_upload = TusUpload.objects.create(id=uuid.uuid4(), case=case, created_by=officer, length=10, metadata={},
                                          expires_at=timezone.now() + dt.timedelta(days=1))
    (staging_dir() / str(tus_upload.id)).touch()

    # Issue 20: an open alert of agency A on case 1 (raised by the engine, so it has its step and its ledger entry),
    # a supervision opinion issued to agency A by its county's justice bureau about that alert, and agency A's
    # discretion benchmark table.
    alert = _planted_alert(agency_a, case)
    from zhifa.instruments import services as instruments
    from zhifa.instruments.models import Kind

    instrument = instruments.instrument_issue(
        actor=U["supervisor@A"], bureau=bureau_a, agency=agency_a, kind=Kind.OPINION, title="矩阵监督意见",
        findings="矩阵案件长期未推进", basis="《行政执法监督条例》", requirement="三十日内整改并报告",
        case_ids=[case.pk], model_code=alert.model, alert_id=alert.pk)
    # A second one whose correction the agency has reported (with a file): the bureau's accept and return act on it.
    reported = instruments.instrument_issue(
        actor=U["supervisor@A"], bureau=bureau_a, agency=agency_a, kind=Kind.OPINION, title="矩阵已报告整改",
        findings="矩阵案卷不完整", basis="《行政执法监督条例》", requirement="三十日内整改并报告", case_ids=[case.pk])
    reported = instruments.correction_report(
        instrument=reported, actor=head, text="已补齐案卷",
        files=[SimpleUploadedFile("整改报告.pdf", pdf, content_type="application/pdf")])
    from zhifa.discretion.tests.helpers import issue as discretion_issue
    from zhifa.instruments.models import StepFile

    discretion_table = discretion_issue(agency_a, head, effective_from=today - dt.timedelta(days=30))
    w.ids.update(
        advance_perm=NEXT[case.stage].permission, tus_upload=str(tus_upload.id),
        agency=agency_a.pk, agency_b=agency_b.pk, bureau=bureau_a.pk, case=case.pk, case2=case2.pk,
        document=filing.pk, unissued_document=inspection.pk, recording=recording.pk, rendition_kind=rendition.kind, access_request=access_request.pk,
        disposal=disposal.pk, publication=pub.pk, mask=mask.pk if mask else 0, mask_removal=mask_removal.pk, public_request=public_request.pk,
        attachment=attachment.pk if attachment else 0, foreign_token=foreign_token.pk,
        report=report.pk, listing=listing.pk, pub_submitted=pub_submitted.pk, pub_exemption=pub_exemption.pk,
        pub_published=pub_published.pk, case_paused=case_paused.pk, case_consulting=case_consulting.pk, review=rev.pk, assignment=assignment.pk, catalogue=catalogue.pk,
        alert=alert.pk, alert_model=alert.model, instrument=instrument.pk, discretion_table=discretion_table.pk,
        instrument_doc=instrument.documents.get().pk, instrument_reported=reported.pk,
        instrument_file=StepFile.objects.get(step__instrument=reported).pk,
        adviser=adviser.pk, finding=finding.pk, certificate=certificate.number, certificate_id=certificate.pk,
        person=officers[0].pk, new_person=officers[0].__class__.objects.get(name="矩阵新人").pk,
        spare_reviewer=spare_reviewer.pk, unit=handling.pk, a1_code=a1.code, a1=a1.pk, region_code=region.code,
        credit_code="91150100MA0N00000X", device=camera.serial, officer_person=officers[0].pk, year=today.year - 1,
        today=today.isoformat(), seq=0, notification=notification.pk, suspension=suspension.pk,
        # Issue 15 §5: an entry's payload is read where its subject lives. This one is about agency A (its review
        # catalogue): readable with ledger.view over agency A, the same 404 as a missing entry elsewhere.
        entry_a=min(ledger_storage.seq_of(Entry.objects.filter(subject=f"org.agency:{agency_a.pk}")
                                          .values_list("id", flat=True)).values(), default=None),
    )
    # Issue 20 §5 (SUP-05): special inspections by agency A's county bureau over agency A, one in the state each move
    # needs: a draft (draw, cancel), one inspecting (findings), one with every finding in (report), one reported
    # (publish) and one published (acknowledge; its notice is on the portal).
    from zhifa.campaigns import services as campaigns

    def campaign(title):
        return campaigns.campaign_create(
            actor=U["supervisor@A"], bureau=bureau_a, title=title, basis="IM-P：三项制度专项监督检查",
            agency_ids=[agency_a.pk], action_types=["licence", "penalty", "coercion", "levy", "inspection", "other"],
            period_from=today - dt.timedelta(days=365), period_to=today, sample_size=1, checklist=["矩阵检查项目"])

    def campaign_drawn(title, *, complete=False):
        c = campaigns.campaign_draw(campaign=campaign(title), actor=U["supervisor@A"])
        if complete:
            campaigns.findings_record(campaign=c, actor=U["supervisor@A"], sampled_id=c.sampled.get().pk,
                                      results=[{"item": 0, "result": "ok", "text": ""}])
        return c

    campaign_inspecting = campaign_drawn("矩阵检查中")
    campaign_reported = campaigns.campaign_report(campaign=campaign_drawn("矩阵已报告", complete=True),
                                                  actor=U["supervisor@A"], summary="矩阵检查报告")
    campaign_published = campaigns.campaign_publish(
        campaign=campaigns.campaign_report(campaign=campaign_drawn("矩阵已通报", complete=True),
                                           actor=U["supervisor@A"], summary="矩阵检查报告"),
        actor=U["supervisor@A"], text="矩阵通报")
    w.ids.update(campaign_draft=campaign("矩阵草拟").pk, campaign_inspecting=campaign_inspecting.pk,
                 campaign_sampled=campaign_inspecting.sampled.get().pk,
                 campaign_complete=campaign_drawn("矩阵待报告", complete=True).pk,
                 campaign_reported=campaign_reported.pk, campaign_published=campaign_published.pk,
                 campaign_notice_doc=campaign_published.documents.get(kind="notice").pk)
    # Issue 21 §6 (SUP-02): annual assessments by agency A's county bureau over its subtree, one in the state each
    # move needs (a year each: one live assessment per bureau and year) and one final (read by agency A's staff).
    from zhifa.assessment import services as assessment

    def assessment_open(years_ago):
        return assessment.assessment_create(actor=U["supervisor@A"], bureau=bureau_a, year=today.year - years_ago)

    def assessment_computed(years_ago):
        return assessment.assessment_compute(assessment=assessment_open(years_ago), actor=U["supervisor@A"])

    w.ids.update(assessment_open=assessment_open(2).pk, assessment_computed=assessment_computed(3).pk,
                 assessment_final_ready=assessment_computed(4).pk,
                 assessment_final=assessment.assessment_finalise(assessment=assessment_computed(1),
                                                                 actor=U["supervisor@A"], summary="矩阵考核结果").pk)
    # Issue 21 §2, §4, §5 (SUP-06): case-file evaluation by agency A's county bureau over agency A's archived files,
    # supervisor@A its lead and evaluator: a draft (draw), one scoring (its file assigned to supervisor@A: score), one
    # closed (results, the sealed report, the workbook: read by agency A's staff).
    from zhifa.cases.models import Case, Stage, StageChange
    from zhifa.evaluation import services as evaluation

    for n in range(3):
        archived = Case.objects.create(agency=agency_a, handling_unit=handling, number=f"矩阵归档{n}", title="矩阵归档案件",
                                       action_type="penalty", procedure="ordinary", place=a1, legal_basis="《矩阵法》",
                                       opened_by=U["officer@A"], stage=Stage.ARCHIVE)
        StageChange.objects.create(case=archived, from_stage=Stage.SERVICE_ENFORCEMENT, to_stage=Stage.ARCHIVE,
                                   actor=U["officer@A"])

    def evaluation_open(title):
        return evaluation.campaign_create(
            actor=U["supervisor@A"], organiser=bureau_a, title=title, agency_ids=[agency_a.pk],
            action_types=["penalty"], period_from=today - dt.timedelta(days=30), period_to=today, sample_size=1,
            evaluators=[U["supervisor@A"]])

    def evaluation_assigned(title):
        c = evaluation.campaign_draw(campaign=evaluation_open(title), actor=U["supervisor@A"])
        return evaluation.assign(campaign=c, actor=U["supervisor@A"])

    def evaluation_sheet(c):
        from zhifa.evaluation.models import MachineScore

        f = c.files.select_related("case").get()
        decided = set(MachineScore.objects.filter(file=f, passed__isnull=False).values_list("item", flat=True))
        items = evaluation.standard_of(c, f.case.action_type).items
        return f, [{"item": it.code, "passed": True} for it in items if it.code not in decided]

    evaluation_scoring = evaluation_assigned("矩阵评查中")
    eval_file, eval_marks = evaluation_sheet(evaluation_scoring)
    evaluation_closed = evaluation_assigned("矩阵评查完成")
    closed_file, closed_marks = evaluation_sheet(evaluation_closed)
    evaluation.score(campaign=evaluation_closed, actor=U["supervisor@A"], file_id=closed_file.pk, marks=closed_marks)
    evaluation.campaign_close(campaign=evaluation_closed, actor=U["supervisor@A"], summary="矩阵评查报告")
    w.ids.update(eval_draft=evaluation_open("矩阵评查草拟").pk, eval_scoring=evaluation_scoring.pk, eval_file=eval_file.pk,
                 eval_closed=evaluation_closed.pk, eval_closed_file=closed_file.pk)
    w.ns.eval_marks = eval_marks
    _inspections(w, agency_a, a1, officers)
    for p in PRINCIPALS:
        if p.anonymous:
            continue
        w.tokens[p.key] = ApiToken.issue(user=U[p.key], name="matrix")[1]
    return w


def _inspections(w: World, agency_a, a1, officers) -> None:
    """Issue 22 (INS-01..03, PUB-13): random inspections of agency A (a market-regulation agency: it reviews its own
    item lists, the rule inspections.item_list_reviewer), through the services. Item lists in each state a move
    needs (a draft: submit; submitted: return, approve; published: read, batches), three high-risk enterprises (the
    class drawn in full, so every draw takes both) and an individual business with a recusal link, a draft plan with
    a batch (file) and a filed one with four batches: one never drawn (freeze), one frozen and due (make), one frozen
    with its moment ahead (re-draw), one drawn, whose three inspections are assigned, recorded and published (by officer@A, assigned to both: agency A has exactly two
    eligible inspectors, so the draw assigns both to every target)."""
    import io

    from zhifa.inspections import directory, draws, execution, items, plans
    from zhifa.inspections.models import Inspection, Target, TargetType
    from zhifa.inspections.tests.conftest import credit_code
    from zhifa.org.tests.factories import UserFactory, grant

    U = w.users
    head, dz = U["agency_head@A"], U["handling_head@A"]
    # A head of agency A who is none of the principals keeps and submits the lists: whoever submitted a version may
    # not approve it (items.four_eyes), and the matrix asks every principal to approve the submitted one.
    keeper = grant(UserFactory(username="mx_list_keeper"), Role.AGENCY_HEAD, agency=agency_a)
    today = timezone.localdate()
    # One item per batch (two live batches may not share an item over the same targets and period: plans.
    # overlapping_batch), and a last one for the batches the matrix adds.
    rows = [{"number": str(n), "name": f"矩阵企业公示信息检查{n}", "basis": "《企业信息公示暂行条例》第十四条",
             "body": agency_a.name, "target_type": "enterprise", "content": "年度报告公示信息真实性",
             "method": "书面检查、实地核查", "kind": "key", "ratio": "1", "frequency": "每年一次"} for n in range(1, 7)]

    def item_list(title):
        return items.item_list_create(actor=keeper, agency=agency_a, title=title, rows=rows)

    published = items.item_list_approve(item_list=items.item_list_submit(item_list=item_list("矩阵抽查事项清单"),
                                                                         actor=keeper), actor=head)
    submitted = items.item_list_submit(item_list=item_list("矩阵抽查事项清单（修订）"), actor=keeper)
    draft = item_list("矩阵抽查事项清单（草拟）")
    draft_item, free_item, frozen_item, waiting_item, item, spare_item = published.items.order_by("id")
    targets = [Target.objects.create(agency=agency_a, code=credit_code("150101", n), name=f"矩阵商贸有限公司{n}",
                                     target_type=TargetType.ENTERPRISE, risk_class="high", place=a1,
                                     address=f"矩阵甲一县人民路{n}号") for n in (1, 2, 3)]
    shop = Target.objects.create(agency=agency_a, code=credit_code("150101", 4, kind="92"), name="矩阵个体商店",
                                 target_type=TargetType.INDIVIDUAL, risk_class="low", place=a1, address="矩阵甲一县人民路4号")
    link = directory.recusal_declare(actor=head, target=shop, person=officers[1], reason="矩阵近亲属关系")
    ends_on = min(today + dt.timedelta(days=10), dt.date(today.year, 12, 31))

    def batch(plan, title, on):
        return plans.batch_add(actor=dz, plan=plan, title=title, item_ids=[on.pk], target_type="enterprise",
                               starts_on=today, ends_on=ends_on)

    plan_draft = plans.plan_create(actor=head, agency=agency_a, year=today.year, title="矩阵抽查计划（草拟）")
    batch(plan_draft, "矩阵草拟批次", draft_item)
    plan = plans.plan_create(actor=head, agency=agency_a, year=today.year, title="矩阵年度抽查计划")
    batch_free, batch_frozen, batch_waiting, batch_drawn = (
        batch(plan, f"矩阵第{n}批", on)
        for n, on in zip("一二三四", (free_item, frozen_item, waiting_item, item), strict=True))
    plans.plan_file(actor=head, plan=plan)
    draw_frozen = draws.draw_freeze(batch=batch_frozen, actor=dz)
    # Its randomness a day away: a head may still order a re-draw (once the moment has passed, the draw is made first).
    draw_waiting = draws.draw_freeze(batch=batch_waiting, actor=dz, beacon_after=timezone.now() + dt.timedelta(days=1))
    draw_drawn = draws.draw_make(draw=draws.draw_freeze(batch=batch_drawn, actor=dz), actor=dz)
    assigned, recorded, published_result = Inspection.objects.filter(drawn__draw=draw_drawn).order_by("id")

    def record(inspection):
        av = io.BytesIO(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64)
        av.name = "矩阵检查录音.wav"
        return execution.inspection_record(
            inspection=inspection, actor=U["officer@A"], inspected_on=today, place="矩阵甲一县人民路2号",
            record="出示执法证件，查阅年度报告。", av=av, findings=[{"item_id": item.pk, "outcome": "no_problem", "text": ""}])

    record(recorded)
    execution.inspection_publish(inspection=record(published_result), actor=head)
    w.ids.update(ins_list_published=published.pk, ins_list_submitted=submitted.pk, ins_list_draft=draft.pk,
                 ins_item=item.pk, ins_item_spare=spare_item.pk, ins_target=targets[0].pk, ins_target_shop=shop.pk, ins_recusal=link.pk,
                 ins_plan_draft=plan_draft.pk, ins_plan=plan.pk, ins_batch_free=batch_free.pk,
                 ins_batch=batch_drawn.pk, ins_draw_frozen=draw_frozen.pk, ins_draw_waiting=draw_waiting.pk, ins_draw=draw_drawn.pk,
                 ins_assigned=assigned.pk, ins_recorded=recorded.pk, ins_published=published_result.pk, ins_year=today.year,
                 ins_starts_on=today.isoformat(), ins_ends_on=ends_on.isoformat())


def _planted_alert(agency, case):
    """An open alarm of a real problem model on `case`, through the engine (supervision.services.run_models): the
    model's code, name and basis are M03's, its evaluation is replaced for this one run by a planted hit, so the
    world does not depend on what the models find in its data."""
    from zhifa.supervision import services as supervision
    from zhifa.supervision.models import Alert
    from zhifa.supervision.registry import REGISTRY, Hit, Level

    code = "M03"
    real = REGISTRY[code]

    class Planted(type(real)):
        def evaluate(self, ctx):
            yield Hit(agency_id=agency.pk, case_id=case.pk, level=Level.ALARM, detail="矩阵案件 99 天无办理步骤")

    REGISTRY[code] = Planted()
    try:
        supervision.run_models(case_ids=[case.pk], codes=[code])
    finally:
        REGISTRY[code] = real
    return Alert.objects.get(case=case, model=code, state="open")


def _list_kind() -> str:
    from zhifa.publicity.workflow import LIST_KINDS

    return LIST_KINDS[0]


def _list_rows() -> list[dict]:
    from zhifa.publicity.workflow import COLUMNS

    return [{c.code: f"矩阵{c.code}" for c in COLUMNS[_list_kind()]}]
