"""Findings of whole-process recording (REC-17): the violations of AZ-R §22 that the records show.

  (一) no record made            -> missing_recording (a mandatory AV item without recordings),
                                    missing_document (a stage passed without the text record it requires)
  (二) device neglect, loss      -> recording_lost (recording broke off on a device fault, never resumed)
  (三) records not stored (duly) -> late_upload, gap_without_note, no_opening_statement, not_covered
                                    (IM-M §19–20)
  (四) originals altered         -> altered (the fixity check found a clip missing or changed)
  (五) unauthorised release      -> unauthorised_access (attempts to consult or copy refused by the
                                    permission check; the system releases nothing without a decision)
  持证上岗 (行政处罚法 §42)       -> late_entry_uncertified (a record or recording of past work entered on a day
                                    when a named officer's certificate was no longer in force: the work day is
                                    typed, so such an entry is reviewed; cases.services and records.services
                                    admit it only from a head, or with a reason)

Every category is one query (the AV checks: four, then memory), whatever the number of cases, so
the supervisors' page stays flat as the region grows. Supervision (SUP-) builds on this selector.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, Exists, F, OuterRef, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate, TruncDay
from django.utils import timezone

from zhifa.cases import workflow
from zhifa.cases.doctypes import FORMS, possible_activities
from zhifa.cases.models import Case, Document, Stage
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.regulations import expand
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Certificate, Person
from zhifa.rules.models import RuleVersion
from zhifa.rules.selectors import rule_resolver

from .models import InterruptionNote, Recording
from .selectors import av_problems, current_with_chains, document_moment

KINDS: dict[str, tuple[str, str]] = {
    "missing_recording": ("未进行全程音像记录", "国办发〔2018〕118号“规范音像记录”"),
    "missing_document": ("缺少文字记录", "国办发〔2018〕118号“完善文字记录”"),
    "recording_lost": ("设备故障致音像记录中断且未能恢复", "国办发〔2018〕118号“规范音像记录”"),
    "late_upload": ("未按时上传音像记录", "国办发〔2018〕118号“规范音像记录”“严格记录归档”"),
    "gap_without_note": ("音像记录中断未作说明", "国办发〔2018〕118号“规范音像记录”"),
    "no_opening_statement": ("未检查设备或未作开始语音说明", "国办发〔2018〕118号“规范音像记录”"),
    "not_covered": ("音像记录未覆盖执法全过程", "国办发〔2018〕118号“规范音像记录”"),
    "altered": ("原始音像记录缺失或被篡改", "国办发〔2018〕118号“严格记录归档”（防删改）"),
    "unauthorised_access": ("越权调阅、复制记录被拒绝", "国办发〔2018〕118号“发挥记录作用”（记录信息调阅监督制度）"),
    "late_entry_uncertified": ("补录时执法证已失效", "《中华人民共和国行政处罚法》第四十二条（由具有行政执法资格的执法人员实施，持证上岗）"),
}
STAGES = [s for s, _ in Stage.choices]
CASE_PATH = re.compile(r"/(?:api/)?(?:records/)?cases/(\d+)(?:/|$)")


@dataclass(frozen=True)
class CaseFinding:
    kind: str
    case_id: int
    case_number: str
    case_title: str
    agency: str
    detail: str
    at: datetime | None

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]

    @property
    def basis(self) -> str:
        """The legal basis as a person reads it: the regulations by name (issue 18 §3), not the team's codes."""
        return expand(KINDS[self.kind][1])


def _make(kind, row, detail, at, prefix="case__"):
    return CaseFinding(kind, row[f"{prefix}id"], row[f"{prefix}number"], row[f"{prefix}title"],
                       row[f"{prefix}agency__name"], detail, at)


def _case_values(prefix="case__"):
    return [f"{prefix}id", f"{prefix}number", f"{prefix}title", f"{prefix}agency__name"]


def _late(q):
    rows = (Recording.objects.filter(q, deadline__late=True)
            .values(*_case_values(), "started_at", "uploaded_at", "deadline__due_at").order_by("-uploaded_at"))
    return [_make("late_upload", r, f"{r['started_at']:%Y-%m-%d %H:%M} 开始的音像记录于 {r['uploaded_at']:%Y-%m-%d %H:%M} "
                  f"上传，期限为 {r['deadline__due_at']:%Y-%m-%d %H:%M}", r["uploaded_at"]) for r in rows]


def _lost(q):
    rows = (InterruptionNote.objects.filter(q, after__isnull=True, reason="device_fault")
            .values(*_case_values(), "explanation", "written_at").order_by("-written_at"))
    return [_make("recording_lost", r, r["explanation"], r["written_at"]) for r in rows]


def _altered(q):
    rows = (Recording.objects.filter(q, blob__findings__isnull=False)
            .values(*_case_values(), "blob__findings__kind", "blob__findings__detail", "blob__findings__found_at")
            .order_by("-blob__findings__found_at"))
    return [_make("altered", r, r["blob__findings__detail"], r["blob__findings__found_at"]) for r in rows]


