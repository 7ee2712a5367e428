"""M07: an AV record uploaded after the jurisdiction's upload limit (IM-M §20: 24 hours; AZ-R §17: two working days;
the remote-work exceptions of both).

The limit is the records app's: each recording's deadline (records.UploadDeadline, computed at upload by
records.services.upload_deadline from the rule `recording.upload_limit` of the case's place, and recomputed when a
year's holiday calendar is loaded) says whether it came late. A recording without a deadline row (one that reached
the table another way) is held to the same rule, through the same computation (records.services.upload_due, with
rules.selectors.rule_resolver reading the rule's versions once). Late by less than `alarm_hours_late` hours is a
warning, by more an alarm. A late upload stays a fact: a supervisor closes the alert with the reason.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.core.errors import ZhifaError
from zhifa.records import events as record_events
from zhifa.records.models import Recording
from zhifa.records.services import upload_due
from zhifa.rules.selectors import rule_resolver

from ..registry import Hit, Level, ProblemModel, register
from ._shared import Params, case_q, end_of, local


@register
class AvUploadedLate(ProblemModel):
    code = "M07"
    name = "音像记录未按时上传"
    basis = "国办发〔2018〕118号“严格记录归档”；本地区音像记录上传时限（区域规则）"
    description = ("音像记录上传时间晚于本地区规定的上传时限（按区域规则，如二十四小时或两个工作日；连续、异地、边远地区执法"
                   "按例外规定）的，逾期不超过规定小时数（默认二十四小时）预警，超过的报警。已成事实，由监督人员核查后说明理由关闭。")
    triggers = (record_events.RECORDING_UPLOADED,)
    defaults = {"alarm_hours_late": 24}

    def evaluate(self, ctx):
        params = Params(ctx)
        late = list(Recording.objects.filter(case_q(ctx, "case__"), deadline__late=True, uploaded_at__lte=end_of(ctx))
                    .values("id", "case_id", "case__agency_id", "started_at", "ended_at", "uploaded_at",
                            "deadline__due_at"))
        rows = [(r, r["deadline__due_at"]) for r in late if r["deadline__due_at"] is not None]
        rows += self._without_deadline(ctx)
        found: dict[int, dict] = {}
        for row, due in rows:
            hours = (row["uploaded_at"] - due).total_seconds() / 3600
            if hours <= 0:
                continue
            entry = found.setdefault(row["case_id"], {"agency_id": row["case__agency_id"], "items": []})
            entry["items"].append((row, due, hours))
        for case_id, entry in found.items():
            p = params(entry["agency_id"])
            items = sorted(entry["items"], key=lambda t: -t[2])
            worst = items[0][2]
            level = Level.ALARM if worst > float(p["alarm_hours_late"]) else Level.WARNING
            row, due, hours = items[0]
            more = f"（共 {len(items)} 段逾期上传）" if len(items) > 1 else ""
            yield Hit(agency_id=entry["agency_id"], case_id=case_id, level=level, due=timezone.localdate(due),
                      detail=f"{local(row['started_at'])} 开始的音像记录于 {local(row['uploaded_at'])} 上传，上传时限为 "
                             f"{local(due)}，逾期 {hours:.1f} 小时{more}。",
                      evidence={"recordings": [{"recording": r["id"], "due_at": d.isoformat(),
                                                "uploaded_at": r["uploaded_at"].isoformat(),
                                                "hours_late": round(h, 2)} for r, d, h in items]})

    @staticmethod
    def _without_deadline(ctx) -> list[tuple[dict, dt.datetime]]:
        """Recordings that have no deadline row, with the deadline the rule gives them (None: none applies)."""
        without = Recording.objects.filter(case_q(ctx, "case__"), deadline__isnull=True, uploaded_at__lte=end_of(ctx))
        rows = list(without.values("id", "case_id", "case__agency_id", "case__place_id", "started_at", "ended_at",
                            "uploaded_at", "remote", "returned_at"))
        if not rows:
            return []
        places = {c.place_id: c.place for c in Case.objects.filter(pk__in=without.values("case_id"))
                  .select_related("place")}
        limits = rule_resolver("recording.upload_limit")
        out = []
        for row in rows:
            limit = limits(places[row["case__place_id"]], timezone.localdate(row["ended_at"]))
            if limit is None:
                continue
            try:
                due, _provisional = upload_due(limit, row["ended_at"], remote=row["remote"],
                                               returned_at=row["returned_at"])
            except ZhifaError:  # remote work without the return time the rule counts from: no fixed limit
                continue
            if due is not None:
                out.append((row, due))
        return out
