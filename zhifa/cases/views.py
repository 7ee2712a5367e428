"""Case pages: thin doors to the services (STYLE habit 1)."""

import datetime as dt

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core.bounds import parse_id
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.ledger.services import record_event
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Agency, Jurisdiction, Person, Unit, UnitKind
from zhifa.org.selectors import officer_eligibility

from . import events, rendering, selectors, services, workflow
from .doctypes import FORMS
from .models import Document, PartyKind, Procedure, Stage


def _case(request, pk):
    try:
        return selectors.case_get_for(actor=request.user, id=pk, request=request)
    except NotFoundError:
        raise Http404 from None


def case_list(request):
    if not org_perms.can(request.user, "cases.view"):
        org_perms.deny(request.user, "cases.view", request=request)
    qs = selectors.case_list_for(actor=request.user, stage=request.GET.get("stage") or None,
                                 search=request.GET.get("q") or None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "cases/case_list.html", {
        "page": page, "stages": Stage.choices, "query": params.urlencode(),
        "can_open": org_perms.can(request.user, "cases.handle"),
    })


def case_new(request):
    scope = org_perms.scope_for(request.user, "cases.handle")
    if scope.empty:
        org_perms.deny(request.user, "cases.handle", request=request)
    agencies = list(Agency.objects.filter(scope.agency_q(), is_justice_bureau=False).select_related("jurisdiction")[:200])
    if request.method == "POST":
        try:
            agency = next(a for a in agencies if str(a.pk) == request.POST.get("agency"))
            unit = Unit.objects.get(pk=request.POST.get("unit"), agency=agency)
            place = Jurisdiction.objects.get(pk=request.POST.get("place"))
            case = services.case_open(agency=agency, handling_unit=unit, title=request.POST.get("title", ""),
                                      action_type=request.POST.get("action_type", ""),
                                      procedure=request.POST.get("procedure", ""), place=place,
                                      legal_basis=request.POST.get("legal_basis", ""), actor=request.user)
        except (StopIteration, Unit.DoesNotExist, Jurisdiction.DoesNotExist, ValueError):
            messages.error(request, "请选择执法主体、承办机构和执法地点。")
        except ZhifaError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已立案：{case.number}")
            return redirect("case-detail", pk=case.pk)
    units = Unit.objects.filter(agency__in=agencies, kind=UnitKind.HANDLING).select_related("agency")
    paths = [a.jurisdiction.path for a in agencies]
    places = [j for j in Jurisdiction.objects.order_by("path") if any(j.path.startswith(p) for p in paths)]
    return render(request, "cases/case_new.html", {
        "agencies": agencies, "units": units, "places": places, "action_types": ActionType.choices,
        "procedures": Procedure.choices, "data": request.POST,
    })


# Upper apps add a section to the case page (review: the review's status and timeline); each
# panel(request, case) returns rendered HTML or "" (records' link stays in the template).
PANELS: list = []


def register_panel(panel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)


CONSULTATION_MINUTES = 30


def _consultation_needed(request, case) -> bool:
    """REC-15 (KY; AZ-R §19): real-time consultation by anyone not handling the case is recorded with its
    reason. One statement covers the next CONSULTATION_MINUTES of reading that case."""
    if org_perms.can(request.user, "cases.handle", agency=case.agency):
        return False
    until = request.session.get(f"consulted:{case.pk}")
    return not until or until < timezone.now().timestamp()


def case_detail(request, pk):
    case = _case(request, pk)
    user = request.user
    if request.method == "POST" and "consultation_reason" in request.POST:
        reason = request.POST["consultation_reason"].strip()
        if len(reason) < 4:
            messages.error(request, "请说明调阅事由（至少 4 个字）。")
        else:
            record_event(events.CONSULTED, subject=f"cases.case:{case.pk}", actor=user,
                         payload={"reason": reason, "number": case.number})
            request.session[f"consulted:{case.pk}"] = (timezone.now() + dt.timedelta(minutes=CONSULTATION_MINUTES)).timestamp()
            return redirect("case-detail", pk=case.pk)
    if _consultation_needed(request, case):
        return render(request, "cases/consult.html", {"case": case})
    documents = selectors.current_documents(case)
    officers = list(case.officers.select_related("person"))
    assigned = {o.person_id for o in officers}
    names = {o.person_id: o.person.name for o in officers}
    today = timezone.localdate()
    can_handle = org_perms.can(user, "cases.handle", agency=case.agency)
    candidates = []
    if can_handle:
        for person in Person.objects.filter(agency=case.agency, active=True).exclude(pk__in=assigned).prefetch_related(
                "certificates__area")[:300]:
            if officer_eligibility(person, field=case.agency.field, jurisdiction=case.place, on=today).ok:
                candidates.append(person)
    transition = workflow.NEXT.get(case.stage)
    missing = selectors.missing_for_next_stage(case, documents)
    stage_forms = [f for f in FORMS.values() if f.stage == case.stage and not f.system]
    return render(request, "cases/case_detail.html", {
        "case": case, "officers": officers,
        "documents": [(d, FORMS[d.form], rendering.element_rows(d, names)) for d in documents],
        "parties": case.parties.all(), "show_id": org_perms.can(user, "cases.view_identity", agency=case.agency),
        "can_handle": can_handle and case.stage != Stage.ARCHIVE, "candidates": candidates,
        "transition": transition, "missing": [selectors.describe_group(g) for g in missing],
        "can_move": transition is not None and org_perms.can(user, transition.permission, agency=case.agency),
        "stages": Stage.choices, "stage_index": [s for s, _ in Stage.choices].index(case.stage),
        "stage_forms": stage_forms, "party_kinds": PartyKind.choices,
        "changes": case.stage_changes.select_related("actor"),
        "panels": [html for panel in PANELS if (html := panel(request, case))],
    })


