"""What waits in whole-process recording for whom (issue 18 §1). Read only, in a fixed number of queries.

- Uploads due (REC-03, REC-08): a current text record of an activity on the jurisdiction's mandatory list
  (`recording.mandatory_av`) that has no recording yet waits for the officers assigned to the case, due by the
  jurisdiction's upload limit (`recording.upload_limit`: IM-M §20 24 hours, AZ-R §17 2 working days) counted
  from the end of the activity the record states. Once it is past due it stays on the list, overdue, until a
  recording is uploaded (a late upload is a finding, REC-17, not a reason to forget it).
- Requests to inspect or copy records (REC-14; AZ-R §18) wait for the head who decides them
  (records.decide_access). No rule sets a time limit for the decision.
"""

import datetime as dt
from dataclasses import replace
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Case, CaseOfficer, Document, Stage
from zhifa.core.bounds import parse_moment
from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms
from zhifa.rules.catalogue import AV_IMPLIES, AV_ITEMS
from zhifa.rules.selectors import rule_resolver

from .models import AccessRequest, InterruptionNote, Recording
from .selectors import (
    GAP_TOLERANCE,
    activities_of,
    av_problems,
    current_with_chains,
    document_moment,
    effective_end,
    is_recording,
)
from .services import upload_due

# The rules' allowance for remote work (IM-M §20, AZ-R §17), shown on an overdue upload so the officer knows the
# deadline may not bind: the reason is declared with the upload (records.services.upload_deadline).
REMOTE_HINT = "异地执法、连续执法可在上传时说明原因"


def _remote_hint(limit: dict) -> str:
    remote = limit.get("remote") or {}
    if remote.get("rule") == "when_possible":
        return f"{REMOTE_HINT}（具备条件后即时上传）"
    if remote.get("rule") == "after_return":
        unit = "小时" if remote.get("unit") == "hours" else "个工作日"
        return f"{REMOTE_HINT}（返回单位后 {remote.get('amount')} {unit}内上传）"
    return ""


def _ended(document) -> dt.datetime | None:
    """The end of the activity a record states (its end time, else its time); None when it states none."""
    return parse_moment(document.elements.get("end_time")) or parse_moment(document.elements.get("time"))


# The gate's problems (selectors.av_problems) that another upload cures: no recording, or recordings that leave part
# of the activity uncovered or break off without a note. A recording that does not open properly is the gate's to
# report; it is not cured by uploading more.
UPLOAD_CURES = ("missing_recording", "not_covered", "gap_without_note")


def _clock(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M:%S}"


def _shortfall(document, clips, notes) -> str:
    """What the uploaded clips of a record leave uncovered, in words ("已上传的音像记录只到 02:16:25，尚缺
    02:16:25–02:56:00"), by what the media really hold (selectors.effective_end) and skipping the breaks a note
    explains; empty when nothing is uploaded or the record states no times. Only the wording: whether the item
    stays is the gate's decision (selectors.av_problems)."""
    begin, end = parse_moment(document.elements.get("time")), parse_moment(document.elements.get("end_time"))
    if not clips or begin is None or end is None:
        return ""
    window = [c for c in clips if effective_end(c) > begin - GAP_TOLERANCE and c.started_at < end + GAP_TOLERANCE]
    if not window:
        return f"已上传的音像记录都不在 {_clock(begin)}–{_clock(end)} 内，尚缺全过程"
    missing, reach, furthest = [], begin, None
    for clip in sorted(window, key=lambda c: (c.started_at, c.pk)):
        if clip.started_at - reach > GAP_TOLERANCE and (furthest is None or (furthest.pk, clip.pk) not in notes):
            missing.append((reach, clip.started_at))
        if effective_end(clip) > reach:
            reach, furthest = effective_end(clip), clip
    tail = end - reach > GAP_TOLERANCE and (furthest is None or (furthest.pk, None) not in notes)
    gaps = "、".join(f"{_clock(a)}–{_clock(b)}" for a, b in missing + ([(reach, end)] if tail else []))
    if not gaps:
        return ""
    if tail and not missing:
        return f"已上传的音像记录只到 {_clock(reach)}，尚缺 {gaps}"
    return f"已上传的音像记录尚缺 {gaps}（中断的，补传或登记中断说明）"


