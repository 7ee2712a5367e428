"""Scoped reads of cases (STYLE habit 4)."""

from django.db.models import Q, QuerySet

from zhifa.core.bounds import parse_id
from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms

from . import workflow
from .doctypes import FORMS
from .models import Case, Document


def case_list_for(*, actor, stage: str | None = None, search: str | None = None) -> QuerySet[Case]:
    scope = org_perms.scope_for(actor, "cases.view")
    qs = Case.objects.filter(scope.agency_q("agency__")).select_related("agency", "handling_unit", "place")
    if stage:
        qs = qs.filter(stage=stage)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(number__icontains=search))
    return qs.order_by("-opened_at", "-id")


def case_get_for(*, actor, id, request=None) -> Case:
    pk = parse_id(id)  # "abc", "²" or 2⁶⁴ is a missing case, not a ValueError (issue 13 §5)
    case = case_list_for(actor=actor).filter(pk=pk).first() if pk else None
    if case is None:
        if pk and Case.objects.filter(pk=pk).exists():
            org_perms.deny(actor, "cases.view", request=request, detail=f"case {id}", not_found=True)
        raise NotFoundError()
    return case


def current_documents(case: Case) -> list[Document]:
    """The documents in force: every version that no later version supersedes."""
    return list(case.documents.filter(superseded_by__isnull=True).select_related("recorded_by").order_by("recorded_at", "id"))


def missing_for_next_stage(case: Case, documents: list[Document] | None = None) -> list[tuple[str, ...]]:
    """The requirement groups of the next move that no current document meets (REC-01)."""
    if case.stage not in workflow.NEXT:
        return []
    have = {d.form for d in (documents if documents is not None else current_documents(case))}
    return [group for group in workflow.required_groups(case.stage, case.action_type, case.procedure)
            if not have.intersection(group)]


def describe_group(group: tuple[str, ...]) -> str:
    return "或".join(f"《{FORMS[code].title}》" for code in group)


def cases_missing_documents_for(*, actor) -> list[tuple[Case, list[tuple[str, ...]]]]:
    """REC-17: cases in scope whose current stage lacks a document its next move requires."""
    cases = list(case_list_for(actor=actor).exclude(stage="archive").prefetch_related("documents"))
    out = []
    for case in cases:
        docs = list(case.documents.all())
        superseded = {d.supersedes_id for d in docs if d.supersedes_id}
        current = [d for d in docs if d.pk not in superseded]
        missing = missing_for_next_stage(case, current)
        if missing:
            out.append((case, missing))
    return out