def _unauthorised(case_q):
    attempts: dict[int, list] = {}
    for event in SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, path__contains="cases/").only(
            "path", "username", "at", "permission"):
        match = CASE_PATH.search(event.path)
        if match:
            attempts.setdefault(int(match.group(1)), []).append(event)
    if not attempts:
        return []
    out = []
    for row in Case.objects.filter(case_q, pk__in=attempts).values(*_case_values("")):
        for event in attempts[row["id"]]:
            out.append(_make("unauthorised_access", row, f"{event.username or '匿名'} 无权访问 {event.path}"
                             f"（{event.permission}）", event.at, prefix=""))
    return out


def _missing_documents(case_q):
    """Stages already passed without a text record they require (a constant number of queries)."""
    out = []
    for source, _table in workflow.REQUIRED.items():
        later = STAGES[STAGES.index(source) + 1:]
        by_group: dict[tuple, Q] = {}
        for action in ActionType.values:
            for procedure in ("simplified", "ordinary"):
                for group in workflow.required_groups(source, action, procedure):
                    by_group[group] = by_group.get(group, Q(pk__in=[])) | Q(action_type=action, procedure=procedure)
        for group, which in by_group.items():
            has = Document.objects.filter(case=OuterRef("pk"), form__in=group)
            for row in (Case.objects.filter(case_q, which, stage__in=later).exclude(Exists(has))
                        .values(*_case_values(""), "opened_at")):
                titles = "或".join(f"《{FORMS[f].title}》" for f in group)
                out.append(_make("missing_document", row, f"已完成“{dict(Stage.choices)[source]}”阶段，但没有{titles}",
                                 row["opened_at"], prefix=""))
    for row in (Recording.objects.filter(Q(case__in=Case.objects.filter(case_q)), document__isnull=True,
                                         case__stage__in=STAGES[STAGES.index(Stage.DECISION):])
                .values(*_case_values(), "started_at", "activity")):
        out.append(_make("missing_document", row, f"{row['started_at']:%Y-%m-%d %H:%M} 的音像记录没有对应的文字记录",
                         row["started_at"]))
    return out


def _av(case_q):
    """REC-03/06/07 over every case that has a record of a possibly mandatory activity."""
    mandatory = rule_resolver("recording.mandatory_av")
    ever = {item for v in RuleVersion.objects.filter(key="recording.mandatory_av").values_list("value", flat=True)
            for item in v}
    forms = [f for f in FORMS if ever.intersection(possible_activities(f))]
    if not forms:
        return []
    scoped = Document.objects.filter(case__in=Case.objects.filter(case_q))
    docs = list(scoped.filter(form__in=forms).only("id", "case_id", "form", "elements", "supersedes_id")
                .order_by("recorded_at", "id"))
    if not docs:
        return []
    case_ids = {d.case_id for d in docs}
    cases = {c.pk: c for c in Case.objects.filter(pk__in=case_ids).select_related("place", "agency")}
    recordings: dict[int, list] = {}
    for r in (Recording.objects.filter(case_id__in=case_ids).order_by("started_at", "id")
              .only("id", "case_id", "document_id", "started_at", "ended_at", "device_checked", "opening_statement",
                    "duration_seconds", "media_format")):
        recordings.setdefault(r.case_id, []).append(r)
    notes = set(InterruptionNote.objects.filter(case_id__in=case_ids).values_list("before_id", "after_id"))
    by_case: dict[int, list] = {}
    for d in docs:
        by_case.setdefault(d.case_id, []).append(d)
    per_case = {case_id: current_with_chains(versions) for case_id, versions in by_case.items()}
    out = []
    for case_id, (current, chains) in per_case.items():
        case = cases[case_id]
        row = {"id": case.pk, "number": case.number, "title": case.title, "agency__name": case.agency.name}
        for kind, sentence in av_problems(documents=(current, chains), recordings=recordings.get(case_id, []),
                                          notes=notes,
                                          mandatory_for=lambda doc, case=case: set(
                                              mandatory(case.place, document_moment(doc)) or [])):
            out.append(_make(kind, row, sentence, None, prefix=""))
    return out


def _in_force(certs_by_person: dict, person_id: int, *, field: str, place_path: str, day) -> bool:
    """Whether the person held, on `day`, a certificate of `field` covering the place in force (org.selectors'
    officer_eligibility, over prefetched rows)."""
    return any(c.category == field and place_path.startswith(c.area.path) and c.in_force_on(day)
               for c in certs_by_person.get(person_id, ()))


