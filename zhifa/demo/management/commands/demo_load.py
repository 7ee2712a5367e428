"""Load the fictional demo region (make demo). Running it again changes nothing."""

import base64
import datetime as dt
import io
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.core.permissions import Role, second_factor_required
from zhifa.demo.generator import GIVEN, SURNAMES, Shape, document_settings, generate
from zhifa.demo.seals import attach_seals
from zhifa.ledger.services import checkpoint_create
from zhifa.org import services as org_services
from zhifa.org.models import Adviser, Agency, AgencyKind, AgencyStatus, Field, Jurisdiction, Person, UnitKind
from zhifa.records.services import device_register, room_register
from zhifa.rules.services import ruleset_apply

DEMO_PASSWORD = "zhifa-demo-2026"
# Issue 14 §6: the demo keeps the second factor on. Every demo account whose role requires it shares this published
# TOTP key (base32): add it to an authenticator app, or print the current code with `manage.py demo_totp`.
DEMO_TOTP_SECRET = "ZHIFADEMOZHIFADEMOZHIFADEMOZHIFA"


# A fictional resident ID number (GB 11643 check digit valid) for the demo's natural-person party.
DEMO_PERSON_ID = "110105198503151230"


def _demo_name(username: str) -> str:
    """A fictional Chinese name for a demo login that has no person of its own yet, the same on every load: pages
    name people, and a login name such as county_supervisor is no one's name."""
    rng = random.Random(username)
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


