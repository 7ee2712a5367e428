"""Staff pages of publicity: the queue and overdue list, the workspace of one item (masks, review,
publication, exemption, withdrawal), lists of basic information with Excel import, requests from the public
and the annual report. Thin: every write is a service (habit 1)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core import files
from zhifa.core import workflow as wf
from zhifa.core.bounds import parse_id, parse_int
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import ZhifaError
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency
from zhifa.rules.catalogue import MASK_KINDS

from . import attachments, forms, selectors, services
from .errors import PublicityErrorCode
from .forms import ITEM_ACTIONS
from .models import Publication
from .workflow import (
    COLUMNS,
    EDITABLE,
    LIST_KIND_CHOICES,
    LIST_KINDS,
    MOVES,
    REQUEST_MOVES,
    REQUEST_OPEN,
    AttachmentDecision,
    Exception_,
    ExemptionGround,
    Kind,
    MaskLift,
    MaskRemovalState,
    Mode,
    State,
    Trigger,
    UpdateReason,
    mask_lift,
    request_moves,
)

# Issue 19 §2: a page of each staff list (as many rows as the page showed before, 200); further pages by cursor.
LIST_PAGE = 200


def case_panel(request, case) -> str:
    """The publicity section of the case page: where the decision's publication stands."""
    pubs = list(Publication.objects.filter(case=case).order_by("-version", "-id")[:5])
    if not pubs:
        return ""
    return render_to_string("publicity/_case_panel.html", {"case": case, "pubs": pubs,
                                                           "state_labels": dict(State.choices)}, request=request)


def queue(request):
    if org_perms.scope_for(request.user, "publicity.view").empty:
        org_perms.deny(request.user, "publicity.view", request=request)
    # Issue 19 §2: keyset pages (core.paginator), one cursor per list; the template's loops read the pages.
    items = keyset_page(request, selectors.queue_for(actor=request.user), LIST_PAGE)
    overdue = keyset_page(request, selectors.overdue_for(actor=request.user), LIST_PAGE, param="overdue_cursor")
    return render(request, "publicity/queue.html", {
        "items": items, "overdue": overdue, "today": timezone.localdate(),
        "query": query_without_cursor(request), "overdue_query": query_without_cursor(request, "overdue_cursor")})


def item(request, pk):
    pub = selectors.publication_get_for(actor=request.user, id=pk, request=request)
    allowed = {m.name for m in wf.available_moves(services.PUBLICATION, pub, request.user)}  # the table's buttons
    may = forms.allowed_actions(request.user, pub)  # every form's permission for this agency (tryout 18 §11)
    can = {a: a in allowed and may.get(a, True) for a in MOVES}
    masks = list(selectors.masks_of(pub))
    minor = pub.minor_party or services.minor_findings(pub)
    for m in masks:
        m.text = pub.original_text[m.start:m.end]
        m.label = MASK_KINDS.get(m.kind, "其他")
        m.lift = MaskLift.NEVER if minor else mask_lift(m.kind)
        m.pending = next((r for r in m.removal_requests.all() if r.state == MaskRemovalState.PENDING), None)
    see_original = selectors.may_see_original(request.user, pub)
    # A version replaced before it was published never got a public text: its page shows what it would have shown.
    preview = services.public_text(pub) if pub.state in EDITABLE or not pub.public_text else pub.public_text
    newer = Publication.objects.filter(supersedes=pub).only("id", "version", "state").first()
    return render(request, "publicity/item.html", {
        "pub": pub, "can": can, "masks": masks, "see_original": see_original, "preview": preview, "newer": newer,
        "steps": selectors.timeline(pub), "mask_kinds": MASK_KINDS, "grounds": ExemptionGround.choices,
        "exceptions": Exception_.choices, "triggers": Trigger.choices, "modes": Mode.choices,
        "editable": pub.state in EDITABLE, "lift": MaskLift, "may": may,
        "acts": any(can[a] for a in MOVES if a != "supersede")})  # no empty "办理" heading


