"""Case pages: thin doors to the services (STYLE habit 1)."""

import datetime as dt
import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core import files
from zhifa.core import workflow as wf
from zhifa.core.bounds import parse_id
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import NotFoundError, PermissionDeniedError, ZhifaError
from zhifa.core.names import person_label
from zhifa.core.net import safe_next
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.core.regulations import expand
from zhifa.org import permissions as org_perms
from zhifa.org.errors import OrgErrorCode
from zhifa.org.models import ActionType, Agency, Jurisdiction, Person, Unit, UnitKind
from zhifa.org.selectors import officer_eligibility, permission_holders

from . import decisions, rendering, selectors, services, todo, workflow
from .doctypes import FORMS
from .errors import ConsultationRequired
from .models import Document, DocumentRendition, PartyKind, Procedure, Stage
from .panels import panels_for


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
    page = keyset_page(request, qs, 50)
    return render(request, "cases/case_list.html", {
        "page": page, "stages": Stage.choices, "query": query_without_cursor(request),
        "can_open": org_perms.can(request.user, "cases.handle"),
    })


def case_new(request):
    scope = org_perms.scope_for(request.user, "cases.handle")
    if scope.empty:
        org_perms.deny(request.user, "cases.handle", request=request)
    agencies = list(Agency.objects.filter(scope.agency_q(), is_justice_bureau=False).select_related("jurisdiction")[:200])
    status = 200
    if request.method == "POST":
        status = 400  # unless opened (a redirect): the form again with everything typed
        try:
            agency = (Agency.objects.filter(pk=parse_id(request.POST.get("agency")), is_justice_bureau=False)
                  .select_related("jurisdiction").first())
            if agency is None:
                raise ValueError
            # Another agency's id is a refusal, logged (403), not the form shown again (it offers only one's own).
            org_perms.require(request.user, "cases.handle", agency=agency, request=request)
            unit = Unit.objects.get(pk=request.POST.get("unit"), agency=agency)
            place = Jurisdiction.objects.get(pk=request.POST.get("place"))
            case = services.case_open(agency=agency, handling_unit=unit, title=request.POST.get("title", ""),
                                      action_type=request.POST.get("action_type", ""),
                                      procedure=request.POST.get("procedure", ""), place=place,
                                      legal_basis=request.POST.get("legal_basis", ""), actor=request.user)
        except (StopIteration, Unit.DoesNotExist, Jurisdiction.DoesNotExist, ValueError):
            messages.error(request, "请选择执法主体、承办机构和执法地点。")
        except PermissionDeniedError:
            raise
        except ZhifaError as exc:
            messages.error(request, refusal_message(exc))
        else:
            messages.success(request, f"已立案：{case.number}")
            return redirect("case-detail", pk=case.pk)
    units = Unit.objects.filter(agency__in=agencies, kind=UnitKind.HANDLING).select_related("agency")
    paths = [a.jurisdiction.path for a in agencies]
    places = [j for j in Jurisdiction.objects.order_by("path") if any(j.path.startswith(p) for p in paths)]
    blocked, notes = _opening_blocks(request.user, agencies)
    return render(request, "cases/case_new.html", {
        "agencies": agencies, "units": units, "places": places, "action_types": ActionType.choices,
        "procedures": Procedure.choices, "data": request.POST, "blocked": blocked, "notes": notes,
        # Every agency offered refuses this user: the form stays readable, its button says why it does nothing.
        "all_blocked": bool(agencies) and len(blocked) == len(agencies),
    }, status=status)


def _opening_blocks(user, agencies) -> tuple[list[str], list[str]]:
    """What /cases/new/ says up front (tryout 18: an officer whose certificate had expired saw the whole form and
    learnt of the block only on submitting): for each agency offered, the reason case_open would refuse this user
    (services.opener_eligibility over the agency's field and whole jurisdiction), and a note where the certificate
    covers only part of the jurisdiction (the place chosen must lie in it)."""
    blocked, notes = [], []
    today = timezone.localdate()
    for agency in agencies:
        held = services.opener_eligibility(agency=agency, place=agency.jurisdiction, actor=user, on=today)
        if held is None or held[1].ok:
            continue
        result = held[1]
        cert = result.certificate
        if (result.code == OrgErrorCode.OFFICER_OUT_OF_AREA and cert is not None
                and cert.area.path.startswith(agency.jurisdiction.path)):
            notes.append(f"您的执法证 {cert.number} 执法区域为{cert.area.name}：执法地点应在该区域内。")
            continue
        blocked.append(f"{agency.name}：{result.message.rstrip('。')}，不能立案。")
    return blocked, notes


