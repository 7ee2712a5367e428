"""Pages of the organisation registry. Thin: selectors read, services write (STYLE habit 1)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core import files
from zhifa.core.errors import NotFoundError, PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent
from zhifa.core.paginator import keyset_page, query_without_cursor

from . import permissions as perms
from . import selectors, services
from .forms import AgencyFilterForm, ImportForm, PersonFilterForm, RevokeForm
from .importing import template_workbook, workbook_import
from .models import AgencyStatus, Certificate, Jurisdiction

PAGE_SIZE = 50


def _get_or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFoundError:
        raise Http404 from None


def jurisdiction_list(request):
    if not perms.can(request.user, "org.view"):
        perms.deny(request.user, "org.view", request=request)
    nodes = list(selectors.jurisdiction_list())
    by_parent: dict = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)
    for node in nodes:
        node.kids = by_parent.get(node.pk, [])
    return render(request, "org/jurisdiction_list.html", {"roots": by_parent.get(None, [])})


def agency_list(request):
    user = request.user
    if not perms.can(user, "org.view"):
        perms.deny(user, "org.view", request=request)
    form = AgencyFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    jurisdiction = None
    if filters.get("jurisdiction"):
        jurisdiction = Jurisdiction.objects.filter(pk=filters["jurisdiction"]).first()
    qs = selectors.agency_list_for(
        actor=user, jurisdiction=jurisdiction, status=filters.get("status") or None,
        field=filters.get("field") or None, search=filters.get("q") or None,
    )
    page = keyset_page(request, qs, PAGE_SIZE)
    page.object_list = selectors.attach_staff_counts(page.object_list)
    for agency in page.object_list:
        agency.ratio = selectors.reviewer_ratio(agency)
    return render(request, "org/agency_list.html", {"form": form, "page": page, "query": query_without_cursor(request),
                                                     "jurisdiction": jurisdiction})


def agency_detail(request, pk):
    user = request.user
    agency = _get_or_404(selectors.agency_get_for, actor=user, id=pk, request=request)
    people = selectors.person_list_for(actor=user, agency=agency)
    today = timezone.localdate()
    return render(request, "org/agency_detail.html", {
        "agency": agency,
        "units": agency.units.all(),
        "ratio": selectors.reviewer_ratio(agency),
        "officer_count": selectors.person_list_for(actor=user, agency=agency, certified_on=today).count(),
        "people_count": people.count(),
        "reviewers": list(people.filter(is_reviewer=True)[:50]),
        "loans": list(selectors.advisers_on_loan_to(agency)),
        "lendable": list(selectors.advisers_lendable_to(agency)[:20]),
        "can_confirm": agency.status == AgencyStatus.PENDING and perms.can(user, "org.confirm_agency", agency=agency),
        "can_view_people": perms.can(user, "org.view_people", agency=agency),
    })


@require_POST
def agency_confirm(request, pk):
    agency = _get_or_404(selectors.agency_get_for, actor=request.user, id=pk, request=request)
    try:
        services.agency_confirm(agency=agency, actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ZhifaError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已确认“{agency.name}”的执法主体资格。")
    return redirect("agency-detail", pk=agency.pk)


def person_list(request):
    user = request.user
    if not perms.can(user, "org.view"):
        perms.deny(user, "org.view", request=request)
    form = PersonFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    agency = None
    if request.GET.get("agency"):
        agency = _get_or_404(selectors.agency_get_for, actor=user, id=request.GET["agency"], request=request)
    today = timezone.localdate()
    qs = selectors.person_list_for(
        actor=user, agency=agency, search=filters.get("q") or None,
        certified_on=today if filters.get("certified") == "yes" else None,
        reviewers=True if filters.get("reviewers") else None,
    )
    if filters.get("certified") == "no":
        qs = qs.exclude(pk__in=selectors.person_list_for(actor=user, certified_on=today).values("pk"))
    qs = qs.prefetch_related("certificates", "certificates__suspensions")
    page = keyset_page(request, qs, PAGE_SIZE)
    for person in page.object_list:
        valid = [c for c in person.certificates.all() if c.in_force_on(today)]  # a suspended one is not 持证
        person.valid_certificate = valid[0] if valid else None
    return render(request, "org/person_list.html", {"form": form, "page": page, "agency": agency,
                                                     "query": query_without_cursor(request)})


def person_detail(request, pk):
    user = request.user
    person = _get_or_404(selectors.person_get_for, actor=user, id=pk, request=request)
    today = timezone.localdate()
    certificates = selectors.certificate_list(person)
    for c in certificates:
        c.valid_today = c.in_force_on(today)  # suspensions prefetched by certificate_list
    return render(request, "org/person_detail.html", {
        "person": person, "certificates": certificates,
        "can_view_people": perms.can(user, "org.view_people", agency=person.agency),
        "can_revoke": perms.can(user, "org.manage_certificates", agency=person.agency),
        "revoke_form": RevokeForm(),
    })


@require_POST
def certificate_revoke(request, pk):
    cert = Certificate.objects.select_related("person__agency__jurisdiction").filter(pk=pk).first()
    if cert is None:
        raise Http404
    person = _get_or_404(selectors.person_get_for, actor=request.user, id=cert.person_id, request=request)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写注销原因。")
        return redirect("person-detail", pk=person.pk)
    try:
        services.certificate_revoke(certificate=cert, reason=form.cleaned_data["reason"], actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ZhifaError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已注销执法证 {cert.number}。")
    return redirect("person-detail", pk=person.pk)


def org_import(request):
    user = request.user
    if not perms.can(user, "org.import"):
        perms.deny(user, "org.import", request=request)
    result, error = None, None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = workbook_import(form.cleaned_data["file"], actor=user)
        except ZhifaError as exc:
            error = exc.message
    return render(request, "org/import.html", {"form": form, "result": result, "error": error})


def org_import_template(request):
    if not perms.can(request.user, "org.import"):
        perms.deny(request.user, "org.import", request=request)
    return files.file_response(request, template_workbook(), filename="zhifa-org-import-template.xlsx",
                               content_type=files.XLSX, generated=True)


def security_events(request):
    """Logins, failures, lockouts and denials of the people in the viewer's scope."""
    user = request.user
    scope = perms.scope_for(user, "core.view_security_events")
    if scope.empty:
        perms.deny(user, "core.view_security_events", request=request)
    qs = SecurityEvent.objects.select_related("user").order_by("-at", "-id")
    if not scope.everywhere:
        from django.db.models import Exists, OuterRef

        from .models import Person

        in_scope = Person.objects.filter(scope.agency_q("agency__"), user=OuterRef("user"))
        qs = qs.filter(Exists(in_scope))
    page = keyset_page(request, qs, PAGE_SIZE)
    return render(request, "org/security_events.html", {"page": page, "query": query_without_cursor(request)})
