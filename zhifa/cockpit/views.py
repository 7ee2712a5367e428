"""The cockpit's pages: a thin door to cockpit.selectors (issue 20 §6; SUP-01)."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from zhifa.core.bounds import parse_id
from zhifa.core.files import file_response
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.core.replica import reads_from_replica
from zhifa.core.spreadsheet import workbook, workbook_bytes

from . import selectors
from .tables import chart_data, level_cards, tables_of, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CASES_EXPORT_CAP = 10_000


def _download(request, data: bytes, name: str):
    """A generated workbook, through the one response for file bytes (type, nosniff, sandbox, download)."""
    return file_response(request, data, filename=f"{name}.xlsx", content_type=XLSX, generated=True, download=True)


def _cases_xlsx(agency, caption: str) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = "cases"
    ws.append([caption])
    ws.append(["案号", "案由", "执法行为类别", "程序", "阶段", "立案时间"])
    for c in selectors.agency_cases(agency=agency)[:CASES_EXPORT_CAP].iterator(chunk_size=2000):
        ws.append([c.number, c.title, c.get_action_type_display(), c.get_procedure_display(), c.get_stage_display(),
                   timezone.localtime(c.opened_at).strftime("%Y-%m-%d %H:%M")])
    return workbook_bytes(wb)


@reads_from_replica  # a read-only page over many agencies: the replica's work when there is one (ADR 0010)
def index(request):
    """The cockpit of the actor's view, of one jurisdiction (?j=<code>) or of one agency (?agency=<id>); any of its
    tables as Excel with ?export=<table>."""
    today = timezone.localdate()
    node = agency = None
    if request.GET.get("agency"):
        agency_id = parse_id(request.GET.get("agency"))
        if agency_id is None:
            raise Http404
        agency = selectors.agency_get_for(actor=request.user, id=agency_id, request=request)
    elif request.GET.get("j"):
        node = selectors.node_get_for(actor=request.user, code=request.GET["j"][:20], request=request)
    else:
        node = selectors.home_node(request.user)
    cockpit = selectors.cockpit_for(actor=request.user, today=today, node=node, agency=agency, request=request)
    base_url = reverse("cockpit")
    tables = tables_of(cockpit, base_url=base_url)
    place = agency.name if agency else (node.name if node else "监督范围")
    wanted = request.GET.get("export")
    if wanted:
        caption = f"{place} · 截至 {today.isoformat()}"
        if wanted == "cases" and agency is not None:
            return _download(request, _cases_xlsx(agency, caption), f"cockpit-cases-{today:%Y%m%d}")
        table = next((t for t in tables if t.name == wanted), None)
        if table is None:
            raise Http404
        return _download(request, xlsx(table, caption=f"{table.title} · {caption}"), f"cockpit-{table.name}-{today:%Y%m%d}")
    page = keyset_page(request, selectors.agency_cases(agency=agency), 30) if agency is not None else None
    here = f"agency={agency.pk}" if agency else (f"j={node.code}" if node else "")
    return render(request, "cockpit/index.html", {
        "cockpit": cockpit, "tables": tables, "level_cards": level_cards(cockpit.total), "charts": chart_data(cockpit), "place": place, "page": page,
        "query": query_without_cursor(request) if page is not None else "",
        "export_base": f"{base_url}?{here}&" if here else f"{base_url}?"})