def document_fields(request, pk):
    """htmx partial: the elements of one form, for the record-entry form."""
    case = _case(request, pk)
    form = FORMS.get(request.GET.get("form", ""))
    supersedes = None
    if request.GET.get("supersedes"):
        supersedes = Document.objects.filter(pk=parse_id(request.GET["supersedes"]), case=case).first()
        form = FORMS.get(supersedes.form) if supersedes else form
    values = dict(supersedes.elements) if supersedes else {}
    for element in form.elements if form else ():
        if element.kind == "datetime" and isinstance(values.get(element.name), str):
            values[element.name] = values[element.name][:16]  # what <input type="datetime-local"> takes
    # Each element with its current value, so the template never looks a name up in the dict: an element
    # named `items` (seizure decision, review opinion) made `values.items` the dict's method — a 500.
    fields = [(element, values.get(element.name, "")) for element in form.elements] if form else []
    return render(request, "cases/_document_fields.html", {
        "case": case, "form": form, "fields": fields, "supersedes": supersedes,
        "officers": case.officers.select_related("person"),
        "now": timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M"),
    })


@require_POST
def document_create(request, pk):
    case = _case(request, pk)
    form = FORMS.get(request.POST.get("form", ""))
    supersedes = Document.objects.filter(pk=parse_id(request.POST.get("supersedes")), case=case).first()
    values = {}
    if form is not None:
        for element in form.elements:
            if element.kind in ("officers", "choices"):
                values[element.name] = request.POST.getlist(element.name)
            else:
                values[element.name] = request.POST.get(element.name, "")
        if values.get("time"):
            try:
                values["time"] = timezone.make_aware(dt.datetime.fromisoformat(values["time"])).isoformat()
            except ValueError:
                pass
    try:
        services.document_record(case=case, form=request.POST.get("form", ""), elements=values, actor=request.user,
                                 supersedes=supersedes, correction_reason=request.POST.get("correction_reason", ""))
        messages.success(request, f"已保存《{form.title}》。" if form else "已保存。")
    except ZhifaError as exc:
        messages.error(request, exc.message)
    return redirect("case-detail", pk=case.pk)


@require_POST
def officer_add(request, pk):
    case = _case(request, pk)
    person = Person.objects.filter(pk=parse_id(request.POST.get("person")), agency=case.agency).first()
    try:
        if person is None:
            raise ZhifaError("case_officer_other_agency", "请选择本机关的执法人员。")
        services.officer_assign(case=case, person=person, actor=request.user)
        messages.success(request, f"已指派{person.name}。")
    except ZhifaError as exc:
        messages.error(request, exc.message)
    return redirect("case-detail", pk=case.pk)


@require_POST
def party_add(request, pk):
    case = _case(request, pk)
    try:
        party = services.party_add(case=case, kind=request.POST.get("kind", ""), name=request.POST.get("name", ""),
                                   id_number=request.POST.get("id_number", ""), address=request.POST.get("address", ""),
                                   phone=request.POST.get("phone", ""), actor=request.user)
        messages.success(request, "已登记当事人。")
        for warning in party.id_warnings.values():  # e.g. an address code no table lists: accepted, to be checked
            messages.warning(request, warning)
    except ZhifaError as exc:
        messages.error(request, exc.message)
    return redirect("case-detail", pk=case.pk)


@require_POST
def case_advance(request, pk):
    case = _case(request, pk)
    try:
        case = services.case_advance(case=case, actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, f"案件已进入“{case.get_stage_display()}”阶段。")
    except ZhifaError as exc:
        messages.error(request, exc.message)
    return redirect("case-detail", pk=case.pk)


def document_file(request, pk, doc, kind):
    """The issued PDF (sealed) or DOCX of a document version; issued on first request, logged (REC-02)."""
    case = _case(request, pk)
    if _consultation_needed(request, case):
        return redirect("case-detail", pk=case.pk)
    document = Document.objects.filter(pk=doc, case=case).first()
    if document is None or kind not in ("pdf", "docx"):
        raise Http404
    try:
        rendition = services.document_issue(document=document, kind=kind, actor=request.user)
    except ZhifaError as exc:
        messages.error(request, exc.message)
        return redirect("case-detail", pk=case.pk)
    record_event(events.CONSULTED, subject=f"cases.case:{case.pk}", actor=request.user,
                 payload={"reason": "下载文书", "number": case.number, "document": document.pk, "kind": kind})
    return FileResponse(default_storage.open(rendition.blob.storage_name, "rb"), as_attachment=True,
                        filename=f"{case.number}-{FORMS[document.form].title}-v{document.version}.{kind}",
                        content_type=rendition.blob.content_type)
