"""M25: a case-file evaluation's failed file not rectified by its deadline (issue 21 §5; SUP-06).

Registered with the supervision registry from EvaluationConfig.ready() (supervision sits below evaluation). One hit
per agency: its rectifications without a report — a warning once the share `warning_at` of the time has passed, an alarm past the
deadline (`due_on`, set at closing from the rule "evaluation.rectification_days" of the agency's place). It closes
when every one is reported.
"""

from zhifa.supervision.registry import Hit, Level, ProblemModel, Scope, register

from . import events
from .models import Rectification


@register
class M25EvaluationNotRectified(ProblemModel):
    code = "M25"
    name = "案卷评查不合格案卷逾期未整改"
    basis = "《中华人民共和国行政处罚法》第七十五条（定期组织开展行政执法评议、考核，及时纠正行政执法中的问题）"
    description = ("案卷评查评定为不合格的案卷，被评查机关在整改期限届满前未报告整改情况：经过期限的预警比例（按规则设定）时"
                   "预警，逾期报警；报告整改情况后关闭。")
    scope = Scope.AGENCY
    triggers = (events.CLOSED, events.RECTIFIED)
    defaults = {"warning_at": 0.8}

    def agencies_for_subject(self, subject):
        family, _, key = subject.partition(":")
        if family != "evaluation.campaign" or not key.isdigit():
            return None
        return list(Rectification.objects.filter(result__campaign_id=int(key)).values_list("agency_id", flat=True)
                    .distinct())

    def evaluate(self, ctx):
        qs = (Rectification.objects.filter(report__isnull=True).select_related("result__file__case", "step")
              .order_by("agency_id", "due_on", "id"))
        if ctx.agency_ids is not None:
            qs = qs.filter(agency_id__in=ctx.agency_ids)
        found: dict[int, list] = {}
        for r in qs:
            start = r.step.at.date()
            total = (r.due_on - start).days
            warning_at = float(ctx.params(r.agency_id).get("warning_at", 0.8))
            if ctx.today > r.due_on:
                level = Level.ALARM
            elif total > 0 and (ctx.today - start).days >= total * warning_at:
                level = Level.WARNING
            else:
                continue
            found.setdefault(r.agency_id, []).append((r, level))
        for agency_id, rows in found.items():
            late = [r for r, lv in rows if lv == Level.ALARM]
            level = Level.ALARM if late else Level.WARNING
            first = (late or [rows[0][0]])[0]
            detail = (f"{len(late)} 件评查不合格案卷逾期未报告整改（{first.result.file.case.number}，期限 {first.due_on:%Y-%m-%d}）"
                      if late else f"{len(rows)} 件评查不合格案卷临近整改期限（{first.result.file.case.number}，期限 "
                      f"{first.due_on:%Y-%m-%d}）")
            yield Hit(agency_id=agency_id, case_id=None, level=level, detail=detail, due=min(r.due_on for r, _ in rows),
                      evidence={"rectifications": [{"id": r.pk, "campaign": r.result.campaign_id,
                                                    "case": r.result.file.case_id, "due_on": r.due_on.isoformat(),
                                                    "level": lv} for r, lv in rows]})