class Command(BaseCommand):
    help = "Load the fictional demo region: 2 cities, 4 counties, ~20 agencies, ~200 officers, logins for each role."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, password, **options):
        if Jurisdiction.objects.filter(code=Shape().region_code).exists():
            self.stdout.write("演示数据已存在，跳过加载。")
        else:
            self._load(password)
            self._publicity(password)
        self._second_factor()
        self._print_logins(password)

    @transaction.atomic
    def _second_factor(self):
        """A TOTP device with the published demo key for each demo account that must have one (and has none)."""
        key = base64.b32decode(DEMO_TOTP_SECRET).hex()
        for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
            if second_factor_required(user) and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(user=user, name="演示验证器", key=key, confirmed=True)

    @transaction.atomic
    def _publicity(self, password):
        """The decisions the demo made were collected for publication (PUB-04): an editor submits the first, the
        agency head approves it, so the portal shows one decision with its masks and its ledger proof; the
        others wait in the queue. A signed checkpoint is made so the proof can be checked at once."""
        from django.contrib.auth import get_user_model

        from zhifa.ledger.services import checkpoint_create, integrate
        from zhifa.publicity import services as publicity
        from zhifa.publicity.models import Publication

        pubs = list(Publication.objects.select_related("agency").order_by("id"))
        if not pubs:
            return
        agency = pubs[0].agency
        User = get_user_model()
        admin = User.objects.get(username="admin")
        editor = User.objects.create_user("publicity_editor", password=password,
                                          first_name=_demo_name("publicity_editor"))
        org_services.role_grant(user=editor, role=Role.PUBLICITY_EDITOR, agency=agency, actor=admin)
        head = User.objects.get(username="agency_head")
        for p in {pub.agency for pub in pubs}:
            org_services.role_grant(user=head, role=Role.PUBLICITY_APPROVER, agency=p, actor=admin)
        publicity.publication_submit(publication=pubs[0], actor=editor, note="演示：摘要已核对")
        publicity.publication_approve(publication=pubs[0], actor=head, note="同意发布")
        integrate()
        checkpoint_create()

    @transaction.atomic
    def _load(self, password):
        today = timezone.localdate()
        data = generate(Shape(), today=today)
        region, counties = data["region"], data["counties"]
        # The region follows the Inner Mongolia measures; one county has Anze's own (county-level override).
        ruleset_apply(name="im-m", jurisdiction=region)
        nanze = next(c for c in counties if c.name.startswith("南泽"))
        ruleset_apply(name="az", jurisdiction=nanze)

        dongling = next(c for c in counties if c.name.startswith("东岭"))
        capital = data["cities"][0]
        # The demo agency: 东岭县's market bureau (issue 18 §8: its cases are food safety, licences and prices).
        market = Agency.objects.get(jurisdiction=dongling, field=Field.MARKET, kind=AgencyKind.ORGAN,
                                    is_justice_bureau=False)
        # A town's comprehensive enforcement team entrusted by the market bureau with some inspections (行政处罚法 §20).
        entrusted = org_services.agency_create(
            jurisdiction=dongling, actor=None, name="东岭县城关镇综合行政执法队（受委托）", kind=AgencyKind.ENTRUSTED,
            field=Field.MARKET, entrusted_by=market, duties=f"受{market.name}委托，以其名义实施部分行政检查。",
            enforcement_types=["inspection"], enforcement_area="东岭县城关镇",
            **document_settings(dongling, Field.MARKET, capital=capital, serial=0) | {"abbreviation": "东城关综执"},
        )
        authorised = org_services.agency_create(
            jurisdiction=dongling, actor=None, name="东岭县水利事业发展中心", kind=AgencyKind.AUTHORISED, field=Field.WATER,
            duties="依据法规授权实施水资源费征收和河道管理检查。", enforcement_types=["levy", "inspection"],
            enforcement_area="东岭县", **document_settings(dongling, Field.WATER, capital=capital, serial=1)
            | {"abbreviation": "东水发"},
        )
        for agency in (entrusted, authorised):
            org_services.unit_create(agency=agency, name="执法组", kind=UnitKind.HANDLING, actor=None)

        User = get_user_model()

        def user(username, full_name, *, superuser=False):
            u = User.objects.create_user(username=username, password=password, first_name=full_name)
            if superuser:
                u.is_superuser = u.is_staff = True
                u.save(update_fields=["is_superuser", "is_staff"])
            return u

        admin = user("admin", "系统管理员", superuser=True)
        region_jb = Agency.objects.get(jurisdiction=region, is_justice_bureau=True)
        city = dongling.parent
        city_jb = Agency.objects.get(jurisdiction=city, is_justice_bureau=True)
        county_jb = Agency.objects.get(jurisdiction=dongling, is_justice_bureau=True)

        def staff(username, agency, *, role, scope=None, unit_kind=None, name=None, post=""):
            u = user(username, name or "")
            person = Person.objects.filter(agency=agency, user__isnull=True,
                                           unit__kind=unit_kind or UnitKind.HANDLING).order_by("pk").first()
            if person is None or name:
                person = org_services.person_create(agency=agency, name=name or _demo_name(username), actor=None,
                                                    post=post)
            person.user = u
            person.save(update_fields=["user"])
            u.first_name = person.name
            u.save(update_fields=["first_name"])
            if scope is not None:
                org_services.role_grant(user=u, role=role, jurisdiction=scope, actor=admin)
            else:
                org_services.role_grant(user=u, role=role, agency=agency, actor=admin)
            return u, person

        staff("region_supervisor", region_jb, role=Role.SUPERVISOR, scope=region, unit_kind=UnitKind.REVIEW)
        staff("city_supervisor", city_jb, role=Role.SUPERVISOR, scope=city, unit_kind=UnitKind.REVIEW)
        county_supervisor, _ = staff("county_supervisor", county_jb, role=Role.SUPERVISOR, scope=dongling,
                                     unit_kind=UnitKind.REVIEW)
        head, _ = staff("agency_head", market, role=Role.AGENCY_HEAD, name="局长（演示）", post="局长")
        org_services.role_grant(user=head, role=Role.LEGAL_HEAD, agency=market, actor=admin)
        reviewer, _ = staff("reviewer", market, role=Role.REVIEWER, unit_kind=UnitKind.REVIEW)
        org_services.role_grant(user=reviewer, role=Role.REVIEW_HEAD, agency=market, actor=admin)
        officer, officer_person = staff("officer", market, role=Role.OFFICER)
        # Make sure the demo officer holds a valid certificate, and a colleague one that has expired.
        if not officer_person.certificates.filter(revoked_at__isnull=True, valid_to__gte=today).exists():
            org_services.certificate_issue(
                person=officer_person, number=f"{dongling.code}D000001", category=market.field, area=dongling,
                valid_from=today - dt.timedelta(days=365), valid_to=today + dt.timedelta(days=700), actor=None)
        expired_user, expired_person = staff("officer_expired", market, role=Role.OFFICER, name="过期证件演示员", post="执法队员")
        org_services.certificate_issue(
            person=expired_person, number=f"{dongling.code}D000002", category=market.field, area=dongling,
            valid_from=today - dt.timedelta(days=1200), valid_to=today - dt.timedelta(days=20), actor=None)

        # A colleague's certificate is withheld (暂扣) by the county's justice bureau: the person's page shows it, and
        # the certificate gate keeps that officer off cases and records meanwhile (ORG-03).
        from zhifa.org.models import Certificate
        withheld = (Certificate.objects.filter(person__agency=market, person__unit__kind=UnitKind.HANDLING,
                                               person__user__isnull=True, revoked_at__isnull=True,
                                               valid_from__lte=today - dt.timedelta(days=10), valid_to__gte=today)
                    .order_by("-person_id").first())
        if withheld is not None:
            org_services.certificate_suspend(certificate=withheld, starts_on=today - dt.timedelta(days=10),
                                             reason="涉嫌违规执法，暂扣审查（演示）", actor=county_supervisor)
        # Two agencies wait for their justice bureau to confirm them (AZ-P §9).
        Agency.objects.filter(pk__in=[entrusted.pk, authorised.pk]).update(status=AgencyStatus.PENDING)
        # A public lawyer of the market system lent to the demo agency.
        adviser = Adviser.objects.filter(field=market.field).first()
        if adviser is not None and market.jurisdiction.path.startswith(adviser.pool_jurisdiction.path):
            org_services.adviser_lend(adviser=adviser, agency=market, starts_on=today, ends_on=today + dt.timedelta(days=90),
                                      reason="协助重大执法决定法制审核", actor=admin)
        device_register(agency=market, kind="body_camera", serial="ZFY-DL-0001", label="执法记录仪 1 号（演示）", actor=head)
        room_register(agency=market, kind="inquiry", name="询问室（演示）", location="局机关一楼", actor=head)
        # Every demo agency prints its seal (issue 18 §2): a drawn, fictional one (demo/seals.py).
        attach_seals(Agency.objects.order_by("pk"))
        self._cases(market, head, dongling, officer, officer_person, expired_person)
        self._reviews(market, head, dongling, reviewer, county_supervisor, officer, officer_person)
        checkpoint_create()
        self.stdout.write(self.style.SUCCESS(
            f"已加载演示数据：{len(data['cities'])} 个市、{len(counties)} 个县（旗）、"
            f"{Agency.objects.count()} 个执法主体、{Person.objects.count()} 名人员。"))

    @staticmethod
    def _handling_officers(agency, place, *, first, exclude, days):
        """`first` and one colleague of the handling unit (never a reviewer: IM-M §27 keeps review apart from handling)
        whose certificates are in force on each of `days`: the demo's records pass the certificate gate (ORG-03)."""
        from zhifa.org.selectors import officer_eligibility

        def fit(person):
            return all(officer_eligibility(person, field=agency.field, jurisdiction=place, on=d).ok for d in days)

        colleagues = (Person.objects.filter(agency=agency, active=True, is_reviewer=False, unit__kind=UnitKind.HANDLING)
                      .exclude(pk__in=[first.pk, *exclude]).order_by("pk"))
        return [first, next(p for p in colleagues if fit(p))]

    def _cases(self, agency, head, place, officer, officer_person, expired_person):
        """Fictional cases of the market bureau's own field in every stage, opened and recorded by the demo officer
        (certified), approved by the head; a seizure with its recordings (generated sample media). Some were handled
        weeks ago and entered now, so the supervisor has overdue work to look at: a decision never published within its
        time limit (collected with the decision's date), an inquiry whose recording was never uploaded, and an
        inspection recording uploaded late. Every row is written once, by its service, at the time it is entered."""
        from zhifa.cases import services as cases
        from zhifa.demo.media import clip_format, demo_clip
        from zhifa.records.models import Device
        from zhifa.records.services import recording_upload

        now = timezone.now()
        unit = agency.units.filter(kind=UnitKind.HANDLING).first()
        # (title, stages moved, days ago the work was done, legal basis, facts, penalty)
        plan = [
            ("涉嫌销售过期食品（演示）", 0, 40, "《中华人民共和国食品安全法》第三十四条、第一百二十四条",
             "当事人在经营场所销售超过保质期的预包装食品", "没收违法经营的食品，罚款五万元"),
            ("涉嫌无照经营（演示）", 1, 6, "《无证无照经营查处办法》第二条、第十三条",
             "当事人未取得营业执照从事食品经营活动", "责令改正，罚款五千元"),
            ("虚假宣传（演示）", 2, 0, "《中华人民共和国反不正当竞争法》第八条、第二十条",
             "当事人对其销售的保健食品的功能作虚假的商业宣传", "责令停止违法行为，罚款二十万元"),
            ("未明码标价（演示）", 3, 0, "《中华人民共和国价格法》第十三条、第四十二条",
             "", "警告"),
            ("价格标示不规范（演示）", 4, 30, "《明码标价和禁止价格欺诈规定》第五条、第二十一条",
             "当事人销售的商品标价签未标明品名、计价单位等内容", "警告"),
        ]
        days = sorted({timezone.localdate(now - dt.timedelta(days=ago, hours=3)) for _t, _s, ago, *_r in plan}
                      | {timezone.localdate()})
        eligible = self._handling_officers(agency, place, first=officer_person, exclude=[expired_person.pk], days=days)
        camera = Device.objects.get(agency=agency, serial="ZFY-DL-0001")
        for title, steps, ago, basis, facts, penalty in plan:
            at = now - dt.timedelta(days=ago, hours=3)

            def record(case, form, _at=at, **extra):
                base = {"time": _at.isoformat(), "place": f"{place.name}新华街18号",
                        "officers": [p.pk for p in eligible], "target": "某某便利店（虚构）",
                        "content": "对经营场所进行检查", "process": "出示执法证件，告知检查事由后检查",
                        "certificate_shown": True, "rights_told": True}
                return cases.document_record(case=case, form=form, elements=base | extra, actor=officer)

            case = cases.case_open(agency=agency, handling_unit=unit, title=title, action_type="penalty",
                                   procedure="ordinary", place=place, legal_basis=basis, actor=officer)
            # Opened now: the case row and its log say when it was entered; its records keep the day of the work.
            for person in eligible:
                cases.officer_assign(case=case, person=person, actor=officer)
            # One case's party is a natural person (a stall keeper), whose decision text names a witness, an address,
            # a phone and an ID number: the publication then shows the masks the approver reviews. All fictional.
            person = steps == 3
            if person:
                cases.party_add(case=case, kind="natural", name="王小明（虚构）", id_number=DEMO_PERSON_ID, actor=officer,
                                address=f"{place.name}新华街18号3单元502室", phone="13800138000")
                facts = (f"当事人王小明（虚构，身份证号码{DEMO_PERSON_ID}，住{place.name}新华街18号3单元502室，"
                         "联系电话13800138000）经营的摊位未明码标价。证人李华（虚构）称其多次在该摊位购物未见标价。")
            else:
                cases.party_add(case=case, kind="organisation", name="某某便利店（虚构）", id_number="91110000600037341L",
                                actor=officer)
            script = [
                ("filing_approval", {"case_source": "日常检查", "opinion": "同意立案", "approver": "局长（演示）"}),
                ("inspection_record", {}),
                ("penalty_notice", {"facts": facts, "legal_basis": basis, "proposed_penalty": penalty,
                                    "rights": "有权陈述、申辩"}),
                ("penalty_decision", {"facts": facts, "legal_basis": basis, "penalty": penalty,
                                      "remedies": "六十日内申请行政复议，或六个月内提起行政诉讼"}),
                ("service_receipt", {"served_document": "行政处罚决定书", "recipient": "某某便利店（虚构）",
                                     "service_method": "direct"}),
                ("closing_report", {"result": "当事人已改正"}),
            ]
            done = 0
            for form, extra in script:
                # The case under investigation has its inspection record too (and the late recording of it).
                if done >= steps and form != "filing_approval" and not (steps == 1 and form == "inspection_record"):
                    break
                document = record(case, form, **extra)
                if form == "inspection_record" and steps == 1:
                    # REC-08: the inspection's recording reached the system days after its deadline: a late upload.
                    clip = io.BytesIO(demo_clip(f"现在是{timezone.localtime(at):%Y年%m月%d日%H时%M分}，依法进行现场检查。",
                                                seconds=8, fmt=clip_format()))
                    clip.name = f"ZFY-DL-0001-inspection{clip_format().suffix}"
                    recording_upload(case=case, fileobj=clip, device=camera, officer=officer_person,
                                     activity="evidence_taking", started_at=at, ended_at=at + dt.timedelta(seconds=8),
                                     place=f"{place.name}新华街18号", document=document, actor=officer,
                                     device_checked=True, opening_statement=True)
                    # REC-08: and the next day's inquiry in the inquiry room (办案场所, on the mandatory list) still has
                    # no recording, long past the 24 hours: an upload overdue on the supervisor's list.
                    inquiry = at + dt.timedelta(days=1)
                    record(case, "inquiry_record", _at=inquiry, place="东岭县市场监督管理局询问室（演示）",
                           inquired_person="某某便利店负责人（虚构）", content="就无照经营情况进行询问",
                           process="出示执法证件，告知权利义务后询问", activities=["case_premises"],
                           end_time=(inquiry + dt.timedelta(minutes=40)).isoformat())
                if form == "penalty_decision":  # every ordinary decision is assessed; these are not major (REV-02)
                    from zhifa.review.services import determination_record
                    determination_record(case=case, actor=head, fine_amount="0", criteria=[])
                    if ago:
                        # Decided `ago` days ago, entered now: collected for publication (by the system, as on the
                        # move to service) with the decision's own date, so its time limit ran out long ago (IM-M §12)
                        # and the row, its log entry and the decision agree; never published, it is overdue.
                        from zhifa.publicity.services import decision_collect
                        decision_collect(case=case, actor=None, decided_on=timezone.localdate(at))
                if form in ("filing_approval", "inspection_record", "penalty_decision", "closing_report") and done < steps:
                    case = cases.case_advance(case=case, actor=head)
                    done += 1
        self._seizure(agency, head, place, unit, eligible, officer)

    def _reviews(self, agency, head, place, reviewer, supervisor, officer, officer_person):
        """The agency's review catalogue (filed and registered), a major case investigated two weeks ago and submitted
        now, waiting for its reviewer within the review time limit, and one with a "correct" opinion waiting for the
        handling unit (REV). The review's clock starts when it is received: the demo enters it now, and rows are
        never edited afterwards (records are never edited), so no review is shown as already overdue."""
        from zhifa.cases import services as cases
        from zhifa.review import services as review

        catalogue = review.catalogue_issue(agency=agency, effective_from=timezone.localdate() - dt.timedelta(days=30),
                                           actor=head, note="演示目录清单", items=[
            {"action_type": "penalty", "matter": "较大数额罚款、没收较大数额违法所得", "criterion": "fine_at_least",
             "amount": "50000", "level": "county", "collective_discussion": True, "basis": "《行政处罚法》第五十七条"},
            {"action_type": "penalty", "matter": "吊销许可证件", "criterion": "measure", "measure": "revoke_licence"},
            {"action_type": "penalty", "matter": "责令停产停业、责令关闭", "criterion": "measure", "measure": "suspend_business"},
            {"action_type": "coercion", "matter": "涉案财物价值较大的查封、扣押", "criterion": "property_at_least",
             "amount": "100000"},
            {"action_type": "licence", "matter": "经听证的行政许可", "criterion": "hearing"}])
        review.catalogue_acknowledge(catalogue=catalogue, actor=supervisor, remarks="准予备案（演示）")
        unit = agency.units.filter(kind=UnitKind.HANDLING).first()
        now = timezone.now()
        officers = self._handling_officers(agency, place, first=officer_person, exclude=[reviewer.person.pk],
                                           days=[(now - dt.timedelta(days=14)).date(), timezone.localdate()])
        plan = (("销售不符合食品安全标准的食品（演示）", None, 14, "《中华人民共和国食品安全法》第一百二十四条",
                 "当事人销售致病性微生物含量超过食品安全标准限量的熟食制品", "没收违法所得，罚款二十万元"),
                ("销售不合格化肥（演示）", "correct", 0, "《中华人民共和国产品质量法》第四十九条",
                 "当事人销售有效成分含量不符合国家标准的复合肥料", "没收违法销售的化肥，罚款十五万元"))
        for title, opinion, ago, basis, facts, penalty in plan:
            at = (now - dt.timedelta(days=ago, hours=2)).isoformat()

            def record(case, form, _at=at, **extra):
                cases.document_record(case=case, form=form, actor=officer, elements={
                    "time": _at, "place": f"{place.name}建设路6号", "officers": [p.pk for p in officers],
                    "target": "某某食品经营部（虚构）", "content": "检查食品和农资经营情况",
                    "process": "出示执法证件，告知检查事由后检查", "certificate_shown": True, "rights_told": True} | extra)

            case = cases.case_open(agency=agency, handling_unit=unit, title=title, action_type="penalty",
                                   procedure="ordinary", place=place, legal_basis=basis, actor=officer)
            for person in officers:
                cases.officer_assign(case=case, person=person, actor=officer)
            record(case, "filing_approval", case_source="举报", opinion="同意立案", approver="局长（演示）")
            case = cases.case_advance(case=case, actor=head)
            record(case, "inspection_record")
            case = cases.case_advance(case=case, actor=head)
            record(case, "penalty_notice", facts=facts, legal_basis=basis, proposed_penalty=penalty,
                   rights="有权陈述、申辩、要求听证")
            record(case, "investigation_report", facts=facts, evidence="现场检查笔录、询问笔录、检验报告",
                   proposal=penalty)
            record(case, "penalty_decision", facts=facts, legal_basis=basis, penalty=penalty,
                   remedies="六十日内申请行政复议或六个月内提起行政诉讼")
            review.determination_record(case=case, actor=head, fine_amount="200000" if ago else "150000",
                                        criteria=["major_rights"])
            r = review.review_submit(case=case, actor=officer, note="请予审核（演示）")
            review.reviewer_assign(review=r, person=reviewer.person, actor=reviewer)
            if opinion == "correct":
                items = {c: {"finding": "ok"} for c in r.rules["items"]} | {
                    "discretion": {"finding": "problem", "note": "罚款数额未按本机关裁量基准确定"}}
                review.opinion_record(review=r, kind="correct", grounds=["discretion_improper"], checklist=items,
                                      text="请按裁量基准重新确定罚款数额后再送审。", actor=reviewer)

    def _seizure(self, agency, head, place, unit, eligible, officer):
        """A seizure under full AV recording (REC-03): two clips with an interruption note, at the decision stage."""
        from zhifa.cases import services as cases
        from zhifa.demo.media import clip_format, demo_clip
        from zhifa.records.models import Device
        from zhifa.records.services import interruption_note, recording_upload

        now = timezone.now() - dt.timedelta(hours=3)

        def record(case, form, **extra):
            base = {"time": now.isoformat(), "place": f"{place.name}新华街18号", "officers": [p.pk for p in eligible],
                    "target": "某某百货商行（虚构）", "content": "对经营场所进行检查",
                    "process": "出示执法证件，告知检查事由后检查", "certificate_shown": True, "rights_told": True}
            cases.document_record(case=case, form=form, elements=base | extra, actor=officer)

        case = cases.case_open(agency=agency, handling_unit=unit, title="扣押涉嫌假冒商品（演示）", action_type="coercion",
                               procedure="ordinary", place=place,
                               legal_basis="《中华人民共和国商标法》第六十二条、《中华人民共和国行政强制法》第二十二条",
                               actor=officer)
        for person in eligible:
            cases.officer_assign(case=case, person=person, actor=officer)
        cases.party_add(case=case, kind="organisation", name="某某百货商行（虚构）", id_number="91110000600037341L",
                        actor=officer)
        record(case, "filing_approval", case_source="投诉举报", opinion="同意立案", approver="局长（演示）")
        case = cases.case_advance(case=case, actor=head)
        record(case, "inspection_record")
        # A three-minute seizure: the clips, by their real length, cover it from start to end, with one
        # break longer than the 60 s tolerance that the interruption note explains (REC-03, REC-07).
        start = (timezone.now() - dt.timedelta(hours=2, minutes=50)).replace(microsecond=0)
        record(case, "seizure_decision", items="涉嫌假冒注册商标的商品 12 箱（演示）", legal_basis="《中华人民共和国商标法》第六十二条、《中华人民共和国行政强制法》第二十二条",
               period="三十日", time=start.isoformat(), end_time=(start + dt.timedelta(minutes=3)).isoformat())
        seizure = case.documents.get(form="seizure_decision")
        camera = Device.objects.get(agency=agency, serial="ZFY-DL-0001")
        clips = []
        fmt = clip_format()
        for n, (offset, seconds) in enumerate(((0, 80), (150, 40))):
            began = start + dt.timedelta(seconds=offset)
            statement = (f"现在是{timezone.localtime(began):%Y年%m月%d日%H时%M分}，地点{place.name}新华街18号，"
                         f"执法人员{'、'.join(p.name for p in eligible)}，依法实施扣押，现场正在进行音像记录。"
                         if n == 0 else "记录仪电量耗尽，更换电池后继续记录。")
            clip = io.BytesIO(demo_clip(statement, seconds=seconds, fmt=fmt))
            clip.name = f"ZFY-DL-0001-{n + 1}{fmt.suffix}"
            clips.append(recording_upload(
                case=case, fileobj=clip, device=camera, officer=eligible[0], activity="seize", started_at=began,
                ended_at=began + dt.timedelta(seconds=seconds), place=f"{place.name}新华街18号", document=seizure,
                actor=officer, device_checked=True, opening_statement=True))
        interruption_note(case=case, before=clips[0], after=clips[1], reason="device_fault",
                          explanation="记录仪电量耗尽，更换电池后继续记录（演示）", spoken_on_resume=True, actor=officer)
        case = cases.case_advance(case=case, actor=head)
        from zhifa.review.services import determination_record
        determination_record(case=case, actor=head, property_value="8000", criteria=[])  # below the catalogue's line

    def _print_logins(self, password):
        self.stdout.write(f"\n演示账户（密码均为 {password}）：")
        rows = [
            ("admin", "系统管理员（账户与系统管理；查阅案件须说明事由，不能办案、签发）"),
            ("region_supervisor", "自治区司法厅监督人员：全区"),
            ("city_supervisor", "青原市司法局监督人员：本市及所辖县（旗）"),
            ("county_supervisor", "东岭县司法局监督人员：本县"),
            ("agency_head", "东岭县市场监督管理局负责人（兼主管法制工作）"),
            ("reviewer", "东岭县市场监督管理局法制审核人员（不承办案件）"),
            ("publicity_editor", "东岭县市场监督管理局公示信息编辑（审核人：agency_head）"),
            ("officer", "东岭县市场监督管理局执法人员（证件有效，承办演示案件）"),
            ("officer_expired", "东岭县市场监督管理局执法人员（证件已过期：不能立案、不能被指派、不能制作执法记录）"),
        ]
        for username, what in rows:
            self.stdout.write(f"  {username:<20} {what}")
        self.stdout.write(
            "\n双因素认证：admin、三名监督人员、agency_head 和 reviewer 登录时还须输入动态验证码。"
            f"\n  在验证器应用中手动添加密钥 {DEMO_TOTP_SECRET}（基于时间，6 位，30 秒），"
            "\n  或运行 .venv/bin/python manage.py demo_totp 查看当前验证码。演示密钥公开，仅供演示。")
        self.stdout.write("")
