"""M06: an on-site action the jurisdiction's list says must be recorded in full on AV, without that recording
(IM-M §17, §19; AZ-R §10–11, §14; 国办发〔2018〕118号“规范音像记录”).

Which actions must be recorded is the rule `recording.mandatory_av` of the case's place on the day of the action
(rules.selectors.rule_resolver); whether a record's recordings cover it is records.selectors.av_problems, the check
the stage gate and the records' findings use — nothing is recomputed here. What this model adds is time: the clips
of an action may still be uploaded within the jurisdiction's upload limit (`recording.upload_limit`: IM-M §20 24
hours, AZ-R §17 two working days; records.services.upload_due), so an action without its recording is
  - a warning from 4/5 of that limit on, and an alarm once it has passed;
  - where the clips came but leave part of the action uncovered (a late start, an unexplained gap, an early end),
    a warning once the limit has passed.
A jurisdiction that sets no upload limit (the national baseline sets none) is held to `default_upload_hours`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhifa.cases import events as case_events
from zhifa.cases.doctypes import FORMS, possible_activities
from zhifa.cases.models import Case, Document
from zhifa.core import workdays
from zhifa.core.errors import ZhifaError
from zhifa.records import events as record_events
from zhifa.records.models import InterruptionNote, Recording
from zhifa.records.selectors import av_problems, current_with_chains, document_moment
from zhifa.records.services import upload_due
from zhifa.rules.models import RuleVersion
from zhifa.rules.selectors import rule_resolver

from ..registry import Hit, Level, ProblemModel, register
from ._shared import Params, case_q, end_of, local, now_for

PARTIAL = ("not_covered", "gap_without_note", "no_opening_statement")


def _moment(value) -> dt.datetime | None:
    """A record's stored time (ISO text), aware; None when it has none or holds something else."""
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
    return timezone.make_aware(moment) if moment is not None and timezone.is_naive(moment) else moment


@register
class MandatoryAvMissing(ProblemModel):
    code = "M06"
    name = "应当全程音像记录的执法活动缺少音像记录"
    basis = "国办发〔2018〕118号“推行全程音像记录”；本地区音像记录事项清单和上传时限（区域规则）"
    description = ("本地区音像记录事项清单列为应当全程音像记录的现场执法活动（查封、扣押、强制拆除等），在音像记录上传时限的"
                   "五分之四时仍无音像记录的预警，超过上传时限仍无音像记录的报警；已有音像记录但未覆盖执法全过程、中断未说明"
                   "或者未作开始说明的，超过上传时限后预警。补传并覆盖全过程后自动关闭。")
    triggers = (case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED, record_events.RECORDING_UPLOADED,
                record_events.INTERRUPTION_NOTED)
    defaults = {"warning_ratio": 0.8, "default_upload_hours": 24, "partial_coverage": True}

    def evaluate(self, ctx):
        params = Params(ctx)
        ever = {item for value in RuleVersion.objects.filter(key="recording.mandatory_av")
                .values_list("value", flat=True) for item in value}
        forms = sorted(f for f in FORMS if ever.intersection(possible_activities(f)))
        if not forms:
            return
        until = end_of(ctx)
        candidates = Document.objects.filter(case_q(ctx, "case__"), form__in=forms, recorded_at__lte=until)
        docs = list(candidates.only("id", "case_id", "form", "elements", "supersedes_id", "recorded_at")
                    .order_by("recorded_at", "id"))
        if not docs:
            return
        # The cases concerned, sent as a subquery (a nightly run never sends a list of ids).
        concerned = candidates.values("case_id")
        case_rows = {c.pk: c for c in Case.objects.filter(pk__in=concerned).select_related("place")}
        recordings: dict[int, list] = {}
        for r in (Recording.objects.filter(case_id__in=concerned, uploaded_at__lte=until).order_by("started_at", "id")
                  .only("id", "case_id", "document_id", "started_at", "ended_at", "device_checked",
                        "opening_statement", "duration_seconds", "media_format")):
            recordings.setdefault(r.case_id, []).append(r)
        notes = set(InterruptionNote.objects.filter(case_id__in=concerned).values_list("before_id", "after_id"))
        mandatory = rule_resolver("recording.mandatory_av")
        limits = rule_resolver("recording.upload_limit")
        now = now_for(ctx)
        by_case: dict[int, list] = {}
        for d in docs:
            by_case.setdefault(d.case_id, []).append(d)
        for case_id, versions in by_case.items():
            case = case_rows[case_id]
            p = params(case.agency_id)
            current, chains = current_with_chains(versions)
            worst, problems, evidence, due_first = None, [], [], None
            for document in current:
                found = av_problems(documents=([document], chains), recordings=recordings.get(case_id, []),
                                    notes=notes, mandatory_for=lambda doc, case=case: set(
                                        mandatory(case.place, document_moment(doc)) or []))
                if not found:
                    continue
                begin = _moment(document.elements.get("time")) or document.recorded_at
                end = _moment(document.elements.get("end_time")) or begin
                due = self._due(limits(case.place, timezone.localdate(end)), end, p)
                level = None
                for kind, sentence in found:
                    if kind == "missing_recording":
                        if now > due:
                            level = Level.ALARM
                        elif now - end >= (due - end) * float(p["warning_ratio"]):
                            level = level or Level.WARNING
                        else:
                            continue
                    elif kind in PARTIAL and p["partial_coverage"] and now > due:
                        level = level or Level.WARNING
                    else:
                        continue
                    problems.append(sentence)
                    evidence.append({"document": document.pk, "form": document.form, "kind": kind,
                                     "ended_at": end.isoformat(), "upload_due": due.isoformat()})
                if level is not None:
                    worst = Level.ALARM if Level.ALARM in (worst, level) else level
                    due_first = min(due_first, due) if due_first else due
            if worst is None:
                continue
            more = f"等 {len(problems)} 处" if len(problems) > 3 else ""
            yield Hit(agency_id=case.agency_id, case_id=case_id, level=worst, due=timezone.localdate(due_first),
                      detail=f"{'；'.join(problems[:3])}{more}（上传时限至 {local(due_first)}）。",
                      evidence={"problems": evidence})

    @staticmethod
    def _due(limit: dict | None, end: dt.datetime, p: dict) -> dt.datetime:
        """The moment the action's clips had to be uploaded by (records.services.upload_due; the remote-work
        exceptions concern clips that exist, not missing ones)."""
        if limit is not None:
            try:
                due, _provisional = upload_due(limit, end)
                if due is not None:
                    return due
            except ZhifaError:
                pass
        return workdays.add_hours(end, float(p["default_upload_hours"])).due
