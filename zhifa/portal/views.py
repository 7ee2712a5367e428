"""The public portal (PUB-02, PUB-03, PUB-13): no login, per jurisdiction — a county's portal shows its own
agencies, a city's covers its counties, the region's covers all (IM-M §7). Views and templates only: every
read is a publicity (or org) selector that returns published items, never drafts or originals."""

import hashlib
import json

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from zhifa.cases.flowchart import case_flowchart_svg, case_steps
from zhifa.cases.models import Procedure
from zhifa.core import files, generations
from zhifa.core.bounds import parse_date, parse_id, parse_int
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.net import client_ip, safe_next
from zhifa.core.paginator import CappedPaginator
from zhifa.ledger import proofs
from zhifa.ledger.selectors import latest_checkpoint
from zhifa.org.models import ActionType, Agency, AgencyStatus, Certificate
from zhifa.org.selectors import today as local_today
from zhifa.org.selectors import valid_certificate_q
from zhifa.publicity import selectors, services
from zhifa.publicity.attachments import ACCEPTED_LABEL
from zhifa.publicity.errors import PublicityErrorCode
from zhifa.publicity.workflow import COLUMNS, REQUEST_NEEDS_ITEM, Kind, RequestKind, State
from zhifa.review.workflow import REVIEWED_ACTION_TYPES

from . import page_cache

PAGE = 20
# Results counted at most (50 pages); see core/paginator.py and docs/publicity.md for the measurements.
COUNT_CAP = 1000
# The search box's own example (its placeholder): words of a demo decision, so trying the example finds something
# (issue 18 §5; tests/… test_placeholder_example_finds_a_demo_decision holds it to that).
SEARCH_EXAMPLE = "明码标价"
# The lookup box: a certificate number, a case number (案号) or a decision number (文号), matched exactly.
LOOKUP_EXAMPLE = "2026-00004"


def _date(value: str):
    return parse_date(value)


def _filters(request) -> dict:
    g = request.GET
    agency = g.get("agency", "")
    return {"query": g.get("q", "").strip(), "agency_id": parse_id(agency),
            "action_type": g.get("type", "") if g.get("type", "") in ActionType.values else "",
            "kind": g.get("kind", "") if g.get("kind", "") in Kind.values else "",
            "date_from": _date(g.get("from", "")), "date_to": _date(g.get("to", ""))}


def _ctx(request, jurisdiction, **extra) -> dict:
    return {"j": jurisdiction, "large": request.COOKIES.get("zhifa_large") == "1", **extra}


@login_not_required
def home(request, code=None):
    j = selectors.portal_jurisdiction(code)
    page_cache.depends_on(request, generations.jurisdiction_name(j.pk))  # before the items are read
    items = selectors.with_summaries(selectors.portal_items(j)[:10])
    return render(request, "portal/home.html", _ctx(request, j, items=items, children=j.children.all(),
                                                    kinds=Kind.choices, example=SEARCH_EXAMPLE,
                                                    lookup_example=LOOKUP_EXAMPLE))


@login_not_required
def search(request, code):
    j = selectors.portal_jurisdiction(code)
    page_cache.depends_on(request, generations.jurisdiction_name(j.pk))
    f = _filters(request)
    error = ""
    try:
        page = selectors.portal_search(j, per_page=PAGE, cap=COUNT_CAP, **f).get_page(request.GET.get("page"))
        page.object_list = selectors.with_summaries(page.object_list)
    except ZhifaError as exc:
        error, page = exc.message, None
    agencies = selectors.portal_agencies(j).select_related(None).only("id", "name")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portal/search.html", _ctx(request, j, page=page, f=f, error=error, agencies=agencies,
                                                      types=ActionType.choices, kinds=Kind.choices,
                                                      querystring=query.urlencode(), example=SEARCH_EXAMPLE,
                                                      lookup_example=LOOKUP_EXAMPLE))


# What the lookup box accepts: certificate, case and decision numbers are short; anything longer is refused before
# a query, and the number is only ever compared for equality (no LIKE, no pattern), so % _ * match themselves.
LOOKUP_MAX = selectors.LOOKUP_MAX


