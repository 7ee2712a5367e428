"""Scoped reads of reviews (STYLE habit 4) and the helpers the services and the gate share."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from zhifa.cases import selectors as case_selectors
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Case
from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency
from zhifa.rules.catalogue import REVIEW_MATERIALS

from .clock import Pause
from .models import Assignment, Catalogue, Determination, Review, Step
from .workflow import CLOSED, MATERIAL_FORMS, OPEN, State


def catalogue_in_force(agency: Agency, on: dt.date) -> Catalogue | None:
    return (Catalogue.objects.filter(agency=agency, effective_from__lte=on).order_by("-version")
            .prefetch_related("items").first())


def catalogue_list_for(*, actor) -> QuerySet[Catalogue]:
    scope = org_perms.scope_for(actor, "review.view")
    return (Catalogue.objects.filter(scope.agency_q("agency__")).select_related("agency", "filed_with", "filing")
            .prefetch_related("items").order_by("agency__name", "-version"))


def current_determination(case: Case) -> Determination | None:
    return case.review_determinations.order_by("-version").first()


def materials_collect(case: Case, required: list[str], *, hearing_held: bool) -> tuple[dict, list[str]]:
    """The case's current documents sorted into the kinds of material, and the required kinds missing.

    The legal basis is the case's own (its 法律依据) and the draft's; a hearing transcript or an
    assessment report is due only where the case had one (IM-M §29(5)); "other" is never due.
    """
    documents = case_selectors.current_documents(case)
    snapshot: dict[str, list] = {code: [] for code in REVIEW_MATERIALS}
    for d in documents:
        if d.form == "review_opinion":  # the review's own output, not a material
            continue
        code = next((c for c, forms in MATERIAL_FORMS.items() if d.form in forms), "other")
        snapshot[code].append({"document": d.pk, "form": d.form, "version": d.version})
    drafts_with_basis = [d for d in documents if d.form in MATERIAL_FORMS["draft_decision"] and d.elements.get("legal_basis")]
    if case.legal_basis.strip() and drafts_with_basis:
        snapshot["legal_basis"] = [{"case": case.pk, "text": case.legal_basis}]
    missing = []
    for code in required:
        if code == "other" or snapshot.get(code):
            continue
        if code == "hearing_or_assessment" and not hearing_held:
            continue
        forms = MATERIAL_FORMS.get(code, ())
        missing.append(REVIEW_MATERIALS[code] + (f"（{'或'.join('《' + FORMS[f].title + '》' for f in forms)}）" if forms else ""))
    return {k: v for k, v in snapshot.items() if v}, missing


def round_document_ids(review: Review) -> set[int]:
    """The documents the current round's review saw: the submission, plus any supplement."""
    submission = review.submissions.get(round=review.round)
    ids = submission.document_ids()
    for step in review.steps.filter(round=review.round, action="resume"):
        for items in step.data.get("materials", {}).values():
            ids |= {m["document"] for m in items if "document" in m}
    return ids


def pauses_of(review: Review) -> list[Pause]:
    """The current round's pauses, in order, from its steps."""
    pauses: list[Pause] = []
    for step in review.steps.filter(round=review.round, action__in=("pause", "resume")).order_by("at", "id"):
        if step.action == "pause":
            pauses.append(Pause(step.data["kind"], step.on, None))
        elif pauses and pauses[-1].end is None:
            pauses[-1] = Pause(pauses[-1].kind, pauses[-1].start, step.on)
    return pauses


def pending_extension(review: Review) -> Step | None:
    steps = list(review.steps.filter(round=review.round, action__startswith="extension_").order_by("at", "id"))
    return steps[-1] if steps and steps[-1].action == "extension_requested" else None


def active_assignments(review: Review) -> list[Assignment]:
    return list(review.assignments.filter(recusal__isnull=True).select_related("person", "person__unit", "adviser"))


def _visible(actor) -> Q:
    """Reviews of agencies in the actor's scope, reviews their agency takes part in jointly, and reviews
    they are assigned to (a lent adviser from another agency)."""
    scope = org_perms.scope_for(actor, "review.view")
    joint = scope.agency_q("joint_agencies__agency__")
    q = scope.agency_q("agency__")
    if not scope.everywhere:
        q |= Q(pk__in=Review.objects.filter(joint).values("pk"))
        q |= Q(pk__in=Assignment.objects.filter(person__user=actor.pk, recusal__isnull=True).values("review_id"))
    return q


def consultation_duty(actor, case: Case, what: str) -> str:
    """REC-15: whose duty gives them the reason to read a case without stating one (registered into the one
    consultation check, cases.workflow.CONSULTATION_DUTIES). The reviewer assigned to the case's review (a lent
    adviser too) reads the whole case: the assignment is the reason, logged with the assignment. On the review
    itself (its materials, opinions and timeline) also those whose step in it is due: the review unit's head who
    assigns and the agencies of a joint decision who co-sign. Anyone else of the review unit, or a supervisor,
    states a reason. A duty lasts while the review does: once it is closed (workflow.CLOSED: passed, not to
    decide, transferred) no step is due and everyone states a reason (issue 14, review #11)."""
    if not getattr(actor, "is_authenticated", False):
        return ""
    if Assignment.objects.filter(review__case=case, person__user=actor.pk, recusal__isnull=True).exclude(
            review__state__in=CLOSED).exists():
        return "assigned_reviewer"
    if what != "review":
        return ""
    review = Review.objects.filter(case=case).exclude(state__in=CLOSED).select_related("agency__jurisdiction").first()
    if review is None:
        return ""
    if org_perms.can(actor, "review.assign", agency=review.agency):
        return "review_head"
    if any(org_perms.can(actor, "review.cosign", agency=j.agency)
           for j in review.joint_agencies.select_related("agency__jurisdiction")):
        return "joint_agency"
    return ""


def review_get_for(*, actor, case: Case, request=None) -> Review:
    """The case's review, if the actor may see it; the same 404 whether it is missing or out of scope."""
    review = (Review.objects.filter(_visible(actor), case=case)
              .select_related("case", "case__agency", "agency", "review_unit").first())
    if review is None:
        if Review.objects.filter(case=case).exists():
            org_perms.deny(actor, "review.view", request=request, detail=f"review of case {case.pk}", not_found=True)
        raise NotFoundError()
    return review


def queue_for(*, actor, mine: bool = False) -> QuerySet[Review]:
    """The reviewer's work queue (REV-06): open reviews in scope, soonest due first (paused ones last).
    `mine`: only reviews the actor is assigned to."""
    qs = Review.objects.filter(_visible(actor), state__in=OPEN)
    if mine:
        qs = qs.filter(Exists(Assignment.objects.filter(review=OuterRef("pk"), person__user=actor.pk,
                                                        recusal__isnull=True)))
    return (qs.select_related("case", "agency").order_by("state", "due_on", "id"))


def overdue_for(*, actor, on: dt.date) -> QuerySet[Review]:
    """Reviews whose time limit has ended without an opinion (REV-06), in the actor's scope."""
    scope = org_perms.scope_for(actor, "review.view_overdue")
    return (Review.objects.filter(scope.agency_q("agency__"), state=State.SUBMITTED, due_on__lt=on)
            .select_related("case", "agency").order_by("due_on", "id"))


def timeline(review: Review) -> list[Step]:
    return list(review.steps.select_related("actor__person").order_by("at", "id"))  # names, core.names
