"""M20: an agency whose decisions are revoked or found unlawful, withheld from publication, or whose licence decisions
refuse, at a rate above its jurisdiction's threshold over a period (IM-M §13, §33(一)(二); 《行政执法监督条例》: daily supervision of the agencies'
enforcement as a whole).

Which data: publicity holds both figures for every decision an agency makes. Each decision gets a public item
(publicity.Publication, kind 行政执法决定, with its decision date); one that is revoked, confirmed unlawful or void,
ordered to be made again, or changed by a reconsideration or a judgment is withdrawn with that trigger (IM-M §13;
publicity.workflow.Trigger), and one withheld from publication carries its approved exemption (IM-M §11). So over the
decisions an agency made in the period (`period_days` up to the day of the run):
  - 纠错率: the share later withdrawn because the decision itself fell (not for a wrong public text, `error`);
  - 不予公开率: the share not published on an approved exemption;
and over the licence decisions it made in the period (the move 作出决定 of a licence case), 不予许可率: the share whose
decision in force refuses (不予许可、不予批准、不予登记, read by cases.decisions as the review's determination reads it).
Reconsideration and litigation outcomes as such are not recorded anywhere else; a decision changed there reaches
the data through this withdrawal. Agencies with fewer than `min_decisions` decisions in the period are not judged.
One hit per agency (no case), at the worst of the levels.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Min
from django.utils import timezone

from zhifa.cases import events as case_events
from zhifa.cases.decisions import Measure, facts_of
from zhifa.cases.models import Case, Document, Stage, StageChange
from zhifa.org.models import ActionType
from zhifa.publicity import events as publicity_events
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import Kind, State, Trigger
from zhifa.review.workflow import DECISION_FORMS

from ..registry import LEVEL_RANK, Hit, Level, ProblemModel, Scope, register
from ._shared import Params, end_of

# The withdrawal triggers that mean the decision itself was revoked, changed or found unlawful (not a wrong text).
DECISION_FELL = (Trigger.REVOKED, Trigger.CONFIRMED_ILLEGAL, Trigger.CONFIRMED_VOID, Trigger.ORDERED_REMAKE,
                 Trigger.RECONSIDERATION, Trigger.JUDGMENT)


def agencies_of(ctx) -> list[int] | None:
    """The agencies an agency-scope run covers (None: all): those asked for, and the agencies of the cases asked for."""
    if ctx.case_ids is None and ctx.agency_ids is None:
        return None
    ids = set(ctx.agency_ids or ())
    if ctx.case_ids is not None:
        ids |= set(Case.objects.filter(pk__in=sorted(ctx.case_ids)).values_list("agency_id", flat=True))
    return sorted(ids)


def _level(rate: float, warning: float, alarm: float) -> str | None:
    if rate >= alarm:
        return Level.ALARM
    if rate >= warning:
        return Level.WARNING
    return None


@register
class AgencyRates(ProblemModel):
    code = "M20"
    name = "执法决定被纠错率、不予公开率或不予许可率偏高"
    basis = "国办发〔2018〕118号；《行政执法监督条例》"
    description = ("统计期间（默认最近三百六十五日）内作出的行政执法决定中，因被撤销、确认违法或无效、责令重新作出、"
                   "复议或诉讼变更撤销而撤下公示的比例（纠错率）、经批准不予公开的比例（不予公开率），以及行政许可决定中"
                   "不予许可的比例（不予许可率），达到预警线的预警、达到报警线的报警；统计期间决定数少于规定数（默认二十件）"
                   "的不作判断。比例回落后自动关闭。")
    scope = Scope.AGENCY
    triggers = (publicity_events.WITHDRAWN, publicity_events.ITEM_WITHDRAWN, publicity_events.EXEMPTION_APPROVED,
                publicity_events.ITEM_COLLECTED, case_events.DECIDED)
    defaults = {"period_days": 365, "min_decisions": 20, "revoked_warning": 0.05, "revoked_alarm": 0.10,
                "exempted_warning": 0.10, "exempted_alarm": 0.20, "refused_warning": 0.20, "refused_alarm": 0.40}

    def evaluate(self, ctx):
        params = Params(ctx)
        agencies = agencies_of(ctx)
        if agencies == []:
            return
        decisions = Publication.objects.filter(kind=Kind.DECISION, case__isnull=False, decided_on__lte=ctx.today)
        licences = StageChange.objects.filter(case__action_type=ActionType.LICENCE,
                                              to_stage=Stage.SERVICE_ENFORCEMENT, at__lte=end_of(ctx))
        if agencies is not None:
            decisions = decisions.filter(agency_id__in=agencies)
            licences = licences.filter(case__agency_id__in=agencies)
        else:
            agencies = sorted(set(decisions.values_list("agency_id", flat=True).distinct())
                              | set(licences.values_list("case__agency_id", flat=True).distinct()))
        if not agencies:
            return
        # The widest period any of the agencies' rules asks for, read once.
        longest = max(int(params(a)["period_days"]) for a in agencies)
        first_day = ctx.today - dt.timedelta(days=longest)
        # Every version of every decision item in the widest period: (agency, case) -> decision date, fell, exempted.
        per_case: dict[tuple[int, int], dict] = {}
        for row in decisions.filter(decided_on__gt=first_day).values("agency_id", "case_id", "decided_on", "state",
                                                                    "withdrawal_trigger"):
            key = (row["agency_id"], row["case_id"])
            entry = per_case.setdefault(key, {"decided_on": row["decided_on"], "fell": False, "exempted": False})
            entry["decided_on"] = min(entry["decided_on"], row["decided_on"])
            entry["fell"] |= row["withdrawal_trigger"] in DECISION_FELL
            entry["exempted"] |= row["state"] == State.EXEMPTED
        by_agency: dict[int, list[dict]] = {}
        for (agency_id, _case_id), entry in per_case.items():
            by_agency.setdefault(agency_id, []).append(entry)
        refusals = self._licences(licences.filter(at__gt=timezone.make_aware(
            dt.datetime.combine(first_day, dt.time(23, 59, 59)))))
        for agency_id in sorted(set(by_agency) | set(refusals)):
            p = params(agency_id)
            since = ctx.today - dt.timedelta(days=int(p["period_days"]))
            found = self._rates(by_agency.get(agency_id, []), refusals.get(agency_id, []), since, p)
            if found is None:
                continue
            level, sentences, evidence = found
            yield Hit(agency_id=agency_id, case_id=None, level=level,
                      detail=f"{since + dt.timedelta(days=1):%Y-%m-%d} 至 {ctx.today:%Y-%m-%d}：{'；'.join(sentences)}。",
                      evidence={"since": (since + dt.timedelta(days=1)).isoformat(), "until": ctx.today.isoformat()}
                      | evidence)

    @staticmethod
    def _licences(moves) -> dict[int, list[tuple[dt.date, bool]]]:
        """{agency id: [(day decided, refused)]} of the licence decisions whose decide move is among `moves`: refused
        when the decision in force refuses (cases.decisions: 不予许可、不予批准、不予登记). Two queries."""
        decided = {row["case_id"]: row for row in moves.values("case_id", "case__agency_id").annotate(first=Min("at"))}
        if not decided:
            return {}
        texts: dict[int, list] = {}
        for document in Document.objects.filter(case__in=moves.values("case_id"), form__in=DECISION_FORMS,
                                                superseded_by__isnull=True).only("case_id", "form", "elements"):
            texts.setdefault(document.case_id, []).append(document)
        out: dict[int, list[tuple[dt.date, bool]]] = {}
        for case_id, row in decided.items():
            refused = Measure.REFUSE_LICENCE in facts_of(texts.get(case_id, [])).measures
            out.setdefault(row["case__agency_id"], []).append((timezone.localdate(row["first"]), refused))
        return out

    @staticmethod
    def _rates(entries: list[dict], licences: list, since: dt.date, p: dict):
        """(level, sentences, evidence) of one agency's rates over the period, or None."""
        levels, sentences, evidence = [], [], {}
        inside = [e for e in entries if e["decided_on"] > since]
        total = len(inside)
        if total and total >= int(p["min_decisions"]):
            fell, exempted = sum(e["fell"] for e in inside), sum(e["exempted"] for e in inside)
            revoked_rate, exempted_rate = fell / total, exempted / total
            levels += [_level(revoked_rate, float(p["revoked_warning"]), float(p["revoked_alarm"])),
                       _level(exempted_rate, float(p["exempted_warning"]), float(p["exempted_alarm"]))]
            sentences.append(f"作出的 {total} 件行政执法决定中，被撤销、确认违法或无效、责令重新作出或经复议诉讼变更撤销的 "
                             f"{fell} 件（纠错率 {revoked_rate:.1%}，预警线 {float(p['revoked_warning']):.0%}），经批准不予"
                             f"公开的 {exempted} 件（不予公开率 {exempted_rate:.1%}，预警线 {float(p['exempted_warning']):.0%}）")
            evidence |= {"decisions": total, "revoked": fell, "exempted": exempted,
                         "revoked_rate": round(revoked_rate, 4), "exempted_rate": round(exempted_rate, 4)}
        decided = [refused for day, refused in licences if day > since]
        if decided and len(decided) >= int(p["min_decisions"]):
            refused = sum(decided)
            refused_rate = refused / len(decided)
            levels.append(_level(refused_rate, float(p["refused_warning"]), float(p["refused_alarm"])))
            sentences.append(f"作出的 {len(decided)} 件行政许可决定中不予许可 {refused} 件（不予许可率 {refused_rate:.1%}，"
                             f"预警线 {float(p['refused_warning']):.0%}）")
            evidence |= {"licence_decisions": len(decided), "refused": refused, "refused_rate": round(refused_rate, 4)}
        levels = [lv for lv in levels if lv]
        if not levels:
            return None
        return max(levels, key=lambda lv: LEVEL_RANK[lv]), sentences, evidence