@login_not_required
def lookup(request, code):
    """The lookup box (issue 18 §5): an officer's certificate (the officer's public information, valid or not) or a
    decision by its case number or 文号, matched exactly. Rate-limited as the search is: by the proxy's per-address
    limit on every request (deploy/nginx/zhifa.conf, zone zhifa_req), and bounded here."""
    j = selectors.portal_jurisdiction(code)
    number = request.GET.get("number", "").strip()
    cert, decisions, error, status = None, [], "", 200
    if not number:
        error, status = "请输入执法证号、案号或决定书文号。", 400
    elif len(number) > LOOKUP_MAX or any(ord(c) < 0x20 for c in number):
        error, status = f"编号不超过 {LOOKUP_MAX} 个字符，请核对后重新输入。", 400
    else:
        # As typed: 【2026】, [2026], （２０２６） and spaces find the 〔2026〕 of a 文号 (selectors.normalise_number).
        numbers = selectors.lookup_candidates(number)
        cert = (Certificate.objects.select_related("person__agency", "area").filter(number__in=numbers)
                .order_by("id").first())
        decisions = selectors.portal_decisions_by_number(j, number)
        if cert is None and not decisions:
            error, status = f"没有编号为“{number}”的执法证件或已公开的执法决定。请核对编号（须完整、准确）。", 404
    today = local_today()
    return render(request, "portal/lookup.html", _ctx(
        request, j, number=number if status != 400 else "", cert=cert, today=today,
        valid=bool(cert and cert.in_force_on(today)), suspended=bool(cert and cert.suspension_on(today)), decisions=selectors.with_summaries(decisions), error=error,
        lookup_example=LOOKUP_EXAMPLE), status=status)


def _entry_for_browser(pub):
    """The publication's log entry when the browser can check it (issue 18 §5), else None: a publication logged before
    issue 18 names its approver in the entry's header ("user:<id> <login>"), which the public does not get, so its
    leaf cannot be recomputed in the browser (docs/ledger.md)."""
    entry = pub.published_entry
    return entry if entry is not None and entry.actor == "system" else None


@login_not_required
def item_proof(request, pk):
    """The publication's log entry header (its leaf input), its audit path to the latest signed checkpoint and that
    checkpoint's signed note, for clients other than the page's "核验" (which computes the path from the static tiles,
    static/js/verify.js), and for a page rendered before the sequencer gave the entry its seq. No payload: the header
    names the entry's kind, subject, time and payload digest. The proof is computed once per checkpoint and then
    served from the cache (ledger.proofs): a bounded number of queries, O(log256 n) for the checkpoint."""
    pub = selectors.portal_item(pk)
    if pub.state != State.PUBLISHED:
        raise NotFoundError("该信息已不在公示中，没有可核验的证明。")
    entry = pub.published_entry
    served, cp = proofs.inclusion_to_latest(entry.seq if entry else None)
    if served is None:
        raise NotFoundError("发布记录已写入日志，等待下一个签名检查点后可核验。")
    if _entry_for_browser(pub) is None:
        raise NotFoundError("该发布记录早于在线核验功能，不能在浏览器中核验；可向发布机关索取该记录的包含证明离线核验。")
    proof = served.proof
    body = {"publication": pub.pk, "seq": proof.seq, "tree_size": proof.tree_size, "entry": proofs.entry_header(entry),
            "leaf_hash": proofs.b64(proof.leaf_hash), "path": [proofs.b64(h) for h in proof.path],
            "root": proofs.b64(proof.root), "checkpoint": cp.note}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@login_not_required
def item(request, pk):
    """A public item. Its queries do not grow with the log (issue 19): the page names the publication's log entry —
    its seq once sequenced and the header its leaf hash commits to — and the browser's "核验" fetches the signed
    checkpoint and the tiles from /ledger/ and computes the inclusion proof itself (static/js/verify.js). Nothing here
    depends on the latest checkpoint, so the page stays valid until the item itself changes."""
    pub = selectors.portal_item(pk)
    j = pub.agency.jurisdiction
    entry = _entry_for_browser(pub) if pub.state == State.PUBLISHED else None
    columns = COLUMNS.get(pub.kind, ())
    table = [[row.get(c.code, "") for c in columns] for row in pub.rows]
    versions = selectors.portal_versions(pub)
    doc_number = (selectors.decision_numbers([pub.decision_document_id]).get(pub.decision_document_id, "")
                  if pub.kind == Kind.DECISION else "")
    # One indexed lookup (storage.seq_of); None while the sequencer has not reached the entry: the browser then asks
    # proof.json for it.
    seq = entry.seq if entry is not None else None
    return render(request, "portal/item.html", _ctx(
        request, j, pub=pub, title=selectors.public_title(pub, doc_number), doc_number=doc_number,
        case_number=pub.case.number if pub.case_id else "", columns=columns, table=table,
        versions=versions, number=selectors.public_number(pub, versions),
        newer=selectors.newer_public_version(pub, versions),
        entry=proofs.entry_header(entry) if entry is not None else None, seq=seq,
        leaf_hash=proofs.leaf_hash_b64(entry) if entry is not None else "",
        keys=proofs.page_keys() if entry is not None else [],
        old_entry=pub.state == State.PUBLISHED and entry is None and pub.published_entry_id is not None,
        public_sha256=hashlib.sha256(pub.public_text.encode()).hexdigest() if pub.state == State.PUBLISHED else ""))