def _content(request, pk, what: str, **kw):
    """A case whose records the page serves, through the one consultation check (REC-15)."""
    try:
        return selectors.case_content_for(actor=request.user, id=pk, what=what, request=request, **kw)
    except NotFoundError:
        raise Http404 from None


def consultation_form(request, case_id: int, next_url: str = ""):
    """The page that asks a reader outside the case for the reason, then sends them where they were going."""
    case = _case(request, case_id)
    ask = f"{reverse('case-consult', args=[case.pk])}?{urlencode({'next': next_url})}" if next_url else ""
    if request.headers.get("HX-Request"):  # an htmx partial: the whole page goes to the form
        response = HttpResponse(status=403)
        response["HX-Redirect"] = ask or reverse("case-consult", args=[case.pk])
        return response
    return render(request, "cases/consult.html", {"case": case, "next": next_url}, status=403)


def asks_consultation(view):
    """For every page that serves case content (here, records, review): a reader outside the case without an
    open consultation gets the form that asks the reason, instead of the content."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ConsultationRequired as exc:
            return consultation_form(request, exc.case_id, next_url=request.get_full_path())
    return wrapped


def case_consult(request, pk):
    """调阅 (REC-15): state the reason, then go on to the page asked for (a `next` on this site only)."""
    case = _case(request, pk)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        try:
            services.consultation_open(case=case, actor=request.user, reason=request.POST.get("consultation_reason", ""))
        except ZhifaError as exc:
            messages.error(request, refusal_message(exc))
        else:
            return redirect(next_url or reverse("case-detail", args=[case.pk]))
    return render(request, "cases/consult.html", {"case": case, "next": next_url or ""})


@asks_consultation
def case_detail(request, pk, *, kept: dict | None = None, status: int = 200):
    """The case page. `kept`: a refused form's input, by form ("document", "party", "advance"), shown again
    with the refusal (status 4xx) so that nothing typed is lost; see _refused."""
    case = _content(request, pk, "case")
    user = request.user
    documents = selectors.current_documents(case)
    officers = list(case.officers.select_related("person"))
    assigned = {o.person_id for o in officers}
    names = {o.person_id: o.person.name for o in officers}
    today = timezone.localdate()
    can_handle = org_perms.can(user, "cases.handle", agency=case.agency)
    candidates = []
    if can_handle:
        # officer_eligibility leaves out review staff too (ORG-04): the unit is read with the person.
        for person in (Person.objects.filter(agency=case.agency, active=True).exclude(pk__in=assigned)
                       .select_related("unit").prefetch_related("certificates__area")[:300]):
            if officer_eligibility(person, field=case.agency.field, jurisdiction=case.place, on=today).ok:
                candidates.append(person)
    issued: dict[int, list[str]] = {}  # what has been issued (签发) can be downloaded; one query for the page
    for document_id, kind in DocumentRendition.objects.filter(document__in=documents).values_list("document_id", "kind"):
        issued.setdefault(document_id, []).append(kind)
    transition = workflow.NEXT.get(case.stage)
    missing = selectors.missing_for_next_stage(case, documents)
    stage_forms = [f for f in FORMS.values() if f.allowed_in(case.stage) and not f.system]
    draft = _draft(case, (kept or {}).get("document")) or _chosen(request, stage_forms)
    blockers = services.advance_blockers(case, documents) if transition is not None and not missing else []
    can_move = transition is not None and wf.may(services.CASE, transition.name, case, user)
    hint = _hint(case, transition, officers, missing=missing, blockers=blockers, can_handle=can_handle,
                 can_move=can_move, stage_forms=stage_forms) if transition is not None else {}
    return render(request, "cases/case_detail.html", {
        "case": case, "officers": officers,
        "documents": [(d, FORMS[d.form], rendering.element_rows(d, names), issued.get(d.pk, ())) for d in documents],
        "can_issue": org_perms.can(user, "cases.issue_document", agency=case.agency),
        "parties": case.parties.all(), "show_id": org_perms.can(user, "cases.view_identity", agency=case.agency),
        "can_handle": can_handle and case.stage != Stage.ARCHIVE, "candidates": candidates,
        "transition": transition, "missing": [selectors.describe_group(g) for g in missing],
        # What would refuse the move once the records are there (services.advance_blockers: the simplified procedure,
        # review's gate, AV coverage, the party a decision names): the button waits for them too, showing why.
        "blockers": [expand(p) for e in blockers for p in _reasons(e)],
        "party_missing": any(e.code == decisions.PARTY_MISSING for e in blockers),
        "can_move": can_move, "hint": hint,
        "stages": Stage.choices, "stage_index": [s for s, _ in Stage.choices].index(case.stage),
        "stage_forms": stage_forms, "party_kinds": PartyKind.choices,
        "changes": case.stage_changes.select_related("actor__person"),
        # Upper apps' sections (cases.panels): review, publication, supervision alerts, supervision instruments.
        "panels": panels_for(request, case),
        "kept": kept or {}, "draft": draft, "now": _now_local(),
    }, status=status)


def _reasons(error: ZhifaError) -> list[str]:
    """A refusal's reasons as sentences without the full stop: its `problems`, or its message."""
    details = error.details if isinstance(error.details, dict) else {}
    return [str(p).rstrip("。") for p in details.get("problems") or ()] or [error.message.rstrip("。")]