@require_POST
def act(request, pk, action):
    """One action on an item: its form (forms.ITEM_ACTIONS) reads the input, its service decides."""
    pub = selectors.publication_get_for(actor=request.user, id=pk, request=request)
    form_class = ITEM_ACTIONS.get(action)
    if form_class is None:
        messages.error(request, "未知的操作。")
        return redirect("publicity-item", pk=pub.pk)
    form = form_class(request.POST, publication=pub)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect("publicity-item", pk=pub.pk)
    try:
        result = form.perform(actor=request.user)
        messages.success(request, form.done(result))
        return redirect("publicity-item", pk=form.redirect_pk(result))
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("publicity-item", pk=pub.pk)


def lists(request):
    """Basic information lists: the agency's versions, and a new version from an Excel sheet (PUB-02, PUB-08)."""
    agencies = Agency.objects.filter(org_perms.scope_for(request.user, "publicity.edit").agency_q()).order_by("name")
    items = keyset_page(request, selectors.publication_list_for(actor=request.user).exclude(kind=Kind.DECISION)
                        .order_by("-id"), LIST_PAGE)
    error = ""
    if request.method == "POST":
        p = request.POST
        agency = agencies.filter(pk=parse_id(p.get("agency"))).first()
        upload = request.FILES.get("sheet")
        try:
            if agency is None or upload is None:
                raise ZhifaError(PublicityErrorCode.IMPORT_INVALID, "请选择执法主体并上传 Excel 文件。")
            supersedes = selectors.publication_list_for(actor=request.user).filter(
                pk=parse_id(p.get("supersedes"))).first() if p.get("supersedes") else None
            rows = services.list_read_xlsx(kind=p.get("kind", ""), content=upload.read())
            pub = services.list_collect(agency=agency, kind=p.get("kind", ""), title=p.get("title", ""), rows=rows,
                                        actor=request.user, supersedes=supersedes,
                                        update_reason=p.get("reason", "") if supersedes else "")
            messages.success(request, f"已导入 {len(rows)} 条，请提交审核。")
            return redirect("publicity-item", pk=pub.pk)
        except ZhifaError as exc:
            error = refusal_message(exc)
    return render(request, "publicity/lists.html", {"agencies": agencies, "items": items, "kinds": LIST_KIND_CHOICES,
                                                    "reasons": UpdateReason.choices, "error": error,
                                                    "query": query_without_cursor(request)},
                  status=400 if error else 200)


# Rows a form holds: Django refuses more than 1 000 fields a request (DATA_UPLOAD_MAX_NUMBER_FIELDS) and a
# list has up to 10 columns. Longer lists are kept in Excel and imported.
MAX_ROWS = 90