@login_not_required
def organisation(request, code, credit_code):
    j = selectors.portal_jurisdiction(code)
    pubs = selectors.portal_organisation(j, credit_code)
    page = CappedPaginator(pubs, PAGE, cap=COUNT_CAP).get_page(request.GET.get("page"))
    page.object_list = selectors.with_summaries(page.object_list)  # named by their 文号, one query for the page
    if not page.object_list:
        raise NotFoundError("没有该组织的公示信息。")
    # The name as a public text shows it (never the unmasked column: the approver may have masked it).
    name = next((n for n in map(selectors.public_party_name, page.object_list) if n), "")
    return render(request, "portal/organisation.html", _ctx(request, j, page=page, credit_code=credit_code,
                                                            name=name or selectors.LEGAL_PERSON_UNNAMED))


@login_not_required
def agencies(request, code):
    j = selectors.portal_jurisdiction(code)
    return render(request, "portal/agencies.html", _ctx(request, j, agencies=selectors.portal_agencies(j)))


@login_not_required
def agency(request, pk):
    a = Agency.objects.select_related("jurisdiction").filter(pk=pk, status=AgencyStatus.CONFIRMED).first()
    if a is None:
        raise NotFoundError("没有该执法主体。")
    today = local_today()
    certificates = (Certificate.objects.filter(valid_certificate_q(today), person__agency=a, person__active=True)
                    .select_related("person__unit", "area").order_by("person__name", "number"))
    lists = selectors.portal_items(a.jurisdiction, agency_id=a.pk).exclude(kind=Kind.DECISION)
    types = [ActionType(t).label for t in a.enforcement_types if t in ActionType.values]
    return render(request, "portal/agency.html", _ctx(request, a.jurisdiction, agency=a, certificates=certificates,
                                                      units=a.units.all(), lists=lists, types=types))


@login_not_required
def certificate(request, number):
    """What a QR code on a certificate opens: whether it is genuine and valid today (ORG-03)."""
    cert = Certificate.objects.select_related("person__agency", "area").filter(number=number).first()
    today = local_today()
    return render(request, "portal/certificate.html", {"cert": cert, "number": number, "today": today,
                                                       "valid": bool(cert and cert.in_force_on(today)),
                                                       "suspended": bool(cert and cert.suspension_on(today)),
                                                       "large": request.COOKIES.get("zhifa_large") == "1"},
                  status=200 if cert else 404)


@login_not_required
def certificate_qr(request, number):
    url = request.build_absolute_uri(reverse("portal-certificate", args=[number]))
    svg = segno.make(url, error="m").svg_inline(scale=4, title=f"执法证 {number} 核验")
    return files.file_response(request, svg.encode(), filename="certificate-qr.svg", content_type="image/svg+xml",
                               generated=True, cache="public, max-age=3600")


@login_not_required
def reports(request, code):
    j = selectors.portal_jurisdiction(code)
    page_cache.depends_on(request, generations.jurisdiction_name(j.pk))  # report_publish bumps it
    reports = [(r, [(label, r.figures.get(key, 0)) for key, label in selectors.FIGURES.items()])
               for r in selectors.portal_reports(j)]
    return render(request, "portal/reports.html", _ctx(request, j, reports=reports))


def _charts() -> list[tuple[str, str, str]]:
    """(action type, procedure, label) of every case flowchart: the simplified procedure is a penalty's only."""
    out = []
    for code, label in ActionType.choices:
        if code == ActionType.PENALTY:
            out.append((code, Procedure.SIMPLIFIED, f"{label}（简易程序）"))
            out.append((code, Procedure.ORDINARY, f"{label}（普通程序）"))
        else:
            out.append((code, Procedure.ORDINARY, label))
    return out


