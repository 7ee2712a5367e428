"""Pages of the discretion benchmarks (SUP-07): staff list, detail, import and export; the public table in force."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from zhifa.core import files
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.paginator import keyset_page
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, AgencyStatus
from zhifa.org.selectors import today as local_today

from . import importing, selectors, services
from .forms import ImportForm
from .models import BenchmarkTable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _manageable(user):
    scope = org_perms.scope_for(user, selectors.MANAGE)
    return Agency.objects.filter(scope.agency_q(), is_justice_bureau=False).select_related("jurisdiction").order_by(
        "jurisdiction__code", "name")


def _table_or_404(request, pk: int) -> BenchmarkTable:
    table = selectors.table_get_for(actor=request.user, pk=pk)
    if table is None:
        if BenchmarkTable.objects.filter(pk=pk).exists():  # outside the scope: the same 404, and the denial logged
            org_perms.deny(request.user, selectors.VIEW, request=request, detail=f"discretion.table:{pk}",
                           not_found=True)
        raise NotFoundError()
    return table


def table_list(request):
    user = request.user
    if not org_perms.can(user, selectors.VIEW):
        org_perms.deny(user, selectors.VIEW, request=request)
    page = keyset_page(request, selectors.table_list_for(actor=user), 50)
    return render(request, "discretion/list.html", {"page": page, "tables": page.object_list,
                                                    "can_import": _manageable(user).exists(),
                                                    "today": local_today()})


def table_detail(request, pk: int):
    table = _table_or_404(request, pk)
    return render(request, "discretion/detail.html", {"table": table, "today": local_today(),
                                                      "in_force": selectors.table_in_force(table.agency_id,
                                                                                           local_today())})


def table_export(request, pk: int):
    table = _table_or_404(request, pk)
    return files.file_response(request, importing.export_workbook(table), content_type=XLSX, generated=True, download=True,
                               filename=f"discretion-{table.agency_id}-v{table.version}.xlsx")


def template_download(request):
    if not org_perms.can(request.user, selectors.VIEW):
        org_perms.deny(request.user, selectors.VIEW, request=request)
    return files.file_response(request, importing.template_workbook(), content_type=XLSX, generated=True, download=True,
                               filename="discretion-template.xlsx")


@require_http_methods(["GET", "POST"])
def table_import(request):
    user = request.user
    own = list(_manageable(user)[:200])
    if not own:
        org_perms.deny(user, selectors.MANAGE, request=request)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, status = [], 200
    if request.method == "POST":
        status = 400  # unless imported (a redirect)
        if form.is_valid():
            d = form.cleaned_data
            try:
                # Another agency's id is a refusal, logged (403), inside the service.
                result = services.table_import(d["file"], agency=d["agency"], effective_from=d["effective_from"],
                                               title=d["title"], document_number=d["document_number"],
                                               note=d["note"], actor=user, request=request)
                if result.ok:
                    messages.success(request, f"已导入{result.table.title}第 {result.table.version} 版，"
                                              f"共 {result.table.items.count()} 个事项。")
                    return redirect("discretion-detail", result.table.pk)
                errors = result.errors
                messages.error(request, f"文件有 {len(errors)} 处错误，未导入任何内容。请改正后重新上传。")
            except ZhifaError as exc:
                if exc.status == 403:
                    raise
                messages.error(request, refusal_message(exc))
        else:
            messages.error(request, form.first_error())
    return render(request, "discretion/import.html", {"form": form, "own": own, "errors": errors,
                                                      "posted": request.POST, "today": local_today()},
                  status=status)


@login_not_required
def public_index(request):
    """The public list of agencies whose benchmark table is in force (no login)."""
    today = local_today()
    return render(request, "discretion/public_index.html", {
        "agencies": selectors.agencies_with_public_tables(today), "today": today, "j": None,
        "large": request.COOKIES.get("zhifa_large") == "1"})


@login_not_required
def public_agency(request, agency_id: int):
    """The agency's benchmark table in force, as published (no login); the portal's agency page links here."""
    agency = Agency.objects.select_related("jurisdiction").filter(pk=agency_id, status=AgencyStatus.CONFIRMED).first()
    if agency is None:
        raise NotFoundError("没有该执法主体。")
    today = local_today()
    return render(request, "discretion/public_agency.html", {
        "agency": agency, "table": selectors.tables_public(agency=agency, on=today), "today": today,
        "j": agency.jurisdiction, "large": request.COOKIES.get("zhifa_large") == "1"})