def list_entry(request):
    """Enter a list by hand (PUB-02): the columns of the chosen kind, blank rows to fill, and for a new
    version of a published list its current rows to change — the old version stays as history."""
    agencies = Agency.objects.filter(org_perms.scope_for(request.user, "publicity.edit").agency_q()).order_by("name")
    if not agencies.exists():
        org_perms.deny(request.user, "publicity.edit", request=request)
    src = request.POST if request.method == "POST" else request.GET
    supersedes = None
    if parse_id(src.get("supersedes")):
        supersedes = selectors.publication_get_for(actor=request.user, id=parse_id(src["supersedes"]), request=request)
    kind = supersedes.kind if supersedes else src.get("kind", "")
    if kind not in LIST_KINDS:
        kind = LIST_KINDS[0]
    columns = COLUMNS[kind]
    error = ""
    if supersedes and len(supersedes.rows) > MAX_ROWS - 10:
        messages.error(request, f"该清单有 {len(supersedes.rows)} 条，请在 Excel 中修改后导入新版本。")
        return redirect("publicity-lists")
    if request.method == "POST":
        count = min(parse_int(src.get("rows"), low=0, high=10**9, default=0), MAX_ROWS)
        rows = []
        for i in range(count):
            row = {c.code: src.get(f"r{i}_{c.code}", "").strip() for c in columns}
            if any(row.values()):
                rows.append(row)
        agency = supersedes.agency if supersedes else agencies.filter(pk=parse_id(src.get("agency"))).first()
        if "add_rows" not in src:  # "more rows" shows what was typed with blank rows below; nothing is saved
            try:
                if agency is None:
                    raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "请选择执法主体。")
                pub = services.list_collect(agency=agency, kind=kind, title=src.get("title", ""), rows=rows,
                                            actor=request.user, supersedes=supersedes,
                                            update_reason=src.get("reason", "") if supersedes else "")
                messages.success(request, f"已采集 {len(rows)} 条，请提交审核。")
                return redirect("publicity-item", pk=pub.pk)
            except ZhifaError as exc:
                error = refusal_message(exc)
        values = [[src.get(f"r{i}_{c.code}", "") for c in columns] for i in range(count)]
    else:
        values = [[row.get(c.code, "") for c in columns] for row in (supersedes.rows if supersedes else [])]
    extra = 5 if request.method == "GET" else (10 if "add_rows" in src else 0)
    values = (values + [[""] * len(columns) for _ in range(extra)])[:MAX_ROWS]
    table = [[(f"r{i}_{c.code}", c, v) for c, v in zip(columns, row, strict=True)] for i, row in enumerate(values)]
    return render(request, "publicity/list_entry.html", {
        "agencies": agencies, "kinds": LIST_KIND_CHOICES, "kind": kind, "columns": columns,
        "table": table, "rows": len(table), "supersedes": supersedes, "reasons": UpdateReason.choices,
        "title": src.get("title", supersedes.title if supersedes else ""), "error": error,
        "agency_id": parse_id(src.get("agency"))},
        status=400 if error else 200)


def requests_page(request):
    reqs = keyset_page(request, selectors.request_list_for(actor=request.user), LIST_PAGE)
    return render(request, "publicity/requests.html", {"reqs": reqs, "open_states": ("received", "verifying"),
                                                       "query": query_without_cursor(request)})


def request_item(request, pk):
    req = selectors.request_get_for(actor=request.user, id=pk, request=request)
    if request.method == "POST":
        form = forms.RequestActForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.first_error())
            return redirect("publicity-request", pk=req.pk)
        d = form.cleaned_data
        try:
            services.request_act(request=req, actor=request.user, action=d["action"], note=d["note"],
                                 forward_to=d["forward_to"])
            messages.success(request, REQUEST_MOVES[d["action"]].extra["done"])  # the service refused any other
        except ZhifaError as exc:
            messages.error(request, refusal_message(exc))
        return redirect("publicity-request", pk=req.pk)
    return render(request, "publicity/request.html", {
        "req": req, "steps": req.steps.select_related("actor__person"),
        "evidence": req.evidence.select_related("blob").filter(attachment__isnull=True),
        "attachments": selectors.request_attachments(req), "decisions_open": req.state in REQUEST_OPEN,
        "agencies": Agency.objects.exclude(pk=req.agency_id).only("id", "name").order_by("name"),
        "moves": request_moves(req.kind, req.state)})  # only what this kind of request, in this state, allows


def request_attachment(request, pk, attachment_pk):
    """A file sent with a public request, for the staff who handle it (issue 14 §2): always a download, typed
    from its bytes, with nosniff and a sandboxing CSP (core.files), never shown in the tab — it is untrusted."""
    attachment = selectors.request_attachment_get_for(actor=request.user, request_id=pk, id=attachment_pk,
                                                      request=request)
    kind = attachments.by_content_type(attachment.content_type)
    return files.file_response(request, selectors.request_attachment_open(attachment), size=attachment.size,
                               filename=attachments.download_name(attachment.name, kind),
                               content_type=attachment.content_type, download=True)


# What the page says once a file is decided (the service refused any other decision).
ATTACHMENT_DECIDED = {AttachmentDecision.ACCEPT: "已存入证据库", AttachmentDecision.REJECT: "已不予接收，隔离文件已删除"}