@login_not_required
def flowcharts(request, code):
    """执法流程图 (PUB-02): the case flow of each category and, where legal review applies, its review flow —
    both drawn from the transition tables the system enforces, with the steps also as text."""
    j = selectors.portal_jurisdiction(code)
    charts = [{"action_type": a, "procedure": p, "label": label, "steps": case_steps(a, p),
               "review": a in REVIEWED_ACTION_TYPES and p == Procedure.ORDINARY} for a, p, label in _charts()]
    return render(request, "portal/flowcharts.html", _ctx(request, j, charts=charts))


@login_not_required
def case_flowchart(request, code, action_type, procedure):
    j = selectors.portal_jurisdiction(code)
    label = dict(ActionType.choices).get(action_type)
    if label is None or (action_type, procedure) not in {(a, p) for a, p, _ in _charts()}:
        raise NotFoundError("没有该流程图。")
    svg = case_flowchart_svg(title=f"{j.name} · {label}执法流程图", action_type=action_type, procedure=procedure)
    return files.file_response(request, svg.encode(), filename=f"flowchart-{action_type}-{procedure}.svg",
                               content_type="image/svg+xml", generated=True, cache="public, max-age=3600")


def _feed_items(request, code):
    j = selectors.portal_jurisdiction(code)
    page_cache.depends_on(request, generations.jurisdiction_name(j.pk))
    return j, selectors.with_summaries(selectors.portal_items(j, **_filters(request))[:50])  # titles by 文号


@login_not_required
def feed_json(request, code):
    j, items = _feed_items(request, code)
    return JsonResponse({"version": "https://jsonfeed.org/version/1.1", "title": f"{j.name}行政执法公示",
                         "home_page_url": request.build_absolute_uri(reverse("portal-home", args=[j.code])),
                         "items": [{"id": str(p.pk), "url": request.build_absolute_uri(reverse("portal-item", args=[p.pk])),
                                    "title": p.display_title, "date_published": p.published_at.isoformat(),
                                    "tags": [p.get_kind_display(), p.get_action_type_display()],
                                    "authors": [{"name": p.agency.name}]} for p in items]},
                        json_dumps_params={"ensure_ascii": False})


