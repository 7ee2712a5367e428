"""M21: an agency's case volume far from its own history — a sudden surge, a sharp fall, or no cases at all
(《行政执法监督条例》: daily supervision; IM-M §33: enforcement that stops being recorded shows first as cases that stop
appearing).

Each agency is compared with itself: the cases it opened in the last complete calendar month against the median of
the `history_months` months before (counted from the month of its first case, so a newcomer's empty months before
it used the system do not count; fewer than `min_history_months` months of history: not judged). With a median of
at least `min_median` cases a month,
  - a month with no case at all is an alarm (a drop to zero: the agency may have stopped recording);
  - a month at or below `drop_ratio` × the median is a warning;
and a month at or above `surge_ratio` × the median, and at least `min_surge` cases above it, is a warning (a campaign
entered in bulk, or cases split to meet a quota). One hit per agency (no case). The next month's run closes it once
the figures are ordinary again.
"""

from __future__ import annotations

import datetime as dt
import statistics

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from zhifa.cases import events as case_events
from zhifa.cases.models import Case

from ..registry import Hit, Level, ProblemModel, Scope, register
from ._shared import Params
from .m20_rates import agencies_of


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the month `back` months before `day`'s."""
    index = day.year * 12 + (day.month - 1) - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@register
class CaseVolumeAnomaly(ProblemModel):
    code = "M21"
    name = "执法案件数量异常波动"
    basis = "《行政执法监督条例》；国办发〔2018〕118号"
    description = ("执法主体上一个完整自然月的立案数与其此前十二个月的月中位数相比：中位数不低于规定数（默认每月五件）而当月"
                   "为零的报警，降至中位数的规定比例（默认两成）以下的预警；达到中位数的规定倍数（默认三倍）且多出规定件数"
                   "（默认十件）以上的预警。历史不足六个月的不作判断。数量恢复正常后自动关闭。")
    scope = Scope.AGENCY
    triggers = (case_events.OPENED,)
    defaults = {"history_months": 12, "min_history_months": 6, "min_median": 5, "drop_ratio": 0.2,
                "surge_ratio": 3.0, "min_surge": 10}

    def evaluate(self, ctx):
        params = Params(ctx)
        agencies = agencies_of(ctx)
        if agencies == []:
            return
        month = month_start(ctx.today, 1)  # the last complete month
        end = month_start(ctx.today)
        # The widest history of the defaults and of the agencies asked for; each agency then reads its own.
        longest = max([int(self.defaults["history_months"])]
                      + [int(params(a)["history_months"]) for a in (agencies or ())])
        qs = Case.objects.filter(opened_at__gte=_aware(month_start(month, longest)), opened_at__lt=_aware(end))
        if agencies is not None:
            qs = qs.filter(agency_id__in=agencies)
        counts: dict[int, dict[dt.date, int]] = {}
        for row in (qs.annotate(month=TruncMonth("opened_at")).values("agency_id", "month")
                    .annotate(n=Count("id")).order_by()):
            first = row["month"]
            first = timezone.localdate(first) if isinstance(first, dt.datetime) else first
            counts.setdefault(row["agency_id"], {})[first.replace(day=1)] = row["n"]
        for agency_id, by_month in sorted(counts.items()):
            p = params(agency_id)
            span = int(p["history_months"])
            history_months = [month_start(month, back) for back in range(span, 0, -1)]
            started = min(by_month)
            history = [by_month.get(m, 0) for m in history_months if m >= started]
            if len(history) < int(p["min_history_months"]):
                continue
            median = statistics.median(history)
            n = by_month.get(month, 0)
            hit = self._judge(n, median, p)
            if hit is None:
                continue
            level, what = hit
            yield Hit(agency_id=agency_id, case_id=None, level=level,
                      detail=f"{month:%Y年%-m月}立案 {n} 件，此前 {len(history)} 个月的月中位数为 {median:g} 件：{what}。",
                      evidence={"month": month.isoformat(), "count": n, "median": median,
                                "history": {m.isoformat(): by_month.get(m, 0) for m in history_months if m >= started}})

    @staticmethod
    def _judge(n: int, median: float, p: dict) -> tuple[str, str] | None:
        if median >= float(p["min_median"]):
            if n == 0:
                return Level.ALARM, "当月没有立案，可能未在系统中记录执法活动"
            if n <= float(p["drop_ratio"]) * median:
                return Level.WARNING, f"降至中位数的 {n / median:.0%}"
        if median > 0 and n >= float(p["surge_ratio"]) * median and n - median >= float(p["min_surge"]):
            return Level.WARNING, f"为中位数的 {n / median:.1f} 倍，激增"
        return None
