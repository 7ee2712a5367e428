"""Every shared read of case-file evaluation, scoped to the actor (STYLE habit 4).

Sides: the organiser (a bureau's supervisors over its jurisdiction, or an agency's heads for its self-check) reads
everything; an evaluator reads the files assigned to them; an agency evaluated (VIEW_PERMISSION over it) reads its own
files, their machine pre-scores while it self-checks, and their results once the campaign is closed — never another
agency's files, never the evaluators' sheets before closing.

`agency_results` is the annual assessment's (zhifa/assessment) one entry: results of closed campaigns per agency.
"""

import copy
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, Prefetch, Q

from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms

from .models import (
    Assigned,
    EvalCampaign,
    EvalFile,
    EvalStep,
    FileResult,
    MachineScore,
    Rectification,
    State,
    Verdict,
)
from .standards import GRADE_LABELS, Grade
from .workflow import AGENCY_PERMISSION, BUREAU_PERMISSION, VIEW_PERMISSION, organiser_may


@dataclass(frozen=True)
class AgencyResult:
    """An agency's case-file evaluation results over a period: the files of closed campaigns whose results were fed
    back (closed_on) in the period. `passed` counts 合格 only (not 优秀): files = excellent + passed + failed.
    `file_ids` are FileResult ids (each traceable to its verdict, marks and the machine's evidence)."""

    files: int
    mean_score: float | None
    excellent: int
    passed: int
    failed: int
    file_ids: tuple[int, ...]


def agency_results(agency_ids, date_from, date_to) -> dict:
    """{agency id: AgencyResult} for the agencies in `agency_ids` with at least one result; one query."""
    rows = (FileResult.objects.filter(agency_id__in=list(agency_ids), campaign__state=State.CLOSED,
                                      campaign__closed_on__gte=date_from, campaign__closed_on__lte=date_to)
            .order_by("agency_id", "id").values_list("agency_id", "id", "score", "grade"))
    acc = defaultdict(list)
    for agency_id, pk, score, grade in rows:
        acc[agency_id].append((pk, score, grade))
    out = {}
    for agency_id, items in acc.items():
        scores = [float(s) for _, s, _ in items]
        out[agency_id] = AgencyResult(
            files=len(items), mean_score=round(sum(scores) / len(scores), 2) if scores else None,
            excellent=sum(1 for *_, g in items if g == Grade.EXCELLENT),
            passed=sum(1 for *_, g in items if g == Grade.PASS),
            failed=sum(1 for *_, g in items if g == Grade.FAIL), file_ids=tuple(pk for pk, *_ in items))
    return out


# --- visibility ---------------------------------------------------------------------------------------------------

def _organiser_q(actor) -> Q:
    q = Q(pk__in=[])
    bureau = org_perms.scope_for(actor, BUREAU_PERMISSION)
    if not bureau.empty:
        q |= Q(bureau.jurisdiction_q("organiser__jurisdiction__"), organiser__is_justice_bureau=True)
    heads = org_perms.scope_for(actor, AGENCY_PERMISSION)
    if not heads.empty:
        q |= Q(heads.agency_q("organiser__"), organiser__is_justice_bureau=False)
    return q


def visible_q(actor) -> Q:
    q = _organiser_q(actor)
    if getattr(actor, "pk", None):
        q |= Q(pk__in=Assigned.objects.filter(evaluator_id=actor.pk, recusal__isnull=True)
               .values("file__campaign_id"))
        q |= Q(lead_id=actor.pk)
    view = org_perms.scope_for(actor, VIEW_PERMISSION)
    if not view.empty:
        q |= Q(pk__in=EvalFile.objects.filter(view.agency_q("agency__")).values("campaign_id"))
    return q


def campaign_list_for(*, actor, state: str = ""):
    qs = EvalCampaign.objects.filter(visible_q(actor)).select_related("organiser")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


