"""Scoped reads of cases (STYLE habit 4)."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhifa.core.bounds import parse_id
from zhifa.core.db_router import read_connection
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.org import permissions as org_perms

from . import events, workflow
from .doctypes import FORMS
from .errors import CaseErrorCode, ConsultationRequired
from .models import Case, Consultation, Document, DocumentNumber, DocumentRendition, Rendition


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


# What a route serves of a case (REC-15). Each read of one of these by someone outside the case needs an open
# consultation and is logged with its name.
CONTENT = {
    "case": "案件详情",
    "document_fields": "文书要素",
    "document_file": "文书文本",
    "recordings": "音像记录目录",
    "media": "音像记录播放",
    "case_file": "案卷包",
    "seal": "案卷封存信息",
    "review": "法制审核材料与意见",
    "ledger_entry": "案件日志条目",
}


def open_consultation(*, actor, case: Case) -> Consultation | None:
    """The actor's consultation of the case that is still open, if any."""
    return (Consultation.objects.filter(case=case, actor_id=actor.pk, expires_at__gt=timezone.now())
            .order_by("-expires_at").first())


def consultation_check(*, actor, case: Case, what: str, detail: dict | None = None, log: bool = True
                       ) -> Consultation | None:
    """The one consultation check (REC-15; KY; AZ-R §19) for a case the actor may already see.

    Those handling the case (cases.handle on its agency) and those whose duty is the case (a hook in
    workflow.CONSULTATION_DUTIES: the reviewer assigned to its review) read it freely. Anyone else needs an
    open consultation (ConsultationRequired otherwise), and each read is logged against it: which
    consultation, what was read and `detail` (e.g. which clip). `log=False` for the follow-up requests of one
    read (the later ranges of a playback), so the ledger grows by reads, not by requests. Returns the
    consultation, or None when none was needed."""
    if what not in CONTENT:
        raise KeyError(f"unknown case content {what!r}; add it to cases.selectors.CONTENT")
    if org_perms.can(actor, "cases.handle", agency=case.agency):
        return None
    if any(duty(actor, case, what) for duty in workflow.CONSULTATION_DUTIES):
        return None
    consultation = open_consultation(actor=actor, case=case)
    if consultation is None:
        raise ConsultationRequired(case.pk)
    if log:
        content_read_record(actor=actor, case=case, consultation=consultation, what=what, detail=detail)
    return consultation


def content_read_record(*, actor, case: Case, consultation: Consultation, what: str, detail: dict | None = None):
    """Log one read of a case's content by someone outside it, against the consultation that allowed it. Called by
    consultation_check, or by a route that decides later whether a request is a new read (a playback's ranges)."""
    return events.content_read(case, actor=actor, consultation=consultation.pk, what=what, number=case.number,
                               detail=detail)


def case_content_for(*, actor, id, what: str, request=None, detail: dict | None = None, log: bool = True) -> Case:
    """A case whose records a route serves: scoped as case_get_for (the same 404), then the consultation check.
    `case.consultation` is the consultation the read was logged against (None for those inside the case)."""
    case = case_get_for(actor=actor, id=id, request=request)
    case.consultation = consultation_check(actor=actor, case=case, what=what, detail=detail, log=log)
    return case


def ledger_entry_guard(actor, entry, request=None) -> None:
    """A log entry about a case carries its records (a document's elements): reading it is reading the case,
    scoped and consulted like any other route (the read_check of the `cases.case` subject scope, registered by
    cases/entry_scope.py into ledger.selectors)."""
    kind, _, pk = entry.subject.partition(":")
    if kind == "cases.case" and pk.isdigit():
        case_content_for(actor=actor, id=pk, what="ledger_entry", request=request, detail={"entry": entry.pk})


def current_documents(case: Case) -> list[Document]:
    """The documents in force: every version that no later version supersedes."""
    return list(case.documents.filter(superseded_by__isnull=True).select_related("recorded_by").order_by("recorded_at", "id"))


def issued_rendition(document: Document, kind: str) -> DocumentRendition:
    """The issued file of a document version. A read never issues (issue 14 §5): what has not been issued
    (签发, a POST by the signer) answers 409 with the reason."""
    if kind not in Rendition.values:
        raise NotFoundError()
    rendition = DocumentRendition.objects.filter(document=document, kind=kind).select_related("blob").first()
    if rendition is None:
        raise ZhifaError(CaseErrorCode.NOT_ISSUED, "该文书尚未签发，签发后才能下载。", status=409)
    return rendition


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


def document_numbers(document_ids) -> dict[int, str]:
    """{document id: 文号} of documents, in one query: the number is held by the first version of a
    document's chain of corrections (cases.numbering), so the query walks each document up its `supersedes`
    links to the version that holds one. Documents without a number (not issued yet) are not in the result.

    The batch form of cases.numbering.number_for, which reads one document at a time: the portal names many
    decisions on a page by their 文号."""
    ids = sorted({i for i in document_ids if i})
    if not ids:
        return {}
    doc, num = Document._meta.db_table, DocumentNumber._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    chain = (f"WITH RECURSIVE up(start, id, sup) AS ("
             f" SELECT id, id, supersedes_id FROM {doc} WHERE id IN ({marks})"
             f" UNION ALL SELECT up.start, d.id, d.supersedes_id FROM {doc} d JOIN up ON d.id = up.sup)"
             f" SELECT up.start, n.text FROM up JOIN {num} n ON n.document_id = up.id")
    with read_connection(Document).cursor() as cursor:  # the portal reads on the replica (issue 19 §5)
        cursor.execute(chain, ids)
        return dict(cursor.fetchall())