def _uploads_missing(case_q: Q, *, on: dt.date) -> list[TodoItem]:
    cases = {c.pk: c for c in Case.objects.filter(case_q).exclude(stage=Stage.ARCHIVE).select_related("agency", "place")}
    if not cases:
        return []
    docs = list(Document.objects.filter(case_id__in=cases).only("id", "case_id", "form", "elements", "supersedes_id")
                .order_by("recorded_at", "id"))
    clips: dict[int, list] = {}
    for r in (Recording.objects.filter(case_id__in=cases).order_by("started_at", "id")
              .only("id", "case_id", "document_id", "started_at", "ended_at", "device_checked", "opening_statement",
                    "duration_seconds", "media_format")):
        clips.setdefault(r.case_id, []).append(r)
    notes = set(InterruptionNote.objects.filter(case_id__in=cases).values_list("before_id", "after_id"))
    officers: dict[int, list] = {}
    for o in CaseOfficer.objects.filter(case_id__in=cases).select_related("person").order_by("assigned_at", "id"):
        officers.setdefault(o.case_id, []).append(o.person)
    mandatory, limit = rule_resolver("recording.mandatory_av"), rule_resolver("recording.upload_limit")
    by_case: dict[int, list] = {}
    for d in docs:
        by_case.setdefault(d.case_id, []).append(d)
    out = []
    for case_id, versions in by_case.items():
        case = cases[case_id]
        current, chains = current_with_chains(versions)
        for document in current:
            ended = _ended(document)
            if ended is None:
                continue

            def listed(doc, case=case):
                return set(mandatory(case.place, document_moment(doc)) or [])

            # The case gate's own check (selectors.av_problems), for this record: the item stays while it fails.
            problems = [kind for kind, _sentence in av_problems(
                documents=([document], chains), recordings=clips.get(case_id, []), notes=notes, mandatory_for=listed)]
            if not any(kind in UPLOAD_CURES for kind in problems):
                continue
            required = [a for a in activities_of(document) if a in listed(document) or AV_IMPLIES.get(a) in listed(document)]
            # The measure the record states comes first (a 查封/扣押决定书 that orders 扣押 is recorded as 扣押).
            required.sort(key=lambda a: a != document.elements.get("measure"))
            linked = [r for r in clips.get(case_id, []) if r.document_id in chains[document.pk] and is_recording(r)]
            shortfall = _shortfall(document, linked, notes)
            if linked and not shortfall:
                continue  # uncovered only because the record states no times: the record is to be completed, not the upload
            names = "、".join(p.name for p in officers.get(case_id, [])) or "承办执法人员"
            # The local rule: the remote exception is declared with the upload, so it is only hinted at here.
            rule = limit(case.place, timezone.localdate(ended))
            due, provisional = upload_due(rule, ended) if rule else (None, False)
            title = FORMS[document.form].title
            query = urlencode({"document": document.pk, "activity": required[0]})
            todo = item(
                kind="records.upload", key=f"records.upload:{document.pk}",
                title=f"{'补传' if linked else '上传'}{AV_ITEMS[required[0]]}的音像记录（《{title}》）",
                label=f"{case.number} {case.title}", ref=case.number,
                url=f"{reverse('case-recordings', args=[case.pk])}?{query}#upload", actor=names,
                agency=case.agency.name,
                agency_id=case.agency_id, due=due, provisional=provisional, on=on, hint=shortfall,
                status=f"：《{title}》记载的{AV_ITEMS[required[0]]}" + ("音像记录未覆盖全过程" if linked else "尚无音像记录"))
            if todo.overdue and rule:
                todo = replace(todo, hint="；".join(filter(None, (shortfall, _remote_hint(rule)))))
            out.append(todo)
    return out


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    items = []
    upload = org_perms.scope_for(user, "records.upload")
    if not upload.empty:
        assigned = CaseOfficer.objects.filter(person__user=user.pk).values("case_id")
        items += _uploads_missing(upload.agency_q("agency__") & Q(pk__in=assigned), on=on)
    decide = org_perms.scope_for(user, "records.decide_access")
    if not decide.empty:
        rows = (AccessRequest.objects.filter(decide.agency_q("case__agency__"), status="pending")
                .select_related("case__agency").order_by("created_at", "id"))
        items += [item(kind="records.access_decide", key=f"records.access_decide:{r.pk}",
                       title=f"审批{r.requester_name}的{'查阅、复制' if r.copy else '查阅'}申请",
                       brief="审批查阅、复制记录的申请", label=f"{r.case.number} {r.case.title}", ref=r.case.number,
                       url=reverse("worklist-access", args=[r.pk]) + "#decide",
                       actor=roles_label("records.decide_access"), agency=r.case.agency.name,
                       agency_id=r.case.agency_id, on=on) for r in rows]
    return items


def overdue_items_for(user, *, on: dt.date) -> list[TodoItem]:
    """Mandatory recordings not uploaded by their deadline in the cases the user oversees (REC-08, REC-17)."""
    scope = org_perms.scope_for(user, "records.view_findings")
    if scope.empty:
        return []
    return [i for i in _uploads_missing(scope.agency_q("agency__"), on=on) if i.overdue]