# Steps an agency's side sees whatever agency they concern: the campaign's milestones. The close summary (the
# organiser's account of every agency) is not among what it reads; evaluator-side steps (score, recuse, reconcile,
# assign, add_evaluators) name the evaluators and are shown to it only once the campaign is closed.
AGENCY_MILESTONES = ("create", "draw", "spot_check", "close", "cancel")
EVALUATOR_SIDE = ("add_evaluators", "assign", "score", "recuse", "reconcile")


@dataclass
class CampaignView:
    """A campaign as one reader may see it. organiser: everything; else `agency_ids` (their agencies' files),
    `evaluator` (the files assigned to them, not recused) and `lead_files` (for the lead who is not the organiser:
    the files waiting for them to reconcile, and those they reconciled)."""

    campaign: EvalCampaign
    organiser: bool
    agency_ids: frozenset
    evaluator: bool
    lead: bool

    def files(self):
        qs = (EvalFile.objects.filter(campaign=self.campaign).select_related("case", "agency", "result")
              .prefetch_related(Prefetch("assignments", queryset=Assigned.objects.select_related(
                  "evaluator__person", "recusal").order_by("id")))
              .order_by("agency__jurisdiction__path", "agency_id", "order"))
        if self.organiser:
            return qs
        q = Q(agency_id__in=self.agency_ids)
        if self.evaluator:
            q |= Q(assignments__evaluator_id=self.user_id, assignments__recusal__isnull=True)
        if self.lead_files:
            q |= Q(pk__in=self.lead_files)
        return qs.filter(q).distinct()

    user_id: int | None = None
    lead_files: frozenset = frozenset()

    @property
    def agency_side(self) -> bool:
        """Reads as an evaluated agency only (neither the organiser, an evaluator nor the lead)."""
        return not (self.organiser or self.evaluator or self.lead)

    def shows_evaluators(self) -> bool:
        """Who evaluates a file: hidden from the agency's side until the campaign is closed."""
        return not self.agency_side or self.campaign.state == State.CLOSED

    def shows_results(self, file) -> bool:
        """A file's result: the organiser, its evaluators and the lead reconciling it always; the agency once the
        campaign is closed."""
        return (self.organiser or self.evaluator or file.pk in self.lead_files
                or (self.campaign.state == State.CLOSED and file.agency_id in self.agency_ids))

    def steps(self):
        steps = list(self.campaign.steps.all())
        if self.organiser:
            return steps
        closed = self.campaign.state == State.CLOSED
        out = []
        for s in steps:
            if s.action in AGENCY_MILESTONES:
                if s.action == "close" and s.note:
                    s = copy.copy(s)
                    s.note = ""
                out.append(s)
            elif s.data.get("agency") in self.agency_ids and (closed or s.action not in EVALUATOR_SIDE):
                out.append(s)
            elif self.user_id is not None and s.actor_id == self.user_id:
                out.append(s)
        return out


def campaign_get_for(*, actor, pk: int, request=None) -> CampaignView:
    """One campaign as the actor may see it; outside the actor's scope the same 404 as a missing one, logged."""
    row = (EvalCampaign.objects.filter(pk=pk).select_related("organiser__jurisdiction", "lead__person", "created_by",
                                                             "draw__population")
           .defer("draw__population__cases")
           .prefetch_related("agencies", Prefetch("steps", queryset=EvalStep.objects.select_related("actor__person")),
                             "evaluators__user__person").first())
    if row is None:
        raise NotFoundError()
    organiser = organiser_may(row, actor)
    lead = bool(getattr(actor, "pk", None)) and row.lead_id == actor.pk
    evaluator = bool(getattr(actor, "pk", None)) and Assigned.objects.filter(
        file__campaign=row, evaluator_id=actor.pk, recusal__isnull=True).exists()
    lead_files = frozenset()
    if lead and not organiser:  # the lead is not the organiser: only the files they reconcile
        from .services import to_reconcile

        lead_files = frozenset(Verdict.objects.filter(file__campaign=row, phase="reconciled", scorer_id=actor.pk)
                               .values_list("file_id", flat=True))
        if row.state == State.SCORING:
            lead_files |= frozenset(to_reconcile(row))
    view = org_perms.scope_for(actor, VIEW_PERMISSION)
    agency_ids = frozenset() if view.empty else frozenset(
        EvalFile.objects.filter(view.agency_q("agency__"), campaign=row).values_list("agency_id", flat=True).distinct())
    if not (organiser or lead or evaluator or agency_ids):
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"evaluation.campaign:{pk}", not_found=True)
    return CampaignView(row, organiser, agency_ids, evaluator, lead, getattr(actor, "pk", None), lead_files)