def _hint(case, transition, officers, *, missing, blockers, can_handle: bool, can_move: bool, stage_forms) -> dict:
    """The "下一步" hint (tryout 18: "补齐文书的人员：姜雅（承办执法人员）… 您不能办理此步骤。" told the officer who can
    supply the documents that she could do nothing). Someone who can supply a missing record (cases.handle) is asked
    for it, with a link to its form; everyone is told who makes the move itself and by name; "您不能办理此步骤" only
    to someone who can neither supply what is missing or blocking nor make the move.

    `verb` is the move without its consequence ("作出决定", of "作出决定，进入送达执行"); `movers` who make it;
    `roles` their roles in words; `suppliers` who may supply the missing records (the officers assigned)."""
    verb = transition.label.split("，")[0]
    if transition.permission == "cases.approve":
        holders = permission_holders(transition.permission, case.agency)
        roles = list(dict.fromkeys(role.label for _user, role in holders))
        movers = [person_label(user) if len(roles) == 1 else f"{person_label(user)}（{role.label}）"
                  for user, role in holders]
        movers = list(dict.fromkeys(movers))
    else:
        roles = ["承办执法人员"]
        movers = [o.person.name for o in officers]
    codes = {f.code for f in stage_forms}
    links = [[(code, FORMS[code].title, code in codes) for code in group] for group in missing]
    nobody = ("：本机关尚无可办理此步骤的人员，请联系系统管理员授权" if transition.permission == "cases.approve"
              else "由承办执法人员办理，本案尚未指派承办执法人员")
    return {
        "verb": verb, "roles": "或".join(roles), "movers": movers, "links": links, "nobody": nobody,
        "suppliers": todo.next_step_actors(case) if missing else [],
        "cannot": not can_move and not (can_handle and (missing or blockers)),
    }


def _chosen(request, stage_forms) -> dict | None:
    """The record-entry form opened on the form a link asked for (`?form=` — "请补齐：《…》" links here)."""
    form = next((f for f in stage_forms if f.code == request.GET.get("form")), None)
    if form is None:
        return None
    return {"form": form, "fields": _field_rows(form, {}), "supersedes": None, "correction_reason": ""}


def _now_local() -> str:
    return timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def _field_rows(form, values: dict) -> list:
    """Each element of a form with the value to show: a recorded version's (a correction) or what was posted
    (a refused save), in the shape its input takes."""
    rows = []
    for element in form.elements:
        value = values.get(element.name, "")
        if element.kind == "datetime" and isinstance(value, str):
            value = value[:16]  # what <input type="datetime-local"> takes
        elif element.kind in ("officers", "choices") and isinstance(value, list):
            value = [str(v) for v in value]
        elif element.kind == "bool":
            value = value in (True, "true", "on", "1")
        rows.append((element, value))
    return rows


def _draft(case, post) -> dict | None:
    """A refused document save, to be shown again: the chosen form with every value typed (tryout: the page
    came back on another form with the values gone)."""
    form = FORMS.get(post.get("form", "")) if post else None
    if form is None:
        return None
    values = {e.name: post.getlist(e.name) if e.kind in ("officers", "choices") else post.get(e.name, "")
              for e in form.elements}
    supersedes = Document.objects.filter(pk=parse_id(post.get("supersedes")), case=case, form=form.code).first()
    return {"form": form, "fields": _field_rows(form, values), "supersedes": supersedes,
            "correction_reason": post.get("correction_reason", "")}


