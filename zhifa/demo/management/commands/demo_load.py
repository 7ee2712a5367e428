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
from zhifa.demo import clock
from zhifa.demo.generator import GIVEN, SURNAMES, Shape, credit_code, document_settings, generate
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
# The forms whose 执法内容/执法过程 the demo words per form (Command._texts).
STEPS_TEXT = frozenset({"filing_approval", "inspection_record", "investigation_report", "penalty_notice",
                        "penalty_decision", "service_receipt", "closing_report"})


def _person_id(birth: str, serial: int) -> str:
    """Another fictional resident ID number (GB 11643) with a valid check digit."""
    from stdnum.cn import ric

    body = f"110105{birth}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the first 17 of 18 characters


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
            self._inspections()
            self._analyze()
        self._second_factor()
        self._print_logins(password)

    @transaction.atomic
    def _inspections(self):
        """Random inspections (issue 22): the market bureau's item list (drafted and submitted by its head, approved by
        the deputy head in charge of legal work: four eyes, the bureau being the county's market-regulation department
        that reviews item lists), its directory, the year's plan, a draw and three inspections."""
        from django.contrib.auth import get_user_model

        from zhifa.demo import inspections as demo_inspections
        from zhifa.ledger.services import checkpoint_create

        User = get_user_model()
        head, deputy = User.objects.get(username="agency_head"), User.objects.get(username="deputy_head")
        market = head.person.agency
        org_services.role_grant(user=deputy, role=Role.LEGAL_HEAD, agency=market,
                                actor=User.objects.get(username="admin"))
        demo_inspections.load(agency=market, head=head, approver=deputy, place=market.jurisdiction)
        checkpoint_create()

    def _analyze(self):
        """Statistics for the planner (issue 19): the demo's org tables hold a few dozen rows, below autovacuum's
        threshold, and without statistics PostgreSQL planned the supervisor's case list by stage as a sort of every
        case (216 ms at 100 000 cases instead of 0.5 ms). SQLite's ANALYZE does the same for its planner."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

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
        # A second approver (the deputy head in charge of publicity): whoever submits an item, someone else can approve
        # it (the submitter never approves their own: four eyes), so no publication is stuck with one approver.
        deputy = User.objects.create_user("deputy_head", password=password, first_name="")
        person = org_services.person_create(agency=agency, name="苏静怡", post="副局长（分管政务公开）", actor=None)
        person.user = deputy
        person.save(update_fields=["user"])
        deputy.first_name = person.name
        deputy.save(update_fields=["first_name"])
        org_services.role_grant(user=deputy, role=Role.PUBLICITY_APPROVER, agency=agency, actor=admin)
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
        head, _ = staff("agency_head", market, role=Role.AGENCY_HEAD, name="韩立军", post="局长")
        org_services.role_grant(user=head, role=Role.LEGAL_HEAD, agency=market, actor=admin)
        reviewer, _ = staff("reviewer", market, role=Role.REVIEWER, unit_kind=UnitKind.REVIEW)
        org_services.role_grant(user=reviewer, role=Role.REVIEW_HEAD, agency=market, actor=admin)
        officer, officer_person = staff("officer", market, role=Role.OFFICER)
        # Make sure the demo officer holds a valid certificate, and a colleague one that has expired.
        if not officer_person.certificates.filter(revoked_at__isnull=True, valid_to__gte=today).exists():
            org_services.certificate_issue(
                person=officer_person, number=f"{dongling.code}D000001", category=market.field, area=dongling,
                valid_from=today - dt.timedelta(days=365), valid_to=today + dt.timedelta(days=700), actor=None)
        expired_user, expired_person = staff("officer_expired", market, role=Role.OFFICER, name="魏志强", post="执法队员")
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

    @staticmethod
    def _texts(form, c):
        """What a record says it did (执法内容, 执法过程): its own words per form, with the case's own subject."""
        return {
            "filing_approval": (f"核查{c['source']}{'发现' if c['source'].endswith('检查') else '反映'}的{c['short']}线索",
                                f"核查线索，初步查明{c['target']}涉嫌{c['short']}，填写立案审批表报负责人审批"),
            "inspection_record": (f"检查{c['focus']}",
                                  f"出示执法证件，告知检查事由和陈述、申辩权利后，在当事人在场时检查{c['focus']}，拍照取证"),
            "investigation_report": (f"{c['short']}案调查终结",
                                     "汇总现场检查笔录、询问笔录、照片和检验报告等证据，认定违法事实，提出处理意见"),
            "penalty_notice": ("告知拟作出的行政处罚及当事人的陈述、申辩权利",
                               "直接送达行政处罚事先告知书，当面告知拟处罚的事实、理由、依据和当事人的权利"),
            "penalty_decision": ("作出行政处罚决定", "当事人在期限内未提出陈述、申辩，经负责人审查批准，制作行政处罚决定书"),
            "service_receipt": ("送达行政处罚决定书", f"到{c['street']}直接送达，{c['party']}当场签收"),
            "closing_report": ("结案", f"{c.get('closing', '')}，报负责人批准结案"),
        }[form]

    def _cases(self, agency, head, place, officer, officer_person, expired_person):
        """Fictional cases of the market bureau's own field in every stage, opened and recorded by the demo officer
        (certified), approved by the head; a seizure with its recordings (generated sample media). Each record carries
        the local office-hours time of its work day, in the order the case ran (demo/clock.py); the cases are entered
        now. Some were handled weeks ago, so the supervisor has overdue work to look at: a decision never published
        within its time limit (collected with the decision's date), an inquiry whose recording was never uploaded, and
        an inspection recording uploaded late. Every row is written once, by its service, at the time it is entered."""
        from zhifa.cases import services as cases
        from zhifa.demo.media import clip_format, demo_clip
        from zhifa.publicity.services import decision_collect
        from zhifa.records.models import Device
        from zhifa.records.services import recording_upload
        from zhifa.review.services import determination_record

        today = timezone.localdate()
        prev = clock.working_day_on_or_before(today - dt.timedelta(days=1))

        def back(days):
            return clock.working_day_on_or_before(today - dt.timedelta(days=days))

        unit = agency.units.filter(kind=UnitKind.HANDLING).first()
        full = ["filing_approval", "inspection_record", "penalty_notice", "penalty_decision", "service_receipt",
                "closing_report"]
        # (title, stages moved, forms recorded, anchor form and its day, legal basis, facts, penalty, subject)
        plan = [
            ("涉嫌销售过期食品（演示）", 0, full[:1], "filing_approval", back(40),
             "《中华人民共和国食品安全法》第三十四条、第一百二十四条", "当事人在经营场所销售超过保质期的预包装食品",
             "没收违法经营的食品，罚款五万元",
             {"party": "某某便利店（虚构）", "code": 1, "source": "消费者投诉", "short": "销售过期食品",
              "focus": "货架上预包装食品的保质期和库存", "street": "新华街18号"}),
            ("涉嫌无照经营（演示）", 1, [*full[:2], "inquiry_record"], "inspection_record", back(6),
             "《无证无照经营查处办法》第二条、第十三条", "当事人未取得营业执照从事食品经营活动", "责令改正，罚款五千元",
             {"party": "刘建华（虚构）", "id": _person_id("19790612", 3), "target": "刘建华（无照经营小吃店，虚构）",
              "source": "群众举报", "short": "无照经营", "focus": "经营场所的营业执照和食品经营资格",
              "street": "建设路45号"}),
            ("虚假宣传（演示）", 2, full[:2], "inspection_record", clock.shift_working_days(prev, -1),
             "《中华人民共和国反不正当竞争法》第八条、第二十条", "当事人对其销售的保健食品的功能作虚假的商业宣传",
             "责令停止违法行为，罚款二十万元",
             {"party": "某某健康咨询有限公司（虚构）", "code": 2, "source": "网络监测", "short": "虚假宣传",
              "focus": "保健食品的宣传单页和店堂广告", "street": "团结路102号"}),
            ("未明码标价（演示）", 3, full[:5], "penalty_decision", clock.shift_working_days(prev, -3),
             "《中华人民共和国价格法》第十三条、第四十二条", "", "警告",
             {"party": "王小明（虚构）", "id": DEMO_PERSON_ID, "target": "王小明（新华街农贸市场摊位经营者，虚构）",
              "source": "日常检查", "short": "未明码标价", "focus": "摊位在售商品的标价情况", "street": "新华街农贸市场",
              "serve": "leaving"}),
            ("价格标示不规范（演示）", 4, full, "penalty_decision", back(30),
             "《明码标价和禁止价格欺诈规定》第五条、第二十一条", "当事人销售的商品标价签未标明品名、计价单位等内容", "警告",
             {"party": "某某超市有限公司（虚构）", "code": 3, "source": "价格举报", "short": "价格标示不规范",
              "focus": "商品标价签的品名、计价单位和价格", "street": "人民路66号", "closing": "当事人已更换全部标价签"}),
            # Two more cases closed and archived months ago: a case-file evaluation (案卷评查, issue 21) has archived
            # files to draw from and score.
            ("销售不符合食品安全标准的食品（演示）", 4, full, "penalty_decision", back(75),
             "《中华人民共和国食品安全法》第三十四条、第一百二十四条", "当事人销售的散装熟食菌落总数超过食品安全标准限量",
             "没收违法所得八百元，罚款一万元",
             {"party": "某某熟食店有限公司（虚构）", "code": 7, "source": "抽样检验", "short": "销售不合格食品",
              "focus": "散装熟食的进货查验记录和储存条件", "street": "文化路12号", "closing": "当事人已缴纳罚款并停止销售"}),
            ("未按规定公示营业执照（演示）", 4, full, "penalty_decision", back(55),
             "《中华人民共和国市场主体登记管理条例》第三十六条、第四十八条", "当事人未将营业执照置于住所的醒目位置",
             "警告",
             {"party": "某某五金建材商店（虚构）", "code": 8, "source": "日常检查", "short": "未公示营业执照",
              "focus": "营业执照的悬挂位置", "street": "工业路7号", "closing": "当事人已将营业执照置于醒目位置"}),
        ]
        for n, (_t, _s, forms, anchor, on, *_r, c) in enumerate(plan):
            c.setdefault("target", c["party"])
            c.setdefault("closing", "当事人已履行处罚决定并改正违法行为")
            c["at"] = clock.schedule(forms, anchor=anchor, on=on, minutes=(n * 7) % 25)
        days = sorted({m.date() for *_x, c in plan for m in c["at"].values()} | {today})
        eligible = self._handling_officers(agency, place, first=officer_person, exclude=[expired_person.pk], days=days)
        camera = Device.objects.get(agency=agency, serial="ZFY-DL-0001")
        for title, steps, _forms, _anchor, _on, basis, facts, penalty, c in plan:

            def record(case, form, _c=c, **extra):
                content, process = self._texts(form, _c) if form in STEPS_TEXT else ("", "")
                base = {"time": _c["at"][form].isoformat(), "place": f"{place.name}{_c['street']}",
                        "officers": [p.pk for p in eligible], "target": _c["target"], "content": content,
                        "process": process, "certificate_shown": True, "rights_told": True}
                return cases.document_record(case=case, form=form, elements=base | extra, actor=officer)

            case = cases.case_open(agency=agency, handling_unit=unit, title=title, action_type="penalty",
                                   procedure="ordinary", place=place, legal_basis=basis, actor=officer)
            # Opened now: the case row and its log say when it was entered; its records keep the day of the work.
            for person in eligible:
                cases.officer_assign(case=case, person=person, actor=officer)
            if "id" in c:
                # A natural person's decision text names a witness, an address, a phone and an ID number: the
                # publication then shows the masks the approver reviews. All fictional.
                cases.party_add(case=case, kind="natural", name=c["party"], id_number=c["id"], actor=officer,
                                address=f"{place.name}新华街18号3单元502室", phone="13800138000")
                if not facts:
                    facts = (f"当事人王小明（虚构，身份证号码{DEMO_PERSON_ID}，住{place.name}新华街18号3单元502室，"
                             "联系电话13800138000）经营的摊位未明码标价。证人李华（虚构）称其多次在该摊位购物未见标价。")
            else:
                cases.party_add(case=case, kind="organisation", name=c["party"], actor=officer,
                                id_number=credit_code(place.code, c["code"]), address=f"{place.name}{c['street']}")
            script = [
                ("filing_approval", {"case_source": c["source"], "opinion": "同意立案", "approver": head.first_name}),
                ("inspection_record", {}),
                ("penalty_notice", {"facts": facts, "legal_basis": basis, "proposed_penalty": penalty,
                                    "rights": "有权陈述、申辩"}),
                ("penalty_decision", {"facts": facts, "legal_basis": basis, "penalty": penalty,
                                      "remedies": "六十日内申请行政复议，或六个月内提起行政诉讼"}),
                ("service_receipt", {"served_document": "行政处罚决定书", "recipient": c["party"],
                                     "service_method": "direct"}),
                ("closing_report", {"result": c["closing"]}),
            ]
            done = 0
            for form, extra in script:
                # The case under investigation has its inspection record too (and the late recording of it).
                # The case under service has its decision served by leaving it (留置送达): the party refused to sign.
                if (done >= steps and form != "filing_approval" and not (steps == 1 and form == "inspection_record")
                        and not (form == "service_receipt" and c.get("serve"))):
                    break
                if form == "service_receipt" and c.get("serve"):
                    # REC-08: 留置送达 must be recorded on video (IM-M §17); its recording never reached the system,
                    # an upload overdue on the supervisor's list of another kind than the inquiry's.
                    extra = extra | {"service_method": c["serve"], "process": (
                        f"到{c['street']}送达行政处罚决定书，{c['party']}拒绝签收，邀请市场管理办公室工作人员赵磊（虚构）"
                        "到场见证，说明情况后将文书留置于其摊位，并以执法记录仪记录送达过程"),
                        "end_time": (c["at"][form] + dt.timedelta(minutes=20)).isoformat()}
                document = record(case, form, **extra)
                if form == "inspection_record" and steps == 1:
                    # REC-08: the inspection's recording reached the system days after its deadline: a late upload.
                    at = c["at"][form]
                    clip = io.BytesIO(demo_clip(f"现在是{at:%Y年%m月%d日%H时%M分}，依法进行现场检查。",
                                                seconds=8, fmt=clip_format()))
                    clip.name = f"ZFY-DL-0001-inspection{clip_format().suffix}"
                    recording_upload(case=case, fileobj=clip, device=camera, officer=officer_person,
                                     activity="evidence_taking", started_at=at, ended_at=at + dt.timedelta(seconds=8),
                                     place=f"{place.name}{c['street']}", document=document, actor=officer,
                                     device_checked=True, opening_statement=True)
                    # REC-08: and the next day's inquiry in the inquiry room (办案场所, on the mandatory list) still has
                    # no recording, long past the 24 hours: an upload overdue on the supervisor's list.
                    inquiry = c["at"]["inquiry_record"]
                    record(case, "inquiry_record", time=inquiry.isoformat(), place=f"{agency.name}询问室（演示）",
                           inquired_person="刘建华（虚构）", content="就无照经营小吃店的经营时间、经营额进行询问",
                           process="出示执法证件，告知权利义务和如实陈述义务后询问，当事人核对笔录后签名",
                           activities=["case_premises"],
                           end_time=(inquiry + dt.timedelta(minutes=40)).isoformat())
                if form == "penalty_decision":  # every ordinary decision is assessed; these are not major (REV-02)
                    determination_record(case=case, actor=head, fine_amount="0", criteria=[])
                    # 签发 before anything is published: the sealed decision is what is served and made public.
                    cases.document_issue(document=document, kind="pdf", actor=head)
                    # Collected for publication (by the system, as on the move to service) with the decision's own
                    # date, so the row, its log entry and the decision agree; the one decided weeks ago and never
                    # published is overdue (IM-M §12).
                    decision_collect(case=case, actor=None, decided_on=c["at"][form].date())
                if form in ("filing_approval", "inspection_record", "penalty_decision", "closing_report") and done < steps:
                    case = cases.case_advance(case=case, actor=head)
                    done += 1
        self._seizure(agency, head, place, unit, officer)

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
        today = timezone.localdate()
        prev = clock.working_day_on_or_before(today - dt.timedelta(days=1))
        forms = ["filing_approval", "inspection_record", "investigation_report", "penalty_notice", "penalty_decision"]
        plan = (("销售不符合食品安全标准的食品（演示）", None, 5, "《中华人民共和国食品安全法》第一百二十四条",
                 "当事人销售致病性微生物含量超过食品安全标准限量的熟食制品", "没收违法所得，罚款二十万元",
                 {"party": "某某食品经营部（虚构）", "code": 5, "source": "抽样检验", "short": "销售不合格食品",
                  "focus": "熟食制品的进货查验记录和贮存条件", "street": "建设路6号"}),
                ("销售不合格化肥（演示）", "correct", 11, "《中华人民共和国产品质量法》第四十九条",
                 "当事人销售有效成分含量不符合国家标准的复合肥料", "没收违法销售的化肥，罚款十五万元",
                 {"party": "某某农资经营部（虚构）", "code": 6, "source": "监督抽查", "short": "销售不合格化肥",
                  "focus": "复合肥料的产品合格证明和检验报告", "street": "团结路8号"}))
        for _t, _o, minutes, *_r, c in plan:
            c["target"] = c["party"]
            c["at"] = clock.schedule(forms, anchor="penalty_decision", on=prev, minutes=minutes)
        days = sorted({m.date() for *_x, c in plan for m in c["at"].values()} | {today})
        officers = self._handling_officers(agency, place, first=officer_person, exclude=[reviewer.person.pk],
                                           days=days)
        for title, opinion, _m, basis, facts, penalty, c in plan:

            def record(case, form, _c=c, **extra):
                content, process = self._texts(form, _c)
                cases.document_record(case=case, form=form, actor=officer, elements={
                    "time": _c["at"][form].isoformat(), "place": f"{place.name}{_c['street']}",
                    "officers": [p.pk for p in officers], "target": _c["target"], "content": content,
                    "process": process, "certificate_shown": True, "rights_told": True} | extra)

            case = cases.case_open(agency=agency, handling_unit=unit, title=title, action_type="penalty",
                                   procedure="ordinary", place=place, legal_basis=basis, actor=officer)
            for person in officers:
                cases.officer_assign(case=case, person=person, actor=officer)
            # Every case that reaches a decision has its party (行政处罚法 §59(1)).
            cases.party_add(case=case, kind="organisation", name=c["party"], actor=officer,
                            id_number=credit_code(place.code, c["code"]), address=f"{place.name}{c['street']}",
                            legal_representative="张国强（虚构）" if opinion else "陈淑芬（虚构）")
            record(case, "filing_approval", case_source=c["source"], opinion="同意立案", approver=head.first_name)
            case = cases.case_advance(case=case, actor=head)
            record(case, "inspection_record")
            case = cases.case_advance(case=case, actor=head)
            record(case, "investigation_report", facts=facts, evidence="现场检查笔录、询问笔录、检验报告",
                   proposal=penalty)
            record(case, "penalty_notice", facts=facts, legal_basis=basis, proposed_penalty=penalty,
                   rights="有权陈述、申辩、要求听证")
            record(case, "penalty_decision", facts=facts, legal_basis=basis, penalty=penalty,
                   remedies="六十日内申请行政复议或六个月内提起行政诉讼")
            review.determination_record(case=case, actor=head, fine_amount="150000" if opinion else "200000",
                                        criteria=["major_rights"])
            r = review.review_submit(case=case, actor=officer, note="请予审核（演示）")
            review.reviewer_assign(review=r, person=reviewer.person, actor=reviewer)
            if opinion == "correct":
                items = {c: {"finding": "ok"} for c in r.rules["items"]} | {
                    "discretion": {"finding": "problem", "note": "罚款数额未按本机关裁量基准确定"}}
                review.opinion_record(review=r, kind="correct", grounds=["discretion_improper"], checklist=items,
                                      text="请按裁量基准重新确定罚款数额后再送审。", actor=reviewer)

    def _seizure(self, agency, head, place, unit, officer):
        """A seizure under full AV recording (REC-03): two clips with an interruption note, at the decision stage. It
        was done recently (the latest office-hours slot), so its clips are uploaded within the 24-hour limit."""
        from zhifa.cases import services as cases
        from zhifa.demo.media import clip_format, demo_clip
        from zhifa.records.models import Device
        from zhifa.records.services import interruption_note, recording_upload

        start = clock.latest_slot(timezone.now(), lead=dt.timedelta(hours=1))
        inspected = start - dt.timedelta(minutes=20)
        filed = clock.at(clock.shift_working_days(clock.working_day_on_or_before(start.date()), -2), dt.time(9, 40))
        days = sorted({filed.date(), start.date(), timezone.localdate()})
        eligible = self._handling_officers(agency, place, first=Person.objects.get(user=officer), exclude=[],
                                           days=days)
        c = {"party": "某某百货商行（虚构）", "target": "某某百货商行（虚构）", "source": "商标权利人投诉",
             "short": "销售假冒注册商标的商品", "focus": "店内销售商品的注册商标标识和进货凭证", "street": "新华街18号"}

        def record(case, form, when, **extra):
            content, process = self._texts(form, c) if form in STEPS_TEXT else extra.pop("texts")
            base = {"time": when.isoformat(), "place": f"{place.name}{c['street']}", "officers": [p.pk for p in eligible],
                    "target": c["target"], "content": content, "process": process, "certificate_shown": True,
                    "rights_told": True}
            cases.document_record(case=case, form=form, elements=base | extra, actor=officer)

        case = cases.case_open(agency=agency, handling_unit=unit, title="扣押涉嫌假冒商品（演示）", action_type="coercion",
                               procedure="ordinary", place=place,
                               legal_basis="《中华人民共和国商标法》第六十二条、《中华人民共和国行政强制法》第二十二条",
                               actor=officer)
        for person in eligible:
            cases.officer_assign(case=case, person=person, actor=officer)
        cases.party_add(case=case, kind="organisation", name=c["party"], id_number=credit_code(place.code, 4),
                        actor=officer, address=f"{place.name}{c['street']}")
        record(case, "filing_approval", filed, case_source="投诉举报", opinion="同意立案", approver=head.first_name)
        case = cases.case_advance(case=case, actor=head)
        record(case, "inspection_record", inspected)
        # A three-minute seizure: the clips, by their real length, cover it from start to end, with one
        # break longer than the 60 s tolerance that the interruption note explains (REC-03, REC-07).
        record(case, "seizure_decision", start, items="涉嫌假冒注册商标的商品 12 箱（演示）",
               legal_basis="《中华人民共和国商标法》第六十二条、《中华人民共和国行政强制法》第二十二条",
               texts=("涉嫌销售假冒注册商标的商品，扣押涉案商品", "出示执法证件，通知当事人到场，告知扣押的理由、依据和当事人的权利，"
                      "当场清点涉案商品并制作清单，全程音像记录"),
               period="三十日", end_time=(start + dt.timedelta(minutes=3)).isoformat())
        seizure = case.documents.get(form="seizure_decision")
        camera = Device.objects.get(agency=agency, serial="ZFY-DL-0001")
        clips = []
        fmt = clip_format()
        for n, (offset, seconds) in enumerate(((0, 80), (150, 40))):
            began = start + dt.timedelta(seconds=offset)
            statement = (f"现在是{began:%Y年%m月%d日%H时%M分}，地点{place.name}新华街18号，"
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
            ("publicity_editor", "东岭县市场监督管理局公示信息编辑（审核人：agency_head 或 deputy_head）"),
            ("deputy_head", "东岭县市场监督管理局副局长（公示信息审核人；分管法制，审核随机抽查事项清单）"),
            ("officer", "东岭县市场监督管理局执法人员（证件有效，承办演示案件）"),
            ("officer_expired", "东岭县市场监督管理局执法人员（证件已过期：不能立案、不能被指派、不能制作执法记录）"),
        ]
        for username, what in rows:
            self.stdout.write(f"  {username:<20} {what}")
        self.stdout.write(
            "\n双因素认证：admin、三名监督人员、agency_head、deputy_head 和 reviewer 登录时还须输入动态验证码。"
            f"\n  在验证器应用中手动添加密钥 {DEMO_TOTP_SECRET}（基于时间，6 位，30 秒），"
            "\n  或运行 .venv/bin/python manage.py demo_totp 查看当前验证码。演示密钥公开，仅供演示。")
        self.stdout.write("")