def file_detail(view: CampaignView, file_id: int) -> dict:
    """One file as the reader may see it: the machine's items with their evidence, the sheets (the organiser's side;
    an evaluator their own), the result (shows_results) and the rectification."""
    f = next((x for x in view.files().filter(pk=file_id)), None)
    if f is None:
        raise NotFoundError()
    machine = {m.item: m for m in MachineScore.objects.filter(file=f)}
    verdicts = list(Verdict.objects.filter(file=f, superseded_by__isnull=True).select_related("scorer__person",
                                                                                              "assignment"))
    if not view.organiser:
        verdicts = [v for v in verdicts if (v.scorer_id == view.user_id)
                    or (v.phase == "self" and f.agency_id in view.agency_ids)
                    or f.pk in view.lead_files
                    or (view.shows_results(f) and view.campaign.state == State.CLOSED)]
    result = getattr(f, "result", None) if view.shows_results(f) else None
    rect = Rectification.objects.filter(result=result).select_related("report").first() if result else None
    return {"file": f, "machine": machine, "verdicts": verdicts, "result": result, "rectification": rect}


# --- results tables (pages, report, Excel) ------------------------------------------------------------------------

def item_texts(campaign: EvalCampaign) -> dict[str, dict[str, str]]:
    """{action type: {item code: item text}} of the standards pinned on the campaign (no query)."""
    return {t: {i["code"]: i["text"] for i in (d or {}).get("items", [])} for t, d in (campaign.standards or {}).items()}


def _item_label(code: str, texts: dict, limit: int = 40) -> str:
    text = texts.get(code, "")
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"{code} {text}".strip()


def campaign_tables(campaign: EvalCampaign, agency_ids=None) -> dict:
    """Per file and per agency: scores, grades, deductions; totals. Two queries whatever the size."""
    qs = (FileResult.objects.filter(campaign=campaign).select_related("file__case", "agency")
          .order_by("agency__jurisdiction__path", "agency_id", "file__order"))
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    texts = item_texts(campaign)
    files, agencies = [], {}
    for r in qs:
        text = texts.get(r.file.case.action_type, {})
        files.append({"id": r.pk, "agency": r.agency.name, "agency_id": r.agency_id, "case": r.file.case.number,
                      "title": r.file.case.title, "score": float(r.score), "grade": GRADE_LABELS.get(r.grade, r.grade),
                      "grade_code": r.grade, "deductions": r.deductions, "vetoed_by": r.vetoed_by,
                      "deduction_lines": [f"{_item_label(c, text)}（扣 {p} 分）" for c, p in r.deductions],
                      "veto_lines": [_item_label(c, text) for c in r.vetoed_by],
                      "machine_points": r.machine_points})
        a = agencies.setdefault(r.agency_id, {"agency": r.agency.name, "agency_id": r.agency_id, "files": 0,
                                              "total": 0.0, "excellent": 0, "pass": 0, "fail": 0, "machine_points": 0})
        a["files"] += 1
        a["total"] += float(r.score)
        a[r.grade if r.grade in ("excellent", "pass", "fail") else "fail"] += 1
        a["machine_points"] += r.machine_points
    for a in agencies.values():
        a["mean"] = round(a.pop("total") / a["files"], 2) if a["files"] else None
    n = len(files)
    totals = {"files": n, "mean": round(sum(f["score"] for f in files) / n, 2) if n else None,
              "excellent": sum(1 for f in files if f["grade_code"] == Grade.EXCELLENT),
              "pass": sum(1 for f in files if f["grade_code"] == Grade.PASS),
              "fail": sum(1 for f in files if f["grade_code"] == Grade.FAIL),
              "machine_points": sum(f["machine_points"] for f in files)}
    return {"files": files, "agencies": list(agencies.values()), "totals": totals}


