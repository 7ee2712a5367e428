"""The seeded-defect generator of issue 20 ("Benchmarks"): demo-like cases, mostly clean, with known defects of the
problem models planted at a known rate, each beside a near-miss clean control, and the ground truth kept in a side
table (`bench_supervision_truth`: case → model, planted or control).

Written apart from the models: from the issue's descriptions, the statutes (行政处罚法 §36, §42, §44–45, §58, §61–64;
IM-M §8, §12, §17, §20, §25, §33) and the data model of cases, org, review, records, publicity and ledger — never
from the models' code. The only thing read from the models is the thresholds they declare
(`REGISTRY[code].defaults`), through `param()`, which looks a figure up by a name fragment and, where it finds none,
plants clearly past the statutory figure. A defect is planted past the limit by a margin (`PAST`); its control is
"just inside": below 4/5 of the limit (the warning threshold, issue 20 §3) or done in time.

Rows are written in bulk (ORM bulk_create, batch by batch, both SQLite and PostgreSQL) with their log entries (a
canonical payload and its digest, as record_event writes them), with the times the work was done — the
`auto_now_add` stamps are switched off while seeding, so a record "made 100 days ago" says so.

Every case is one of:
  clean   — a finished ordinary penalty case (filing, inspection with its recording uploaded in time, notice of facts
            and rights, decision numbered and sealed, served directly, published in time, archived), or a recent one
            still under investigation;
  planted — a clean case with one defect of one model (the truth names the models expected, usually one);
  control — a clean case with the same fact pattern just inside the limit (no alert expected).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Callable

TRUTH_TABLE = "bench_supervision_truth"
# Models whose hits may name the agency only (case_id None): judged by agency (M22, an instrument overdue).
AGENCY_SCOPE = {"M22"}
PAST = 6  # days past a limit at which a defect is planted
INSIDE = 3  # days inside the warning threshold (4/5 of a limit) at which a control is placed
WARN = 0.8  # issue 20 §3: a step at 4/5 of its time limit warns

# Statutory fallbacks, used only when a model declares no figure under a recognisable name.
FALLBACK = {
    "M01": 90,  # 行政处罚法 §60: ninety days from filing
    "M03": 60,  # stalled: no step for N days (no statute; the model's own figure)
    "M07": 1,  # IM-M §20: uploaded within 24 hours of the work
    "M08": 20,  # IM-M §12: 7 (penalties, licences) or 20 working days
    "M12": 7,  # 行政处罚法 §61: served within seven days
}


def param(code: str, *fragments: str, default):
    """The figure a model declares in `defaults` under a key containing one of `fragments` (first match, in the
    declared order); `default` where the model is absent or declares none."""
    from zhifa.supervision.registry import REGISTRY

    model = REGISTRY.get(code)
    defaults = getattr(model, "defaults", {}) or {}
    for fragment in fragments:
        for key, value in defaults.items():
            if fragment in key and isinstance(value, int | float) and not isinstance(value, bool):
                return value
    return default


def canonical(payload: dict) -> tuple[str, str]:
    from zhifa.ledger.canonical import canonical_json, sha256_hex

    text = canonical_json(payload)
    return text, sha256_hex(text)


@dataclasses.dataclass
class Doc:
    form: str
    at: dt.datetime
    elements: dict
    number_on: dt.date | None = None  # DocumentNumber issued_on (the decision's date)
    rendition: str | None = None  # "pdf" (sealed) / "docx" / None
    number_kind: str = ""


@dataclasses.dataclass
class Rec:
    doc: int  # index into Plan.docs
    activity: str
    started: dt.datetime
    uploaded: dt.datetime
    due: dt.datetime | None
    late: bool
    ended: dt.datetime | None = None  # default: 15 minutes, or to the record's end_time and a minute past
    broken_blob: bool = False  # M23: the evidence file fails verification (a Finding on its blob)


@dataclasses.dataclass
class Plan:
    """One case to write, with everything it has."""

    idx: int
    agency: object  # AgencyInfo
    opened: dt.datetime
    stage: str
    title: str
    procedure: str = "ordinary"
    officers: list = dataclasses.field(default_factory=list)  # Person ids on the case (CaseOfficer)
    docs: list = dataclasses.field(default_factory=list)
    recs: list = dataclasses.field(default_factory=list)
    stages: list = dataclasses.field(default_factory=list)  # (from, to, at)
    determination: dict | None = None  # {"fine", "major", "at", "draft": doc index}
    review: dict | None = None  # {"state", "passed_at"}
    publication: dict | None = None  # {"state", "decided_on", "due_on", "published_at", "doc": index}
    party: tuple = ()  # (kind, name, id_number)
    fine: dict | None = None  # discretion FineAssessment: {"item", "tier", "amount", "first", "harm", "corrected"}
    instrument: dict | None = None  # a supervision instrument about the case: {"issued_on", "due_on", "state"}
    tolerated: set = dataclasses.field(default_factory=set)  # models whose alert here is neither right nor wrong
    role: str = "clean"  # clean | planted | control
    model: str = ""
    expected: set = dataclasses.field(default_factory=set)
    note: str = ""
    group: str = ""


@dataclasses.dataclass
class AgencyInfo:
    id: int
    unit_id: int
    place_id: int
    field: str
    ruleset: str  # "im-m" / "az"
    abbreviation: str
    officers: list  # Person ids with valid certificates
    expired: int  # a Person whose certificate ran out long ago
    cert: dict  # person id → certificate number
    device_id: int


class Seeder:
    def __init__(self, *, today: dt.date, seed: int = 20, rate: float = 0.01, per: int | None = None):
        self.per = per
        self.today = today
        self.rng = random.Random(seed)
        self.rate = rate
        self.serial = defaultdict(int)
        self.publish_days = {}

    # ---- time helpers --------------------------------------------------------------------------------------
    def at(self, days_ago: float, hour: int = 10) -> dt.datetime:
        from django.utils import timezone

        day = self.today - dt.timedelta(days=int(days_ago))
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60))))

    # ---- set-up: agencies, officers, devices --------------------------------------------------------------
    def prepare(self) -> list[AgencyInfo]:
        from django.contrib.auth import get_user_model

        from zhifa.ledger.models import Blob
        from zhifa.org.models import Agency, Certificate, Jurisdiction, Person, Unit, UnitKind
        from zhifa.records.models import Device
        from zhifa.rules.models import RuleVersion

        User = get_user_model()
        self.user = User.objects.get(username="agency_head")
        az_roots = list(RuleVersion.objects.filter(ruleset="az").values_list("jurisdiction__path", flat=True).distinct())
        units = {u.agency_id: u.pk for u in Unit.objects.filter(kind=UnitKind.HANDLING).order_by("id")}
        agencies = list(Agency.objects.filter(is_justice_bureau=False, pk__in=units, kind="organ")
                        .select_related("jurisdiction").order_by("id"))
        az = [a for a in agencies if any(a.jurisdiction.path.startswith(p) for p in az_roots if p)]
        imm = [a for a in agencies if a not in az]
        chosen = imm[:14] + az[:4]
        if not az:
            raise SystemExit("no agency under the AZ rule pack: the demo region is needed")
        # The evidence file every clean recording points at: a real stored clip of the demo (it verifies), and a
        # real sealed rendition's file and signer for the decisions.
        from zhifa.cases.models import DocumentRendition
        from zhifa.records.models import Recording

        self.clip_blob = Recording.objects.order_by("id").values_list("blob_id", flat=True).first()
        pdf = DocumentRendition.objects.filter(kind="pdf").exclude(signer_sha256="").order_by("id").first()
        if self.clip_blob is None or pdf is None:
            raise SystemExit("the demo's recordings and sealed decisions are needed (manage.py demo_load)")
        self.pdf_blob, self.signer = pdf.blob_id, pdf.signer_sha256
        self.docx_blob = (DocumentRendition.objects.filter(kind="docx").values_list("blob_id", flat=True).first()
                          or self.pdf_blob)
        del Blob
        out = []
        long_ago = self.today - dt.timedelta(days=6 * 365)
        for a in chosen:
            people = []
            cert = {}
            for k in range(5):
                p = Person.objects.create(name=f"基准执法员{a.pk}-{k}", agency=a, unit_id=units[a.pk], post="执法人员")
                valid_to = self.today + dt.timedelta(days=3 * 365) if k < 4 else long_ago + dt.timedelta(days=365)
                number = f"SUPB{a.pk:04d}{k:02d}"
                Certificate.objects.create(person=p, number=number, category=a.field, area=a.jurisdiction,
                                           valid_from=long_ago, valid_to=valid_to, issued_by=None)
                people.append(p.pk)
                cert[p.pk] = number
            device = Device.objects.create(agency=a, kind="body_camera", serial=f"SUPB-{a.pk}", label="基准执法记录仪",
                                           registered_by=self.user)
            out.append(AgencyInfo(
                id=a.pk, unit_id=units[a.pk], place_id=a.jurisdiction_id, field=a.field,
                ruleset="az" if a in az else "im-m", abbreviation=a.abbreviation or f"基{a.pk}",
                officers=people[:4], expired=people[4], cert=cert, device_id=device.pk))
        self.agencies = out
        self.jurisdiction_of = {a.pk: a.jurisdiction for a in chosen}
        self.prepare_discretion(out)
        self.bureau_of = {}
        bureaus = list(Agency.objects.filter(is_justice_bureau=True).select_related("jurisdiction"))
        for a in chosen:
            path = a.jurisdiction.path
            fits = [b for b in bureaus if path.startswith(b.jurisdiction.path)]
            if fits:
                self.bureau_of[a.pk] = max(fits, key=lambda b: len(b.jurisdiction.path)).pk
        del Jurisdiction
        return out

    # One violation item per agency (a fixed-amount fine): statutory 1 000–100 000 yuan, tiers lighter 1 000–10 000,
    # general 10 000–50 000, heavier 50 000–100 000, on the first-violation list. Clean fines sit tight around
    # 5 000 / 12 000 / 90 000 so that a planted outlier is far from its peers and a control is not.
    TIERS = {"lighter": (1000, 10000, 5000), "general": (10000, 50000, 12000), "heavier": (50000, 100000, 90000)}
    STATUTORY = (1000, 100000)

    def prepare_discretion(self, agencies: list[AgencyInfo]) -> None:
        self.items = {}
        try:
            from zhifa.discretion.models import BenchmarkTable, Item, ItemTier
        except ImportError:
            return
        from zhifa.ledger.models import Entry

        start = self.today - dt.timedelta(days=3 * 365)
        for a in agencies:
            text, digest = canonical({"agency": a.id, "bench": True})
            entry = Entry.objects.create(kind="discretion.table_imported", subject=f"org.agency:{a.id}",
                                         actor=f"user:{self.user.pk}", at=self.at(3 * 365), payload=text,
                                         payload_sha256=digest)
            version = (BenchmarkTable.objects.filter(agency_id=a.id).order_by("-version")
                       .values_list("version", flat=True).first() or 0) + 1
            table = BenchmarkTable.objects.create(agency_id=a.id, version=version, title="基准裁量基准（基准测试）",
                                                  effective_from=start, issued_by=self.user, entry=entry)
            item = Item.objects.create(table=table, position=1, code="SUPB-01", name="未明码标价",
                                       violated_provision="《价格法》第十三条、第四十二条", penalty_provision="《价格法》第十三条、第四十二条",
                                       range_kind="fixed", statutory_min=self.STATUTORY[0],
                                       statutory_max=self.STATUTORY[1], first_violation_exempt=True)
            for tier, (low, high, _mid) in self.TIERS.items():
                ItemTier.objects.create(item=item, tier=tier, fine_min=low, fine_max=high, conditions=tier)
            self.items[a.id] = (table.pk, item.pk)

    def fine(self, p: Plan, tier: str | None = None, amount: float | None = None, **extra) -> None:
        """The fine assessment of a decided case: by default a general-tier fine near its peers."""
        if not self.items:
            return
        if tier is None:
            roll = self.rng.random()
            tier = "lighter" if roll < 0.2 else "heavier" if roll > 0.9 else "general"
        mid = self.TIERS[tier][2]
        if amount is None:
            amount = round(mid * self.rng.uniform(0.95, 1.05))
        p.fine = {"tier": tier, "amount": amount, "first": False, "harm": "other", "corrected": False} | extra
        if p.determination:
            p.determination["fine"] = amount

    def publish_limit(self, agency: AgencyInfo) -> int:
        """Working days to publish a penalty decision in the agency's jurisdiction (rule publicity.decision_days)."""
        if agency.id not in self.publish_days:
            from zhifa.rules.selectors import rule_get

            days = rule_get("publicity.decision_days", jurisdiction=self.jurisdiction_of[agency.id],
                            as_of=self.today).value
            self.publish_days[agency.id] = int(days.get("penalty", days["default"]))
        return self.publish_days[agency.id]

    # ---- the clean lifecycles ---------------------------------------------------------------------------------
    @staticmethod
    def person_id(idx: int) -> str:
        """A unique 18-character ID number per case index (birth date from idx // 1000, sequence idx % 1000): two
        clean cases never share a party by accident (M13 would rightly join them)."""
        born = dt.date(1950, 1, 1) + dt.timedelta(days=idx // 1000)
        return f"150102{born:%Y%m%d}{idx % 1000:03d}X"

    def base_elements(self, plan: Plan, at: dt.datetime, officers=None) -> dict:
        return {"time": at.isoformat(), "place": "基准执法地点", "officers": officers or plan.officers[:2],
                "target": plan.party[1], "content": "现场检查经营场所", "process": "出示证件，告知权利义务后检查",
                "certificate_shown": True, "rights_told": True}

    def new_plan(self, idx: int, agency: AgencyInfo, opened_days_ago: int, stage: str) -> Plan:
        pair = self.rng.sample(agency.officers, 2)
        org = self.rng.random() < 0.6
        party = (("organisation", f"基准商户{idx}有限公司", f"91150000{idx:09d}X"[:18]) if org else
                 ("natural", f"基准当事人{idx}", self.person_id(idx)))
        return Plan(idx=idx, agency=agency, opened=self.at(opened_days_ago, 9), stage=stage,
                    title=f"基准案件{idx}（涉嫌未明码标价）", officers=pair, party=party)

    def finished(self, idx: int, agency: AgencyInfo, opened_days_ago: int, *, notice=True, notice_gap=9,
                 serve_gap=1, serve_method="direct", seal="pdf", publish_gap=1, recording=True) -> Plan:
        """A finished ordinary penalty case: decided 25 days after filing and 9 working days after the notice of facts
        and rights (past the five working days to request a hearing, 行政处罚法 §64, §85), served, published,
        archived."""
        p = self.new_plan(idx, agency, opened_days_ago, "archive")
        d0 = opened_days_ago
        decided = d0 - 25
        filing = Doc("filing_approval", self.at(d0, 9), {"time": self.at(d0, 9).isoformat(), "place": "本机关",
                     "officers": p.officers, "target": p.party[1], "content": "立案审批", "process": "审批",
                     "case_source": "日常检查", "opinion": "同意立案", "approver": "负责人",
                     "discovered_on": (self.today - dt.timedelta(days=d0 + 2)).isoformat()})
        p.docs.append(filing)
        insp_at = self.at(d0 - 2)
        p.docs.append(Doc("inspection_record", insp_at, self.base_elements(p, insp_at)))
        if recording:
            p.recs.append(Rec(1, "evidence_taking", insp_at, insp_at + dt.timedelta(hours=2),
                              insp_at + dt.timedelta(hours=24), False))
        if notice:
            # `notice_gap` working days before the decision (行政处罚法 §85: its "five days" are working days).
            n_day = self.back_working(self.today - dt.timedelta(days=decided), notice_gap)
            n_at = self.at((self.today - n_day).days)
            p.docs.append(Doc("penalty_notice", n_at, {
                **self.base_elements(p, n_at), "facts": "当事人销售商品未明码标价", "legal_basis": "《价格法》第十三条、第四十二条",
                "proposed_penalty": "罚款", "rights": "有权陈述、申辩，并有权要求听证"}, number_on=n_at.date(), number_kind="罚告"))
        dec_at = self.at(decided, 15)
        p.docs.append(Doc("penalty_decision", dec_at, {
            **self.base_elements(p, dec_at), "facts": "当事人销售商品未明码标价", "legal_basis": "《价格法》第十三条、第四十二条",
            "penalty": "罚款", "remedies": "六十日内申请行政复议，或六个月内提起行政诉讼",
            "violation_date": (self.today - dt.timedelta(days=d0 + 30)).isoformat()},
            number_on=dec_at.date(), rendition=seal, number_kind="罚决"))
        dec_index = len(p.docs) - 1
        p.determination = {"fine": 2000, "major": False, "at": dec_at - dt.timedelta(hours=2), "draft": dec_index}
        self.fine(p)
        if serve_gap is not None:
            s_at = self.at(decided - serve_gap, 11)
            p.docs.append(Doc("service_receipt", s_at, {
                **self.base_elements(p, s_at), "served_document": "行政处罚决定书", "recipient": p.party[1],
                "service_method": serve_method}))
        if publish_gap is not None:
            p.publication = {"state": "published", "decided_on": dec_at.date(), "doc": dec_index,
                             "published_at": self.at(decided - publish_gap, 16)}
        closed = decided - max(5, (serve_gap or 0) + 1)
        close_at = self.at(closed)
        p.docs.append(Doc("closing_report", close_at, {**self.base_elements(p, close_at),
                                                        "result": "当事人已履行处罚决定"}))
        p.stages = [("start", "investigation", self.at(d0, 10)), ("investigation", "decision", self.at((self.today - n_day).days + 1 if notice else decided + 6, 8)),
                    ("decision", "service_enforcement", self.at(decided, 16)),
                    ("service_enforcement", "archive", self.at(closed, 17))]
        return p

    def ongoing(self, idx: int, agency: AgencyInfo, opened_days_ago: int, last_step_days_ago: int) -> Plan:
        """A case under investigation: filing approval, then an inspection with its recording on `last_step`."""
        p = self.new_plan(idx, agency, opened_days_ago, "investigation")
        a = self.at(opened_days_ago, 9)
        p.docs.append(Doc("filing_approval", a, {"time": a.isoformat(), "place": "本机关", "officers": p.officers,
                      "target": p.party[1], "content": "立案审批", "process": "审批", "case_source": "群众举报",
                      "opinion": "同意立案", "approver": "负责人",
                      "discovered_on": (a.date() - dt.timedelta(days=2)).isoformat()}))
        insp_at = self.at(last_step_days_ago)
        p.docs.append(Doc("inspection_record", insp_at, self.base_elements(p, insp_at)))
        p.recs.append(Rec(1, "evidence_taking", insp_at, insp_at + dt.timedelta(hours=1),
                          insp_at + dt.timedelta(hours=24), False))
        p.stages = [("start", "investigation", self.at(opened_days_ago, 10))]
        return p

    def clean(self, idx: int, agency: AgencyInfo) -> Plan:
        m03 = param("M03", "days", default=FALLBACK["M03"])
        m01 = param("M01", "days", default=FALLBACK["M01"])
        if self.rng.random() < 0.3:
            opened = self.rng.randrange(1, max(2, min(int(WARN * m01) - INSIDE, 40)))
            last = self.rng.randrange(0, max(1, min(opened, int(WARN * m03) - INSIDE)))
            return self.ongoing(idx, agency, opened, last)
        return self.finished(idx, agency, self.rng.randrange(60, 700))

    # ---- the planters: (defect, control) per model ------------------------------------------------------------
    def planters(self) -> dict[str, tuple[Callable, Callable]]:
        return {"M01": (self.m01, self.m01c), "M03": (self.m03, self.m03c), "M04": (self.m04, self.m04c),
                "M05": (self.m05, self.m05c), "M06": (self.m06, self.m06c), "M07": (self.m07, self.m07c),
                "M08": (self.m08, self.m08c), "M11": (self.m11, self.m11c), "M12": (self.m12, self.m12c),
                "M23": (self.m23, self.m23c), "M24": (self.m24, self.m24c), "M02": (self.m02, self.m02c),
                "M13": (self.m13, self.m13c), "M14": (self.m14, self.m14c), "M15": (self.m15, self.m15c),
                "M16": (self.m16, self.m16c), "M17": (self.m17, self.m17c), "M18": (self.m18, self.m18c),
                "M22": (self.m22, self.m22c), "M09": (self.m09, self.m09c), "M10": (self.m10, self.m10c)}

    def _heavy(self, idx, a, hearing: bool) -> Plan:
        """A natural person fined 90 000 yuan (较大数额罚款 in every province's standard for individuals; 行政处罚法
        §63), the notice of facts and rights with or without the right to a hearing (§64)."""
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        p.party = ("natural", f"基准当事人{idx}", self.person_id(idx))
        for d in p.docs:
            if "target" in d.elements:
                d.elements["target"] = p.party[1]
            if d.form == "penalty_notice":
                d.elements["proposed_penalty"] = "罚款九万元"
                d.elements["rights"] = "有权陈述、申辩，并有权要求听证" if hearing else "有权陈述、申辩"
            if d.form == "penalty_decision":
                d.elements["penalty"] = "罚款九万元"
        self.fine(p, "heavier", 90000)
        return p

    def m10(self, idx, a):
        p = self._heavy(idx, a, False)
        p.note = "自然人罚款 90 000 元（较大数额），事先告知书未告知要求听证的权利"
        return p

    def m10c(self, idx, a):
        p = self._heavy(idx, a, True)
        p.note = "自然人罚款 90 000 元，事先告知书告知了要求听证的权利"
        return p

    def _changed(self, p: Plan, effective_days_ago: int) -> None:
        """The decision revoked by a reconsideration decision that took effect `effective_days_ago` days ago."""
        at = self.at(max(0, effective_days_ago - 1), 11)
        p.docs.append(Doc("decision_change", at, {
            "time": at.isoformat(), "outcome": "revoked",
            "effective_on": (self.today - dt.timedelta(days=effective_days_ago)).isoformat(),
            "authority": "本级人民政府", "instrument": "行政复议决定书"}))

    def m09(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(120, 300))
        self._changed(p, 20)
        p.note = "处罚决定 20 天前被行政复议撤销，公示仍未撤下（§48 三日内撤回）"
        return p

    def m09c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(120, 300))
        if idx % 2:
            self._changed(p, 20)
            p.publication |= {"state": "withdrawn", "withdrawn_at": self.at(19, 15), "trigger": "revoked"}
            p.note = "处罚决定 20 天前被撤销，次日撤下公示"
        else:
            self._changed(p, 1)
            p.note = "处罚决定昨日被撤销，公示尚在三日期限内"
        return p

    def back_working(self, day: dt.date, n: int) -> dt.date:
        """The day `n` working days before `day`."""
        from zhifa.core import workdays

        while n > 0:
            day -= dt.timedelta(days=1)
            if workdays.is_working_day(day):
                n -= 1
        return day

    def m02(self, idx, a):
        limit = int(param("M02", "working_days", "days", default=15))
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        filed = p.docs[0].at.date()
        found = self.back_working(filed, limit + PAST + 5)
        p.docs[0].elements["discovered_on"] = found.isoformat()
        p.note = f"发现线索 {found}，{limit + PAST + 5} 个工作日后（{filed}）才立案（期限 {limit} 个工作日）"
        return p

    def m02c(self, idx, a):
        limit = int(param("M02", "working_days", "days", default=15))
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        filed = p.docs[0].at.date()
        gap = max(1, int(WARN * limit) - 2)
        found = self.back_working(filed, gap)
        p.docs[0].elements["discovered_on"] = found.isoformat()
        p.note = f"发现线索后第 {gap} 个工作日立案（期限 {limit} 个工作日）"
        return p

    def _decision(self, p: Plan) -> Doc:
        return p.docs[p.determination["draft"]]

    def m13(self, idx, a):
        first = self.finished(idx, a, self.rng.randrange(300, 500))
        second = self.finished(idx + 10_000_000, a, self.rng.randrange(60, 200))
        second.party = first.party
        for d in second.docs:
            if "target" in d.elements:
                d.elements["target"] = first.party[1]
        self._decision(second).elements["violation_date"] = self._decision(first).elements["violation_date"]
        for q in (first, second):
            q.group = f"M13-{idx}"
            q.note = f"同一当事人 {first.party[2]} 同一违法行为（{self._decision(first).elements['violation_date']}）两次罚款"
        return [first, second]

    def m13c(self, idx, a):
        first = self.finished(idx, a, self.rng.randrange(300, 500))
        second = self.finished(idx + 10_000_000, a, self.rng.randrange(60, 200))
        second.party = first.party
        for d in second.docs:
            if "target" in d.elements:
                d.elements["target"] = first.party[1]
        for q in (first, second):
            q.group = f"M13c-{idx}"
            q.note = "同一当事人两个不同违法行为（违法日期不同）分别罚款"
        return [first, second]

    def m14(self, idx, a):
        years = int(param("M14", "years", default=2))
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        found = dt.date.fromisoformat(p.docs[0].elements["discovered_on"])
        act = found.replace(year=found.year - years) - dt.timedelta(days=60)
        self._decision(p).elements["violation_date"] = act.isoformat()
        p.note = f"违法行为 {act}，{found} 才发现（超过 {years} 年，§36）"
        return p

    def m14c(self, idx, a):
        years = int(param("M14", "years", default=2))
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        found = dt.date.fromisoformat(p.docs[0].elements["discovered_on"])
        act = found.replace(year=found.year - years) + dt.timedelta(days=60)
        self._decision(p).elements["violation_date"] = act.isoformat()
        p.note = f"违法行为 {act}，{found} 发现（{years} 年内）"
        return p

    def m15(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        self.fine(p, "heavier", self.STATUTORY[1] * 1.2)
        p.tolerated |= {"M16", "M17"}
        p.note = f"罚款 {self.STATUTORY[1] * 1.2:.0f} 元，超过法定上限 {self.STATUTORY[1]} 元"
        return p

    def m15c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        self.fine(p, "heavier", self.STATUTORY[1])
        p.note = f"罚款 {self.STATUTORY[1]} 元，恰为法定上限（从重阶次内）"
        return p

    def m16(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        self.fine(p, "general", 60000)
        p.tolerated.add("M17")
        p.note = "一般阶次（10 000–50 000 元）罚款 60 000 元，未说明理由"
        return p

    def m16c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        self.fine(p, "general", 10000)
        p.note = "一般阶次罚款 10 000 元，恰为阶次下限"
        return p

    def m17(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        self.fine(p, "general", 48000)
        p.note = "一般阶次罚款 48 000 元，同事项同阶次的罚款约 12 000 元（4 倍）"
        return p

    def m17c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        self.fine(p, "general", 14000)
        p.note = "一般阶次罚款 14 000 元（同类约 12 000 元）"
        return p

    def m18(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        self.fine(p, "lighter", first=True, harm="minor", corrected=True)
        p.note = "首违、危害后果轻微、及时改正，事项列入首违不罚清单，仍予罚款"
        return p

    def m18c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        self.fine(p, "lighter", first=True, harm="minor", corrected=False)
        p.note = "首违、危害后果轻微，但未及时改正，予以罚款"
        return p

    def m22(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        issued = self.today - dt.timedelta(days=30 + 30 + PAST)
        p.instrument = {"issued_on": issued, "due_on": issued + dt.timedelta(days=30), "state": "issued"}
        p.note = f"监督意见书 {issued} 作出，整改报告期限 {issued + dt.timedelta(days=30)} 已过未报告"
        return p

    def m22c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        issued = self.today - dt.timedelta(days=5)
        p.instrument = {"issued_on": issued, "due_on": issued + dt.timedelta(days=30), "state": "issued"}
        p.note = f"监督意见书 {issued} 作出，整改报告期限 {issued + dt.timedelta(days=30)} 未届满"
        return p

    def m01(self, idx, a):
        limit = param("M01", "days", default=FALLBACK["M01"])
        p = self.ongoing(idx, a, limit + PAST, 2)  # a recent step: not stalled
        p.note = f"普通程序立案 {limit + PAST} 天未作出决定（期限 {limit} 天，无延长批准）"
        return p

    def m01c(self, idx, a):
        limit = param("M01", "days", default=FALLBACK["M01"])
        if idx % 2:
            # Past the ninety days, with the head's approved extension of sixty (市场监管 程序规定 §64).
            p = self.ongoing(idx, a, limit + PAST, 2)
            at = self.at(limit + PAST - limit + 10)
            p.docs.append(Doc("extension_approval", at, {"time": at.isoformat(), "reason": "案情复杂",
                                                         "days": 60, "approver": "负责人"}))
            p.note = f"立案 {limit + PAST} 天，已批准延长 60 天"
            return p
        days = int(WARN * limit) - INSIDE
        p = self.ongoing(idx, a, days, 2)
        p.note = f"立案 {days} 天（期限 {limit} 天的 4/5 以内）"
        return p

    def m03(self, idx, a):
        limit = param("M03", "days", default=FALLBACK["M03"])
        opened = limit + PAST + 2
        p = self.ongoing(idx, a, opened, limit + PAST)
        p.note = f"最后一步在 {limit + PAST} 天前（期限 {limit} 天）"
        m01 = param("M01", "days", default=FALLBACK["M01"])
        if opened >= int(WARN * m01):
            p.expected.add("M01")
            p.note += f"；立案 {opened} 天，亦达 M01 预警"
        return p

    def m03c(self, idx, a):
        limit = param("M03", "days", default=FALLBACK["M03"])
        last = int(WARN * limit) - INSIDE
        p = self.ongoing(idx, a, last + 1, last)
        p.note = f"最后一步在 {last} 天前（期限 {limit} 天的 4/5 以内）"
        return p

    def m04(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        if idx % 2:
            # 行政处罚法 §42: at least two officers. One officer on the case and on the on-site record.
            p.officers = p.officers[:1]
            for d in p.docs:
                d.elements["officers"] = p.officers[:1]
            p.note = "仅一名执法人员（案件指派和现场检查笔录）"
        else:
            # IM-M §8: a certificate that ran out years before the work.
            p.officers = [p.officers[0], a.expired]
            for d in p.docs:
                d.elements["officers"] = list(p.officers)
            p.note = "执法人员之一的执法证已过有效期"
        return p

    def m04c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        p.note = "两名持有效执法证的执法人员"
        return p

    def m05(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        p.determination["major"] = True
        p.determination["fine"] = 300000
        p.note = "重大执法决定（认定为重大），无法制审核即作出决定"
        return p

    def m05c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        p.determination["major"] = True
        p.determination["fine"] = 300000
        dec = p.docs[p.determination["draft"]].at
        p.review = {"state": "passed", "passed_at": dec - dt.timedelta(days=1)}
        p.note = "重大执法决定，法制审核通过后作出决定"
        return p

    def _inquiry(self, idx, a, recorded: bool):
        """An inquiry in the agency's inquiry room (执法办案场所): on the mandatory AV list of the national baseline,
        IM-M §17 and AZ-R §10 alike."""
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        at = p.docs[1].at + dt.timedelta(days=1)
        p.docs.insert(2, Doc("inquiry_record", at, {
            **self.base_elements(p, at), "place": "本机关询问室", "inquired_person": p.party[1],
            "content": "就未明码标价的经过进行询问", "activities": ["case_premises"],
            "end_time": (at + dt.timedelta(minutes=40)).isoformat()}))
        p.determination["draft"] += 1
        if p.publication:
            p.publication["doc"] += 1
        if recorded:
            p.recs.append(Rec(2, "case_premises", at, at + dt.timedelta(hours=1), at + dt.timedelta(hours=24), False))
        return p

    def m06(self, idx, a):
        p = self._inquiry(idx, a, False)
        p.note = "在执法办案场所（询问室）询问，无音像记录（IM-M §17；AZ-R §10）"
        return p

    def m06c(self, idx, a):
        p = self._inquiry(idx, a, True)
        p.note = "询问室询问，全程音像记录（覆盖询问起止）并按时上传"
        return p

    def m07(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        r = p.recs[0]
        limit = param("M07", "hours", default=24)
        # Past 24 hours (IM-M §20) and past two working days (AZ-R §17) even across the National Day week.
        r.uploaded = r.started + dt.timedelta(hours=limit + 24 * 15)
        r.late = True
        p.note = f"现场检查音像记录在 {limit + 24 * 15} 小时后上传（期限 24 小时 / 2 个工作日）"
        return p

    def m07c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        r = p.recs[0]
        r.uploaded = r.started + dt.timedelta(hours=12)
        p.note = "音像记录 12 小时后上传（期限 24 小时以内）"
        return p

    def m08(self, idx, a):
        from zhifa.core import workdays

        p = self.finished(idx, a, self.rng.randrange(90, 300), publish_gap=None)
        dec = p.docs[p.determination["draft"]].at.date()
        limit = self.publish_limit(a)
        due = workdays.add_working_days(dec, limit).due
        p.publication = {"state": "collected", "decided_on": dec, "due_on": due, "published_at": None,
                         "doc": p.determination["draft"]}
        p.note = f"决定 {dec} 作出，{limit} 个工作日期限（{due}）已过未公开"
        return p

    def m08c(self, idx, a):
        from zhifa.core import workdays

        p = self.finished(idx, a, self.rng.randrange(90, 300))
        dec = p.docs[p.determination["draft"]].at.date()
        limit = self.publish_limit(a)
        due = workdays.add_working_days(dec, limit).due
        on = workdays.add_working_days(dec, max(1, limit - 2)).due
        p.publication |= {"due_on": due, "published_at": self.at((self.today - on).days, 16)}
        p.note = f"决定后第 {max(1, limit - 2)} 个工作日公开（期限 {limit} 个工作日）"
        return p

    def m11(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300), notice=False)
        p.note = "作出处罚决定前未制作行政处罚事先告知书（§44）"
        return p

    def m11c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300), notice_gap=6)
        p.note = "事先告知书于决定前 6 个工作日送达（陈述申辩、要求听证期满）"
        return p

    def m12(self, idx, a):
        limit = param("M12", "days", default=FALLBACK["M12"])
        # Twice the limit and more, in calendar days: past it even if the model counts working days across the
        # National Day week.
        gap = 2 * limit + PAST
        p = self.finished(idx, a, self.rng.randrange(90, 300), serve_gap=gap)
        p.note = f"决定后第 {gap} 天才送达（期限 {limit} 日，§61）"
        return p

    def m12c(self, idx, a):
        limit = param("M12", "days", default=FALLBACK["M12"])
        gap = max(1, int(WARN * limit) - 1)
        p = self.finished(idx, a, self.rng.randrange(90, 300), serve_gap=gap)
        p.note = f"决定后第 {gap} 天送达（期限 {limit} 日）"
        return p

    def m23(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        p.recs[0].broken_blob = True
        p.note = "现场检查音像记录的证据文件核验不符（完整性问题：文件被篡改）"
        return p

    def m23c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        p.note = "证据文件完好"
        return p

    def m24(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300), seal="docx")
        p.note = "处罚决定书未加盖电子签章（仅有 Word 文本）即送达"
        return p

    def m24c(self, idx, a):
        p = self.finished(idx, a, self.rng.randrange(60, 300))
        p.note = "处罚决定书加盖机关电子签章"
        return p

    # ---- the plan of the whole data set ------------------------------------------------------------------------
    def plans(self, n: int, codes: list[str] | None = None):
        """Yield `n` plans: for each model, `per` defects and `per` controls (rate × n each, at least 4), spread
        over both jurisdictions, the rest clean; shuffled."""
        planters = self.planters()
        codes = [c for c in (codes or sorted(planters)) if c in planters]
        per = self.per or max(4, int(self.rate * n))
        special = []
        for code in codes:
            defect, control = planters[code]
            for k in range(per):
                special.append((code, "planted", defect, k))
                special.append((code, "control", control, k))
        if len(special) > n:
            raise SystemExit(f"--cases {n} is too small for {len(special)} planted cases and controls")
        slots = self.rng.sample(range(n), len(special))
        at_slot = dict(zip(slots, special, strict=True))
        for i in range(n):
            # Alternate the jurisdictions for the planted ones so that both rule packs are exercised.
            if i in at_slot:
                code, role, fn, k = at_slot[i]
                pool = [x for x in self.agencies if x.ruleset == ("az" if k % 2 else "im-m")]
                if code in AGENCY_SCOPE:
                    # Judged by agency: the planted on the first half of the pool, the controls on the second.
                    half = max(1, len(pool) // 2)
                    pool = pool[:half] if role == "planted" else pool[half:] or pool
                a = pool[k % len(pool)]
                made = fn(i, a)
                for p in made if isinstance(made, list) else [made]:
                    p.role, p.model = role, code
                    if role == "planted":
                        p.expected.add(code)
                    yield p
            else:
                yield self.clean(i, self.agencies[i % len(self.agencies)])


class Writer:
    """Writes plans in batches; the ledger entries first, then the rows that point at them."""

    AUTO = [("cases", "Case", "opened_at"), ("cases", "CaseOfficer", "assigned_at"), ("cases", "StageChange", "at"),
            ("cases", "Document", "recorded_at"), ("cases", "DocumentNumber", "assigned_at"),
            ("cases", "DocumentRendition", "issued_at"), ("cases", "Party", "added_at"),
            ("records", "Recording", "uploaded_at"), ("review", "Determination", "recorded_at"),
            ("review", "Review", "created_at"), ("review", "Step", "at"), ("publicity", "Publication", "collected_at"),
            ("ledger", "Finding", "found_at"), ("ledger", "Blob", "created_at"),
            ("discretion", "FineAssessment", "recorded_at"), ("instruments", "Instrument", "issued_at")]

    def __init__(self, seeder: Seeder, *, batch: int = 5000):
        self.s, self.batch = seeder, batch
        self.truth: list[tuple] = []

    @contextlib.contextmanager
    def stamps_off(self):
        from django.apps import apps

        fields = [apps.get_model(app, model)._meta.get_field(name) for app, model, name in self.AUTO]
        saved = [f.auto_now_add for f in fields]
        for f in fields:
            f.auto_now_add = False
        try:
            yield
        finally:
            for f, v in zip(fields, saved, strict=True):
                f.auto_now_add = v

    def entries(self, specs: list[tuple[str, str, dt.datetime, dict]]) -> list[int]:
        from zhifa.ledger.models import Entry

        rows = []
        for kind, subject, at, payload in specs:
            text, digest = canonical(payload)
            rows.append(Entry(kind=kind, subject=subject, actor=f"user:{self.s.user.pk}", at=at, payload=text,
                              payload_sha256=digest))
        return [e.pk for e in Entry.objects.bulk_create(rows, batch_size=2000)]

    def write(self, plans: list[Plan]) -> None:
        from django.db import transaction

        from zhifa.cases.models import (
            Case,
            CaseOfficer,
            Document,
            DocumentNumber,
            DocumentRendition,
            Party,
            StageChange,
        )
        from zhifa.ledger.models import Blob, Finding
        from zhifa.publicity.models import Publication
        from zhifa.records.models import Recording, UploadDeadline
        from zhifa.review.models import Determination, Review
        from zhifa.review.models import Step as ReviewStep

        user = self.s.user.pk
        with transaction.atomic():
            cases = Case.objects.bulk_create([Case(
                agency_id=p.agency.id, handling_unit_id=p.agency.unit_id, number=f"SUPB-{p.idx:09d}", title=p.title,
                action_type="penalty", procedure=p.procedure, place_id=p.agency.place_id,
                legal_basis="《中华人民共和国价格法》第十三条、第四十二条", stage=p.stage, opened_at=p.opened,
                opened_by_id=user) for p in plans], batch_size=2000)
            ids = [c.pk for c in cases]
            Party.objects.bulk_create([Party(case_id=cid, kind=p.party[0], name=p.party[1], id_number=p.party[2],
                                             added_at=p.opened) for cid, p in zip(ids, plans, strict=True)],
                                      batch_size=2000)
            CaseOfficer.objects.bulk_create([
                CaseOfficer(case_id=cid, person_id=o, certificate_number=p.agency.cert[o], assigned_at=p.opened,
                            assigned_by_id=user) for cid, p in zip(ids, plans, strict=True) for o in p.officers],
                batch_size=2000)
            StageChange.objects.bulk_create([
                StageChange(case_id=cid, from_stage=f, to_stage=t, at=at, actor_id=user)
                for cid, p in zip(ids, plans, strict=True) for f, t, at in p.stages], batch_size=2000)
            # Documents and their entries.
            flat = [(cid, p, i, d) for cid, p in zip(ids, plans, strict=True) for i, d in enumerate(p.docs)]
            eids = self.entries([("cases.document_recorded", f"cases.case:{cid}", d.at,
                                  {"form": d.form, "version": 1, "elements_sha256": canonical(d.elements)[1]})
                                 for cid, p, i, d in flat])
            docs = Document.objects.bulk_create([
                Document(case_id=cid, form=d.form, elements=d.elements, recorded_at=d.at, recorded_by_id=user,
                         entry_id=e) for (cid, p, i, d), e in zip(flat, eids, strict=True)], batch_size=2000)
            doc_id = {(cid, i): doc.pk for (cid, p, i, d), doc in zip(flat, docs, strict=True)}
            numbered = [(cid, p, i, d) for cid, p, i, d in flat if d.number_on]
            eids = self.entries([("cases.document_numbered", f"cases.case:{cid}", d.at, {"document": doc_id[cid, i]})
                                 for cid, p, i, d in numbered])
            numbers = []
            for (cid, p, i, d), e in zip(numbered, eids, strict=True):
                key = (p.agency.id, d.number_on.year, d.number_kind)
                self.s.serial[key] += 1
                serial = 100000 + self.s.serial[key]
                numbers.append(DocumentNumber(
                    document_id=doc_id[cid, i], agency_id=p.agency.id, year=d.number_on.year, kind=d.number_kind,
                    serial=serial, text=f"{p.agency.abbreviation}{d.number_kind}〔{d.number_on.year}〕{serial}号",
                    issued_on=d.number_on, assigned_at=d.at, entry_id=e))
            DocumentNumber.objects.bulk_create(numbers, batch_size=2000)
            rendered = [(cid, p, i, d) for cid, p, i, d in flat if d.rendition]
            eids = self.entries([("cases.document_issued", f"cases.case:{cid}", d.at + dt.timedelta(minutes=30),
                                  {"document": doc_id[cid, i], "kind": d.rendition}) for cid, p, i, d in rendered])
            DocumentRendition.objects.bulk_create([DocumentRendition(
                document_id=doc_id[cid, i], kind=d.rendition,
                blob_id=self.s.pdf_blob if d.rendition == "pdf" else self.s.docx_blob,
                signer_sha256=self.s.signer if d.rendition == "pdf" else "", pages=2 if d.rendition == "pdf" else None,
                issued_at=d.at + dt.timedelta(minutes=30), issued_by_id=user, entry_id=e)
                for (cid, p, i, d), e in zip(rendered, eids, strict=True)], batch_size=2000)
            # Recordings (and, for M23, a blob of their own that fails verification).
            recs = [(cid, p, r) for cid, p in zip(ids, plans, strict=True) for r in p.recs]
            broken = [(cid, p, r) for cid, p, r in recs if r.broken_blob]
            blob_of = {}
            if broken:
                eids = self.entries([("ledger.blob_stored", "ledger.blob", r.uploaded, {"case": cid})
                                     for cid, p, r in broken])
                for (cid, _p, r), e in zip(broken, eids, strict=True):
                    digest = hashlib.sha256(f"supb-broken-{cid}".encode()).hexdigest()
                    blob = Blob.objects.create(sha256=digest, size=1024, storage_name=f"{digest[:2]}/{digest}",
                                               content_type="video/mp4", created_at=r.uploaded, entry_id=e)
                    blob_of[id(r)] = blob.pk
            eids = self.entries([("records.recording_uploaded", f"cases.case:{cid}", r.uploaded,
                                  {"activity": r.activity}) for cid, p, r in recs])
            recordings = Recording.objects.bulk_create([Recording(
                case_id=cid, document_id=doc_id[cid, r.doc], activity=r.activity, device_id=p.agency.device_id,
                officer_id=p.officers[0], blob_id=blob_of.get(id(r), self.s.clip_blob), started_at=r.started - dt.timedelta(minutes=1),
                ended_at=self.rec_end(p, r), place="基准执法地点", device_checked=True,
                opening_statement=True,
                duration_seconds=(self.rec_end(p, r) - r.started + dt.timedelta(minutes=1)).total_seconds(),
                media_created_at=r.started - dt.timedelta(minutes=1), media_format="mp4",
                uploaded_at=r.uploaded, recorded_by_id=user, entry_id=e)
                for (cid, p, r), e in zip(recs, eids, strict=True)], batch_size=2000)
            UploadDeadline.objects.bulk_create([
                UploadDeadline(recording_id=rec.pk, due_at=r.due, late=r.late, rule="bench: records.upload_hours")
                for (cid, p, r), rec in zip(recs, recordings, strict=True)], batch_size=2000)
            if broken:
                eids = self.entries([("ledger.log_audit", "ledger.log", r.uploaded + dt.timedelta(days=1),
                                      {"finding": "altered", "blob": blob_of[id(r)]}) for cid, p, r in broken])
                Finding.objects.bulk_create([Finding(
                    kind="altered", blob_id=blob_of[id(r)], detail=f"证据文件 {blob_of[id(r)]} 的摘要与登记不符",
                    found_at=self.s.at(1), entry_id=e) for (cid, p, r), e in zip(broken, eids, strict=True)])
            # Determinations (every decided ordinary case is assessed, REV-02) and reviews.
            det = [(cid, p) for cid, p in zip(ids, plans, strict=True) if p.determination]
            eids = self.entries([("review.determined", f"cases.case:{cid}", p.determination["at"],
                                  {"major": p.determination["major"]}) for cid, p in det])
            Determination.objects.bulk_create([Determination(
                case_id=cid, fine_amount=p.determination["fine"], is_major=p.determination["major"],
                reasons=["罚款数额较大"] if p.determination["major"] else [],
                draft_id=doc_id[cid, p.determination["draft"]], recorded_by_id=user,
                recorded_at=p.determination["at"], entry_id=e) for (cid, p), e in zip(det, eids, strict=True)],
                batch_size=2000)
            reviewed = [(cid, p) for cid, p in zip(ids, plans, strict=True) if p.review]
            reviews = Review.objects.bulk_create([Review(
                case_id=cid, agency_id=p.agency.id, review_unit_id=p.agency.unit_id, state=p.review["state"],
                rules={}, clock_started_on=(p.review["passed_at"] - dt.timedelta(days=3)).date(),
                due_on=p.review["passed_at"].date(), passed_at=p.review["passed_at"],
                created_at=p.review["passed_at"] - dt.timedelta(days=3)) for cid, p in reviewed], batch_size=2000)
            # Its timeline as the review services leave it: submitted, then the opinion that passed it.
            moves = [(rv, cid, p, action, src, dst, at) for rv, (cid, p) in zip(reviews, reviewed, strict=True)
                     for action, src, dst, at in (("submit", "", "submitted", p.review["passed_at"] - dt.timedelta(days=3)),
                                                  ("opinion", "submitted", p.review["state"], p.review["passed_at"]))]
            eids = self.entries([(f"review.{'submitted' if m[3] == 'submit' else 'opinion'}", f"cases.case:{m[1]}",
                                  m[6], {"review": m[0].pk, "to": m[5]}) for m in moves])
            ReviewStep.objects.bulk_create([ReviewStep(
                review_id=rv.pk, round=1, action=action, from_state=src, to_state=dst, actor_id=user, at=at,
                on=at.date(), entry_id=e) for (rv, cid, p, action, src, dst, at), e in zip(moves, eids, strict=True)])
            # Publications of the decisions.
            pubs = [(cid, p) for cid, p in zip(ids, plans, strict=True) if p.publication]
            published = [(cid, p) for cid, p in pubs if p.publication["published_at"]]
            eids = dict(zip([cid for cid, p in published], self.entries([
                ("publicity.published", f"cases.case:{cid}", p.publication["published_at"], {"case": cid})
                for cid, p in published]), strict=True))
            rows = []
            for cid, p in pubs:
                pub = p.publication
                due = pub.get("due_on")
                if due is None:
                    from zhifa.core import workdays

                    due = workdays.add_working_days(pub["decided_on"], self.s.publish_limit(p.agency)).due
                rows.append(Publication(
                    kind="decision", agency_id=p.agency.id, jurisdiction_path=self.s.jurisdiction_of[p.agency.id].path,
                    case_id=cid, decision_document_id=doc_id[cid, pub["doc"]], title=f"{p.title}行政处罚决定",
                    state=pub["state"], mode="summary", action_type="penalty", target_name=p.party[1],
                    decided_on=pub["decided_on"], due_on=due, collected_at=p.docs[pub["doc"]].at,
                    published_at=pub["published_at"], published_by_id=user if pub["published_at"] else None,
                    withdrawn_at=pub.get("withdrawn_at"), withdrawal_trigger=pub.get("trigger", ""),
                    withdrawal_basis="行政复议决定书" if pub.get("trigger") else "",
                    published_entry_id=eids.get(cid)))
            Publication.objects.bulk_create(rows, batch_size=2000)
            self.write_fines(ids, plans, doc_id)
            self.write_instruments(ids, plans)
            for cid, p in zip(ids, plans, strict=True):
                if p.role != "clean":
                    self.truth.append((cid, p.agency.id, p.model, p.role, ",".join(sorted(p.expected)),
                                       ",".join(sorted(p.tolerated)), p.group, p.note))


    def write_fines(self, ids, plans, doc_id) -> None:
        fined = [(cid, p) for cid, p in zip(ids, plans, strict=True) if p.fine]
        if not fined:
            return
        from zhifa.discretion.models import FineAssessment

        eids = self.entries([("discretion.fine_assessed", f"cases.case:{cid}", p.determination["at"],
                              {"amount": str(p.fine["amount"])}) for cid, p in fined])
        FineAssessment.objects.bulk_create([FineAssessment(
            case_id=cid, agency_id=p.agency.id, table_id=self.s.items[p.agency.id][0],
            item_id=self.s.items[p.agency.id][1], item_code="SUPB-01", tier=p.fine["tier"], amount=p.fine["amount"],
            first_violation=p.fine["first"], harm=p.fine["harm"], corrected_in_time=p.fine["corrected"],
            decided_on=self._decision_day(p), recorded_by_id=self.s.user.pk, recorded_at=p.determination["at"],
            entry_id=e) for (cid, p), e in zip(fined, eids, strict=True)], batch_size=2000)

    @staticmethod
    def rec_end(p: Plan, r: Rec) -> dt.datetime:
        if r.ended:
            return r.ended
        end = p.docs[r.doc].elements.get("end_time")
        if end:
            return dt.datetime.fromisoformat(end) + dt.timedelta(minutes=1)
        return r.started + dt.timedelta(minutes=15)

    @staticmethod
    def _decision_day(p: Plan) -> dt.date:
        return p.docs[p.determination["draft"]].at.date()

    def write_instruments(self, ids, plans) -> None:
        todo = [(cid, p) for cid, p in zip(ids, plans, strict=True) if p.instrument]
        if not todo:
            return
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic():
                self._instruments(todo)
        except DatabaseError as exc:  # the instruments app between a model change and its migration
            print(f"  instruments not written ({type(exc).__name__}: {exc}); M22 left unplanted in this batch")
            for _cid, p in todo:
                p.expected.discard("M22")
                p.role = "unplanted"
                p.note += f"（未写入：{type(exc).__name__}）"

    def _instruments(self, todo) -> None:
        from zhifa.instruments.models import Instrument

        for cid, p in todo:
            i = p.instrument
            bureau = self.s.bureau_of.get(p.agency.id)
            if bureau is None:
                continue
            inst = Instrument.objects.create(
                kind="opinion", bureau_id=bureau, agency_id=p.agency.id, number=f"基准监督〔{i['issued_on'].year}〕{cid}号",
                title="基准监督意见", findings="案件办理存在问题", basis="《行政执法监督条例》", requirement="限期整改并报告",
                state=i["state"], issued_on=i["issued_on"], clock_from=i["issued_on"], due_on=i["due_on"],
                rule_source="bench", issued_by=self.s.user, issued_at=self.s.at((self.s.today - i["issued_on"]).days))
            inst.cases.add(cid)


def create_truth_table() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {TRUTH_TABLE}")
        cur.execute(f"CREATE TABLE {TRUTH_TABLE} (case_id bigint PRIMARY KEY, agency_id bigint NOT NULL, "
                    "model varchar(8) NOT NULL, role varchar(10) NOT NULL, expected varchar(200) NOT NULL, "
                    "tolerated varchar(200) NOT NULL, grp varchar(40) NOT NULL, note text NOT NULL)")


def read_truth() -> list[dict]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT case_id, agency_id, model, role, expected, tolerated, grp, note FROM {TRUTH_TABLE} "
                    "ORDER BY case_id")
        return [{"case_id": r[0], "agency_id": r[1], "model": r[2], "role": r[3],
                 "expected": set(filter(None, r[4].split(","))), "tolerated": set(filter(None, r[5].split(","))),
                 "group": r[6] or str(r[0]), "note": r[7]} for r in cur.fetchall()]


def seed(n: int, *, today: dt.date, seed: int = 20, rate: float = 0.01, batch: int = 5000,
         codes: list[str] | None = None, progress: Callable[[str], None] = print, per: int | None = None) -> dict:
    """Write `n` seeded cases; returns {"cases", "planted", "controls", "seconds", "params"}."""
    import time

    from django.db import connection

    t0 = time.perf_counter()
    seeder = Seeder(today=today, seed=seed, rate=rate, per=per)
    seeder.prepare()
    create_truth_table()
    writer = Writer(seeder, batch=batch)
    pending = []
    done = 0
    with writer.stamps_off():
        for plan in seeder.plans(n, codes):
            pending.append(plan)
            if len(pending) == batch:
                writer.write(pending)
                done += len(pending)
                pending = []
                if done % (batch * 2) == 0:
                    progress(f"  seeded {done} cases, {time.perf_counter() - t0:.0f} s")
        if pending:
            writer.write(pending)
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {TRUTH_TABLE} (case_id, agency_id, model, role, expected, tolerated, grp, note) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", writer.truth)
        cur.execute("ANALYZE")
    used = {code: {k: v for k, v in (getattr(_model(code), "defaults", {}) or {}).items()}
            for code in seeder.planters()}
    return {"cases": n, "planted": sum(1 for t in writer.truth if t[3] == "planted"),
            "controls": sum(1 for t in writer.truth if t[3] == "control"), "seconds": time.perf_counter() - t0,
            "params": json.loads(json.dumps(used, default=str))}


def _model(code):
    from zhifa.supervision.registry import REGISTRY

    return REGISTRY.get(code)