def _refused(request, pk, exc: ZhifaError, kept: dict):
    """A refused case-page form: the message, and the page again with what was typed (consistent with case_new
    and the portal: the refusal is the response, no redirect that drops the input). A denial is the 403 page
    (core.error_views.refusal_message): it has no input worth keeping and the page may not be the actor's."""
    messages.error(request, refusal_message(exc))
    return case_detail(request, pk, kept=kept, status=exc.status)


@asks_consultation
def document_fields(request, pk):
    """htmx partial: the elements of one form, for the record-entry form (with `supersedes`, every element of a
    recorded document: case content)."""
    supersedes_id = parse_id(request.GET.get("supersedes")) if request.GET.get("supersedes") else None
    case = _content(request, pk, "document_fields", detail={"document": supersedes_id} if supersedes_id else None)
    form = FORMS.get(request.GET.get("form", ""))
    supersedes = None
    if request.GET.get("supersedes"):
        supersedes = Document.objects.filter(pk=supersedes_id, case=case).first()
        form = FORMS.get(supersedes.form) if supersedes else form
    # Each element with its current value, so the template never looks a name up in the dict: an element
    # named `items` (seizure decision, review opinion) made `values.items` the dict's method — a 500.
    fields = _field_rows(form, dict(supersedes.elements) if supersedes else {}) if form else []
    return render(request, "cases/_document_fields.html", {
        "case": case, "form": form, "fields": fields, "supersedes": supersedes,
        "officers": case.officers.select_related("person"), "now": _now_local(),
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
        return _refused(request, case.pk, exc, {"document": request.POST})
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
        messages.error(request, refusal_message(exc))
    return redirect("case-detail", pk=case.pk)


@require_POST
def party_add(request, pk):
    case = _case(request, pk)
    try:
        party = services.party_add(case=case, kind=request.POST.get("kind", ""), name=request.POST.get("name", ""),
                                   id_number=request.POST.get("id_number", ""), address=request.POST.get("address", ""),
                                   phone=request.POST.get("phone", ""),
                                   legal_representative=request.POST.get("legal_representative", ""), actor=request.user)
        messages.success(request, "已登记当事人。")
        for warning in party.id_warnings.values():  # e.g. an address code no table lists: accepted, to be checked
            messages.warning(request, warning)
    except ZhifaError as exc:
        return _refused(request, case.pk, exc, {"party": request.POST})
    return redirect("case-detail", pk=case.pk)


@require_POST
def case_advance(request, pk):
    case = _case(request, pk)
    try:
        case = services.case_advance(case=case, actor=request.user, note=request.POST.get("note", ""),
                                     stage=request.POST.get("stage", ""))
        messages.success(request, f"案件已进入“{case.get_stage_display()}”阶段。")
    except ZhifaError as exc:
        return _refused(request, case.pk, exc, {"advance": request.POST})
    return redirect("case-detail", pk=case.pk)


@require_POST
def document_issue(request, pk, doc):
    """签发 (issue 14 §5): the signer for the agency seals a document version; a POST, never a side effect of a
    download. The service checks cases.issue_document (a refusal is in the security log) and the issue checks."""
    case = _case(request, pk)
    document = Document.objects.filter(pk=doc, case=case).first()
    if document is None:
        raise Http404
    kind = request.POST.get("kind", "pdf")
    try:
        services.document_issue(document=document, kind=kind, actor=request.user, request=request)
        title = f"《{FORMS[document.form].title}》第 {document.version} 版"
        # Only the PDF is sealed; a Word file is an editable text without the agency's electronic seal.
        messages.success(request, f"已生成{title}的 Word 文本（不加盖电子签章）。" if kind == "docx"
                         else f"已签发{title}（已加盖电子签章）。")
    except PermissionDeniedError as exc:
        raise PermissionDeniedError("只有机关负责人可以签发文书（加盖本机关电子签章）。") from exc
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("case-detail", pk=case.pk)


@asks_consultation
def document_file(request, pk, doc, kind):
    """The issued PDF (sealed) or DOCX of a document version (REC-02). A GET serves only what was issued and
    writes nothing but a reader's log entry: issuing is document_issue, a POST by the signer."""
    case = _content(request, pk, "document_file", detail={"document": doc, "kind": kind})
    document = Document.objects.filter(pk=doc, case=case).first()
    if document is None:
        raise Http404
    rendition = selectors.issued_rendition(document, kind)  # 409 尚未签发 until the signer issues it
    return files.stored_file_response(request, storage_name=rendition.blob.storage_name, size=rendition.blob.size,
                                      filename=rendering.download_name(document, kind),
                                      hint=rendition.blob.content_type)