def campaign_counts(campaign: EvalCampaign) -> dict:
    return EvalFile.objects.filter(campaign=campaign).aggregate(
        files=Count("id"), decided=Count("result"), mean=Avg("result__score"))


# --- to-do --------------------------------------------------------------------------------------------------------

def files_to_score(user):
    """Live assignments of `user` with no sheet of theirs yet, in scoring campaigns."""
    return (Assigned.objects.filter(evaluator_id=user.pk, recusal__isnull=True, file__campaign__state=State.SCORING,
                                    file__result__isnull=True)
            .exclude(pk__in=Verdict.objects.filter(phase="spot", assignment__evaluator_id=user.pk).values("assignment_id"))
            .select_related("file__campaign", "file__case", "file__agency").order_by("file__campaign_id", "file_id"))


def files_to_self_check(user):
    """Files of the agencies `user` heads, in campaigns in the self-check phase, with no self sheet yet."""
    scope = org_perms.scope_for(user, AGENCY_PERMISSION)
    if scope.empty:
        return EvalFile.objects.none()
    return (EvalFile.objects.filter(scope.agency_q("agency__"), campaign__state=State.SELF_CHECK, result__isnull=True)
            .exclude(pk__in=Verdict.objects.filter(phase="self").values("file_id"))
            .select_related("campaign", "case", "agency").order_by("campaign_id", "id"))


def rectifications_due(user):
    scope = org_perms.scope_for(user, AGENCY_PERMISSION)
    if scope.empty:
        return Rectification.objects.none()
    return (Rectification.objects.filter(scope.agency_q("agency__"), report__isnull=True)
            .select_related("result__campaign", "result__file__case", "agency").order_by("due_on", "id"))


def evaluator_candidates(bureaus) -> list[tuple]:
    """[(user, label)] whom the bureaus may name evaluators: supervisors whose grant covers a bureau's jurisdiction,
    and the active pooled advisers whose pool lies within it. Two queries whatever the number of bureaus."""
    from zhifa.core.permissions import roles_with
    from zhifa.org.models import Adviser, RoleGrant

    paths = [b.jurisdiction.path for b in bureaus]
    if not paths:
        return []
    # A grant covers a bureau when its jurisdiction is the bureau's or an ancestor: filtered in SQL by those ids.
    ancestors = {int(x) for p in paths for x in p.strip("/").split("/") if x}
    out = {}
    for g in (RoleGrant.objects.filter(role__in=roles_with(BUREAU_PERMISSION), revoked_at__isnull=True,
                                       jurisdiction_id__in=ancestors)
              .select_related("user__person", "jurisdiction").order_by("user_id")):
        if any(p.startswith(g.jurisdiction.path) for p in paths):
            name = getattr(getattr(g.user, "person", None), "name", "") or g.user.username
            out.setdefault(g.user_id, (g.user, f"{name}（执法监督人员，{g.jurisdiction.name}）"))
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(pool_jurisdiction__path__startswith=p)
    for a in Adviser.objects.filter(q, active=True, person__user__isnull=False).select_related("person__user"):
        out.setdefault(a.person.user_id, (a.person.user, f"{a.name}（{a.get_kind_display()}）"))
    return list(out.values())