@login_not_required
def feed_atom(request, code):
    j, items = _feed_items(request, code)
    feed = Atom1Feed(title=f"{j.name}行政执法公示", link=request.build_absolute_uri(reverse("portal-home", args=[j.code])),
                     description="行政执法决定与基本信息", language="zh-hans")
    for p in items:
        feed.add_item(title=p.display_title, link=request.build_absolute_uri(reverse("portal-item", args=[p.pk])),
                      description=f"{p.agency.name} · {p.get_kind_display()}", pubdate=p.published_at,
                      unique_id=f"zhifa:publication:{p.pk}", author_name=p.agency.name)
    return HttpResponse(feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8")


# Room for the form's text fields beside the attachments: a body larger than the attachment total plus this is
# refused before it is read (issue 14 §2).
FIELDS_ROOM = 1024 * 1024


def _request_limits() -> dict:
    return {"files": settings.ZHIFA_PUBLIC_ATTACHMENTS_MAX,
            "each_mb": settings.ZHIFA_PUBLIC_ATTACHMENT_MAX_BYTES / 1024 / 1024,
            "total_mb": settings.ZHIFA_PUBLIC_ATTACHMENTS_TOTAL_BYTES / 1024 / 1024,
            "types": ACCEPTED_LABEL}


def _request_page(request, *, publication, agencies, form, error="", done=None, status=200, retry_after=None):
    # A correction names the published item it concerns: offered from that item's page (申请更正), where the form
    # carries it; the general form offers only what it can submit, and says where corrections are made.
    kinds = [(v, label) for v, label in RequestKind.choices if publication is not None or v not in REQUEST_NEEDS_ITEM]
    response = render(request, "portal/request_new.html", {
        "publication": publication, "agencies": agencies, "kinds": kinds, "error": error,
        "done": done, "form": form, "limits": _request_limits(), "large": request.COOKIES.get("zhifa_large") == "1"},
        status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# CSRF is checked by _request_form (csrf_protect), once the body's declared size is within bounds: Django's
# documented way to act before CsrfViewMiddleware reads (and spools to disk) the whole body.
@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def request_new(request):
    """The public form for corrections, complaints and disclosure requests (AZ-P §16, §18, §19). Anonymous, so
    bounded (issue 14 §2): a body beyond the attachment limits is refused before it is read."""
    declared = parse_int(request.META.get("CONTENT_LENGTH"), low=0, high=2**63 - 1, default=0)
    if request.method == "POST" and declared > settings.ZHIFA_PUBLIC_ATTACHMENTS_TOTAL_BYTES + FIELDS_ROOM:
        limits = _request_limits()
        item = parse_id(request.GET.get("item"))  # the query string is known without reading the body
        return _request_page(request, publication=selectors.portal_item(item) if item else None,
                             agencies=_request_agencies(), form={}, status=413,
                             error=f"提交的内容过大（证明材料合计不超过 {limits['total_mb']:g} MB），未被接收，"
                                   "请删减或压缩文件后重新填写提交。")
    return _request_form(request)


def _request_agencies():
    return Agency.objects.filter(status=AgencyStatus.CONFIRMED).only("id", "name").order_by("name")


@csrf_protect
def _request_form(request):
    publication = None
    pub_id = request.GET.get("item") or request.POST.get("item")
    if parse_id(pub_id):
        publication = selectors.portal_item(parse_id(pub_id))
    agencies = _request_agencies()
    if request.method != "POST":
        return _request_page(request, publication=publication, agencies=agencies, form={})
    p = request.POST
    agency = publication.agency if publication else agencies.filter(pk=parse_id(p.get("agency"))).first()
    try:
        if agency is None:
            raise ZhifaError(PublicityErrorCode.REQUEST_INVALID, "请选择受理机关。")
        req, code = services.request_submit(kind=p.get("kind", ""), agency=agency, publication=publication,
                                            requester_name=p.get("name", ""), requester_contact=p.get("contact", ""),
                                            content=p.get("content", ""), files=request.FILES.getlist("evidence"),
                                            client_address=client_ip(request))
    except ZhifaError as exc:
        # What the person typed stays in the form; files cannot be put back into a file input by a page.
        retry = exc.details.get("retry_after") if exc.status == 429 and isinstance(exc.details, dict) else None
        return _request_page(request, publication=publication, agencies=agencies, form=p, error=exc.message,
                             status=exc.status, retry_after=retry)
    return _request_page(request, publication=publication, agencies=agencies, form={},
                         done={"reference": req.reference, "code": code, "due_on": req.due_on})


@login_not_required
@require_http_methods(["GET", "POST"])
def request_status(request):
    """PUB-14: the requester follows the request by its reference and query code. The code is a secret, so it is
    sent by POST (not kept in the browser's history, the access logs or a proxy's); a GET only shows the form,
    with the reference filled in when the confirmation page links here."""
    ref = (request.POST if request.method == "POST" else request.GET).get("reference", "").strip()
    code = request.POST.get("code", "").strip() if request.method == "POST" else ""
    req, error, status = None, "", 200
    if request.method == "POST" and not (ref and code):
        error, status = "请填写受理编号和查询码。", 400
    elif request.method == "POST":
        try:
            req = services.request_status_lookup(reference=ref, code=code, client_address=client_ip(request))
        except ZhifaError as exc:  # a wrong pair (404) or too many wrong pairs from this address (429)
            error, status = exc.message, exc.status
    steps = req.steps.order_by("at", "id") if req else []
    return render(request, "portal/request_status.html", {"req": req, "steps": steps, "error": error,
                                                          "reference": ref,
                                                          "large": request.COOKIES.get("zhifa_large") == "1"},
                  status=status)


@login_not_required
def large_text(request):
    """适老化: a larger type size and spacing, kept in a cookie; the page the reader came from follows."""
    on = request.GET.get("on") == "1"
    back = request.GET.get("next", "/portal/")
    # `/\evil.example` starts with one slash and browsers still read it as another host: core.net.safe_next knows.
    response = redirect(back if safe_next(request, back) and back.startswith("/") else "/portal/")
    response.set_cookie("zhifa_large", "1" if on else "0", max_age=365 * 86400, samesite="Lax")
    return response


@login_not_required
def checkpoint_json(request):
    cp = latest_checkpoint()
    if cp is None:
        raise NotFoundError("尚未生成签名检查点。")
    return HttpResponse(json.dumps({"size": cp.size, "note": cp.note}, ensure_ascii=False),
                        content_type="application/json")
