"""The to-do list's pages (issue 18 §1). Thin: selectors read, services write (STYLE habit 1)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from zhifa.cases import selectors as case_selectors
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.names import display_name
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.core.permissions import Role
from zhifa.org import permissions as org_perms
from zhifa.org import selectors as org_selectors
from zhifa.org.models import AgencyStatus, RoleGrant
from zhifa.org.todo import NOTICE_DAYS
from zhifa.records import access
from zhifa.records import selectors as record_selectors
from zhifa.records.models import AccessRequest

from . import selectors, services

OVERVIEW_ROLES = (Role.SUPERVISOR, Role.AGENCY_HEAD, Role.LEGAL_HEAD, Role.REVIEW_HEAD, Role.HANDLING_HEAD,
                  Role.ORG_ADMIN)
AGENCY_HEADS = (Role.AGENCY_HEAD, Role.LEGAL_HEAD, Role.REVIEW_HEAD, Role.HANDLING_HEAD)


def home(request):
    """Each person's home page: what waits for them first, then their roles, certificates and the overviews."""
    user = request.user
    today = timezone.localdate()
    items = selectors.todo_for(user, on=today)
    services.notifications_sync(user=user, items=items)  # the bell is right at once, not at the next run
    # Only the link: the overdue list reads the whole oversight scope (a region's cases), so it is computed on its
    # own page, never on every load of the home page.
    ctx = {"items": items, "may_see_overdue": selectors.may_see_overdue(user), "today": today,
           **_overview(user, today)}
    return render(request, "worklist/home.html", ctx)


def _overview(user, today) -> dict:
    """What the home page showed before the to-do list (roles, certificates, the registry's overviews)."""
    role = org_perms.primary_role(user)
    ctx = {"role": role}
    person = getattr(user, "person", None)  # RelatedObjectDoesNotExist is an AttributeError
    ctx["person"] = person
    # Greeted by name as the header names the user: the person's name, else the account's (core.names).
    ctx["greeting"] = display_name(user)
    if person is not None:
        ctx["my_certificates"] = org_selectors.certificate_list(person)
        ctx["my_agency"] = person.agency
    if org_perms.can(user, "org.view"):
        agencies = org_selectors.agency_list_for(actor=user)
        ctx["agency_count"] = agencies.count()
        ctx["pending_count"] = agencies.filter(status=AgencyStatus.PENDING).count()
        ctx["expiring"] = list(org_selectors.certificates_expiring_for(actor=user, within_days=NOTICE_DAYS)[:10])
        if role in (Role.SUPERVISOR, None) or user.is_superuser:
            shortfall = org_selectors.reviewer_shortfall_for(actor=user)
            ctx["ratio_shortfall"] = shortfall[:10]
            ctx["ratio_shortfall_count"] = len(shortfall)
            ctx["pending"] = list(agencies.filter(status=AgencyStatus.PENDING)[:10])
        if person is not None and role in AGENCY_HEADS:
            ctx["ratio"] = org_selectors.reviewer_ratio(person.agency)
        ctx["show_overview"] = user.is_superuser or role in OVERVIEW_ROLES
        ctx["grants"] = list(RoleGrant.objects.filter(user=user, revoked_at__isnull=True)
                             .select_related("agency", "jurisdiction"))
    return ctx


def overdue(request):
    """The overdue work of the agencies the user oversees, with its deadline and who must act."""
    user = request.user
    if not selectors.may_see_overdue(user):
        org_perms.deny(user, selectors.OVERDUE_PERMISSION, request=request)
    today = timezone.localdate()
    return render(request, "worklist/overdue.html", {"items": selectors.overdue_for(user, on=today), "today": today})


def notifications(request):
    page = keyset_page(request, selectors.notification_list_for(actor=request.user), 50)
    return render(request, "worklist/notifications.html", {"notifications": page, "page": page,
                                                           "query": query_without_cursor(request)})


def notification_open(request, pk):
    """Opening a notification marks it read and goes to the page where the work is done."""
    try:
        found = selectors.notification_get_for(actor=request.user, id=pk, request=request)
    except NotFoundError:
        raise Http404 from None
    services.notification_open(notification=found, actor=request.user)
    if not url_has_allowed_host_and_scheme(found.url, allowed_hosts={request.get_host()}):
        return redirect("worklist-notifications")
    return redirect(found.url)


def _access_request_or_404(request, pk) -> AccessRequest:
    found = AccessRequest.objects.filter(pk=pk).select_related("case__agency__jurisdiction").first()
    if found is None or not org_perms.can(request.user, "records.decide_access", agency=found.case.agency):
        if found is not None:
            org_perms.deny(request.user, "records.decide_access", request=request, detail=f"access request {pk}",
                           not_found=True)
        raise Http404
    return found


def access_request(request, pk):
    """A request to inspect or copy a case's records, decided by the head (REC-14; AZ-R §18): the records that
    may be shown are the case's current documents and its recordings; the decision goes to records.access."""
    item = _access_request_or_404(request, pk)
    case = item.case
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        shown = [{"type": kind, "id": int(pk)} for kind, pk in
                 (value.partition(":")[::2] for value in request.POST.getlist("shown")) if pk.isdigit()]
        try:
            access.access_request_decide(request=item, approve=approve, reason=request.POST.get("reason", ""),
                                         shown=shown, actor=request.user)
            messages.success(request, "已批准该申请，并登记了提供的记录。" if approve else "已决定不予提供，并登记了理由。")
            return redirect("home")
        except ZhifaError as exc:
            messages.error(request, refusal_message(exc))
    return render(request, "worklist/access_request.html", {
        "item": item, "case": case, "documents": case_selectors.current_documents(case),
        "recordings": list(record_selectors.recordings_for(case)),
    })


