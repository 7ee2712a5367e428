"""M22: a supervision instrument not answered or not corrected by its deadline (issue 20 §1, §4; SUP-08).

Registered with the supervision registry from InstrumentsConfig.ready() (supervision sits below instruments).
One hit per agency (the instruments are addressed to the agency, not to a case): the worst of its instruments
awaiting it — a warning once 4/5 of an instrument's time has passed (issue 20 §3), an alarm past its deadline. It
closes when every instrument is answered (a correction report, a re-examination request) or closed by the bureau.
An instrument returned after a report is not corrected: its deadline still runs.
"""

import datetime as dt

from zhifa.supervision.registry import Hit, Level, ProblemModel, Scope, register

from . import events
from .models import DOCUMENT_TITLE, Instrument, Kind
from .workflow import AWAITING_AGENCY


def level_on(instrument, today: dt.date, warning_at: float) -> str | None:
    if today > instrument.due_on:
        return Level.ALARM
    total = (instrument.due_on - instrument.clock_from).days
    elapsed = (today - instrument.clock_from).days
    if total > 0 and elapsed >= total * warning_at:
        return Level.WARNING
    return None


@register
class M22InstrumentOverdue(ProblemModel):
    code = "M22"
    name = "监督文书逾期未整改或未答复"
    basis = "《行政执法监督条例》（国务院令第825号）；各省行政执法监督条例关于整改、报告期限的规定"
    description = ("监督意见书、监督决定书、约谈、通报批评要求整改的，被监督机关在期限届满前未报告整改情况（或整改被退回"
                   "仍未整改完毕）：经过期限的五分之四时预警，逾期报警；报告整改、申请复查或监督机关办结后关闭。")
    scope = Scope.AGENCY
    triggers = (events.ISSUED, events.CORRECTION_REPORTED, events.CORRECTION_ACCEPTED, events.CORRECTION_RETURNED,
                events.REVIEW_REQUESTED, events.REVIEW_DECIDED, events.CLOSED)
    defaults = {"warning_at": 0.8}

    def agencies_for_subject(self, subject):
        """An instrument's event re-runs the model for the agency it is addressed to (review: a reported correction left
        the alarm standing until the nightly run)."""
        family, _, key = subject.partition(":")
        if family != "instruments.instrument" or not key.isdigit():
            return None
        return list(Instrument.objects.filter(pk=int(key)).values_list("agency_id", flat=True))

    def evaluate(self, ctx):
        qs = Instrument.objects.filter(state__in=AWAITING_AGENCY).order_by("agency_id", "due_on", "id")
        if ctx.agency_ids is not None:
            qs = qs.filter(agency_id__in=ctx.agency_ids)
        worst: dict[int, tuple] = {}
        for row in qs.only("id", "agency_id", "kind", "number", "clock_from", "due_on").iterator():
            level = level_on(row, ctx.today, float(ctx.params(row.agency_id).get("warning_at", 0.8)))
            if level is None:
                continue
            found = worst.setdefault(row.agency_id, (level, []))
            if level == Level.ALARM and found[0] != Level.ALARM:
                worst[row.agency_id] = found = (Level.ALARM, found[1])
            found[1].append((row, level))
        for agency_id, (level, rows) in worst.items():
            first = rows[0][0]
            late = [r for r, lv in rows if lv == Level.ALARM]
            if late:
                detail = (f"{len(late)} 份监督文书逾期未整改（最早 {late[0].number}，"
                          f"期限 {late[0].due_on:%Y-%m-%d}）")
            else:
                detail = f"{len(rows)} 份监督文书临近整改期限（{first.number}，期限 {first.due_on:%Y-%m-%d}）"
            yield Hit(agency_id=agency_id, case_id=None, level=level, detail=detail,
                      due=min(r.due_on for r, _ in rows),
                      evidence={"instruments": [{"id": r.pk, "number": r.number, "kind": DOCUMENT_TITLE[Kind(r.kind)],
                                                 "due_on": r.due_on.isoformat(), "level": lv} for r, lv in rows]})