@require_POST
def request_attachment_decide(request, pk, attachment_pk):
    """Accept one file sent with a public request into the evidence store, or reject it with a reason (issue 14
    §2): the page twin of POST /api/publicity/requests/{id}/attachments/{id}/decide."""
    attachment = selectors.request_attachment_for_decision(actor=request.user, request_id=pk, id=attachment_pk,
                                                           request=request)
    form = forms.AttachmentDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect("publicity-request", pk=pk)
    decision = form.cleaned_data["decision"]
    try:
        services.request_attachment_decide(attachment=attachment, actor=request.user, decision=decision,
                                           reason=form.cleaned_data["reason"])
        messages.success(request, f"文件“{attachment.name}”{ATTACHMENT_DECIDED[decision]}。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("publicity-request", pk=pk)



def reports_page(request):
    agencies = Agency.objects.filter(org_perms.scope_for(request.user, "publicity.report").agency_q()).order_by("name")
    if request.method == "POST":
        form = forms.ReportComputeForm(request.POST, agencies=agencies)
        if not form.is_valid():
            messages.error(request, form.first_error())
        else:
            try:
                report = services.report_compute(agency=form.cleaned_data["agency"], year=form.cleaned_data["year"],
                                                 actor=request.user)  # refuses year 0
                return redirect("publicity-report", pk=report.pk)
            except ZhifaError as exc:
                messages.error(request, refusal_message(exc))
    return render(request, "publicity/reports.html", {"reports": selectors.report_list_for(actor=request.user),
                                                      "agencies": agencies, "year": timezone.localdate().year - 1})


def report_item(request, pk):
    report = selectors.report_get_for(actor=request.user, id=pk, request=request)
    if request.method == "POST":
        form_class = forms.REPORT_ACTIONS.get(request.POST.get("action"))
        form = form_class(request.POST, report=report) if form_class is not None else None
        if form is not None and not form.is_valid():
            messages.error(request, form.first_error())
            return redirect("publicity-report", pk=report.pk)
        try:
            if form is not None:  # the page has always said "已保存" for an action it does not know
                form.perform(actor=request.user)
            messages.success(request, "已保存。")
        except ZhifaError as exc:
            messages.error(request, refusal_message(exc))
        return redirect("publicity-report", pk=report.pk)
    rows = [(k, label, report.computed.get(k, 0), report.figures.get(k, 0), report.adjustments.get(k, ""))
            for k, label in selectors.FIGURES.items()]
    missing = selectors.report_missing(report.agency, report.year) if report.agency.is_justice_bureau else []
    return render(request, "publicity/report.html", {"report": report, "rows": rows, "missing": missing})


def report_xlsx(request, pk):
    from zhifa.core import spreadsheet

    report = selectors.report_get_for(actor=request.user, id=pk, request=request)
    wb = spreadsheet.workbook()
    ws = wb.active
    ws.title = f"{report.year}年度"
    ws.append([f"{report.agency.name} {report.year} 年度行政执法统计年报"])
    ws.append(["统计项", "报送数", "系统统计数", "修改说明"])
    for k, label in selectors.FIGURES.items():
        ws.append([label, report.figures.get(k, 0), report.computed.get(k, 0), report.adjustments.get(k, "")])
    # The reasons are free text: spreadsheet.workbook_bytes keeps "=HYPERLINK(…)" a string (review finding 10).
    return files.file_response(request, spreadsheet.workbook_bytes(wb), filename=f"annual-report-{report.agency_id}-{report.year}.xlsx",
                               content_type=files.XLSX, generated=True)


def report_pdf(request, pk):
    from zhifa.cases.rendering import html_to_pdf

    report = selectors.report_get_for(actor=request.user, id=pk, request=request)
    rows = [(label, report.figures.get(k, 0)) for k, label in selectors.FIGURES.items()]
    html = render_to_string("publicity/report_pdf.html", {"report": report, "rows": rows})
    try:
        pdf = html_to_pdf(html)
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
        return redirect("publicity-report", pk=report.pk)
    return files.file_response(request, pdf, filename=f"annual-report-{report.agency_id}-{report.year}.pdf",
                               content_type="application/pdf", generated=True)