def _late_uncertified(case_q, rec_q):
    """Records and recordings of work done before the day they were entered, naming an officer whose certificate was
    not in force on the day of entry. Five queries, whatever the number of cases: the documents and recordings
    entered after their work day (filtered in the database), the certificates of their officers with their
    suspensions, and the officers' names."""
    docs = list(Document.objects.filter(case__in=Case.objects.filter(case_q), elements__has_key="officers")
                # ISO text: "2026-11-28T09:30:00+08:00" < "2026-11-30" exactly when the work day is earlier
                .annotate(work_time=Cast(KT("elements__time"), CharField()),
                          entered_on=Cast(TruncDate("recorded_at"), CharField()))
                .filter(work_time__lt=F("entered_on"))
                .values(*_case_values(), "form", "elements", "recorded_at", "case__place__path", "case__agency__field"))
    recs = list(Recording.objects.filter(rec_q, started_at__lt=TruncDay("uploaded_at"))
                .values(*_case_values(), "officer_id", "started_at", "uploaded_at", "remote_reason",
                        "case__place__path", "case__agency__field"))
    late_docs = []
    for row in docs:
        try:
            work_day = timezone.localdate(datetime.fromisoformat(row["elements"]["time"]))
        except (TypeError, ValueError):
            continue
        if work_day < timezone.localdate(row["recorded_at"]):
            late_docs.append((row, work_day))
    people = {p for row, _ in late_docs for p in row["elements"].get("officers") or ()} | {r["officer_id"] for r in recs}
    if not people:
        return []
    certs: dict[int, list] = {}
    for cert in (Certificate.objects.filter(person_id__in=people).select_related("area")
                 .prefetch_related("suspensions")):
        certs.setdefault(cert.person_id, []).append(cert)
    names = dict(Person.objects.filter(pk__in=people).values_list("id", "name"))
    out = []
    for row, work_day in late_docs:
        entered = timezone.localdate(row["recorded_at"])
        lapsed = [names.get(p, str(p)) for p in row["elements"]["officers"]
                  if not _in_force(certs, p, field=row["case__agency__field"], place_path=row["case__place__path"],
                                   day=entered)]
        if lapsed:
            title = FORMS[row["form"]].title if row["form"] in FORMS else "执法文书"
            out.append(_make("late_entry_uncertified", row,
                             f"《{title}》记载的执法时间为 {work_day:%Y-%m-%d}，于 {entered:%Y-%m-%d} 录入；录入之日"
                             f"{'、'.join(lapsed)}的执法证件已不在有效状态", row["recorded_at"]))
    for row in recs:
        uploaded = timezone.localdate(row["uploaded_at"])
        if not _in_force(certs, row["officer_id"], field=row["case__agency__field"],
                         place_path=row["case__place__path"], day=uploaded):
            out.append(_make("late_entry_uncertified", row,
                             f"{timezone.localtime(row['started_at']):%Y-%m-%d %H:%M} 开始的音像记录于 {uploaded:%Y-%m-%d} "
                             f"上传；上传之日{names.get(row['officer_id'], '')}的执法证件已不在有效状态；"
                             f"说明：{row['remote_reason'] or '无'}", row["uploaded_at"]))
    return out


def findings_for(*, actor, kinds=None, agency_id: int | None = None, agency_ids=None,
                 opened_since: dt.date | None = None) -> list[CaseFinding]:
    """Every finding in the actor's scope, grouped by kind in the order of KINDS, newest first within. `agency_ids` and
    `opened_since` narrow it to the cases a view shows (the cockpit's agencies and months), so it reads those only."""
    scope = org_perms.scope_for(actor, "records.view_findings")
    case_q = scope.agency_q("agency__")
    rec_q = scope.agency_q("case__agency__")
    if agency_id:
        case_q &= Q(agency_id=agency_id)
        rec_q &= Q(case__agency_id=agency_id)
    if agency_ids is not None:
        case_q &= Q(agency_id__in=list(agency_ids))
        rec_q &= Q(case__agency_id__in=list(agency_ids))
    if opened_since is not None:
        case_q &= Q(opened_at__date__gte=opened_since)
        rec_q &= Q(case__opened_at__date__gte=opened_since)
    wanted = set(kinds or KINDS)
    out: list[CaseFinding] = []
    if wanted & {"missing_recording", "gap_without_note", "no_opening_statement", "not_covered"}:
        out += [f for f in _av(case_q) if f.kind in wanted]
    if "missing_document" in wanted:
        out += _missing_documents(case_q)
    if "late_upload" in wanted:
        out += _late(rec_q)
    if "recording_lost" in wanted:
        out += _lost(rec_q)
    if "altered" in wanted:
        out += _altered(rec_q)
    if "unauthorised_access" in wanted:
        out += _unauthorised(case_q)
    if "late_entry_uncertified" in wanted:
        out += _late_uncertified(case_q, rec_q)
    order = list(KINDS)
    return sorted(out, key=lambda f: (order.index(f.kind), -(f.at.timestamp() if f.at else 0), f.case_id))


def page_key(finding: CaseFinding) -> tuple:
    """The order findings_for gives, made unique for keyset pages (core.paginator; issue 19 §2): kind, newest
    first, case, then the kind and a digest of the detail that tell two findings of one case at one moment apart.
    The digest, not the text: the key travels in the cursor, which the API bounds to 2 000 characters (review)."""
    order = list(KINDS)
    at = finding.at.timestamp() if finding.at else 0
    return (order.index(finding.kind), -at, finding.case_id, finding.kind,
            hashlib.sha256(finding.detail.encode()).hexdigest()[:16])


def findings_summary(findings: list[CaseFinding]) -> list[tuple[str, str, int]]:
    counts = {k: 0 for k in KINDS}
    for f in findings:
        counts[f.kind] += 1
    return [(k, KINDS[k][0], n) for k, n in counts.items()]

