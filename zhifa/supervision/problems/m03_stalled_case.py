"""M03: an open case in which nothing has happened for N days (issue 20 §1: "stalled case (no step for N days)").

A step is anything the case's file shows being done: its opening, a stage change, a text record made or corrected,
an audio/video record uploaded. The limit is the jurisdiction's rule (default 30 natural days); the model watches
the handling of every kind of case, of either procedure, until it is archived.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from zhifa.cases import events as case_events
from zhifa.cases.models import Document, Stage, StageChange
from zhifa.records import events as record_events
from zhifa.records.models import Recording

from ..registry import Hit, ProblemModel, register
from ._shared import Marks, Params, cases_in, level_on, local_day


def _latest(model, field: str):
    return Subquery(model.objects.filter(case=OuterRef("pk")).order_by(f"-{field}").values(field)[:1])


@register
class StalledCase(ProblemModel):
    code = "M03"
    name = "案件长期无进展"
    basis = "《行政处罚法》第六十条；《国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》（国办发〔2018〕118号）"
    description = ("未归档的案件，自最近一次办案步骤（立案登记、阶段流转、制作或更正文书、上传音像记录）起超过规定天数"
                   "（默认三十日）没有任何新步骤的报警，到五分之四时预警；有新步骤或归档后自动关闭。")
    triggers = (case_events.OPENED, case_events.FILING_APPROVED, case_events.INVESTIGATION_ENDED, case_events.DECIDED,
                case_events.ARCHIVED, case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED,
                record_events.RECORDING_UPLOADED)
    defaults = {"days": 30, "warning_ratio": 0.8}

    def evaluate(self, ctx):
        params, marks = Params(ctx), Marks()
        rows = (cases_in(ctx).exclude(stage=Stage.ARCHIVE)
                .annotate(last_change=_latest(StageChange, "at"), last_document=_latest(Document, "recorded_at"),
                          last_recording=_latest(Recording, "uploaded_at"))
                .values("id", "agency_id", "stage", "opened_at", "last_change", "last_document", "last_recording"))
        for row in rows.iterator(chunk_size=2000):
            moments = [m for m in (row["opened_at"], row["last_change"], row["last_document"], row["last_recording"])
                       if m is not None]
            last = local_day(max(moments))
            p = params(row["agency_id"])
            limit = int(p["days"])
            warn_from, due = marks(last, limit, float(p["warning_ratio"]), working=False)
            level = level_on(ctx.today, warn_from, due)
            if level is None:
                continue
            idle = (ctx.today - last).days
            yield Hit(agency_id=row["agency_id"], case_id=row["id"], level=level, due=due,
                      detail=f"案件（{Stage(row['stage']).label}阶段）自 {last:%Y-%m-%d} 起已 {idle} 日没有新的办案步骤，"
                             f"超过 {limit} 日即为长期无进展。",
                      evidence={"last_step_on": last.isoformat(), "idle_days": idle, "limit_days": limit})

