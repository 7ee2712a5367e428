"""The public results of random inspections (PUB-13; IM-P: 抽查结果及时向社会公开) on the portal, no login: the published
results of a jurisdiction's subtree, one result, and the feeds. Mounted under /portal/<code>/inspections/.

Only structured facts are published (selectors_results.public_facts): the target's name and code, the agencies, each
item with its outcome label and whether a case was opened, the inspection date and the batch — never the inspectors'
free texts or names. Not in the portal's page cache (zhifa/portal/page_cache.RULES names no route of these): a result
shows the moment it is published, as the campaigns' notices do (zhifa/campaigns/portal_views.py)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.feedgenerator import Atom1Feed

from zhifa.core.bounds import parse_id
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.org.models import Agency
from zhifa.publicity.selectors import portal_jurisdiction

from . import selectors_results as selectors

FEED_SIZE = 50


def _ctx(request, j, **extra) -> dict:
    return {"j": j, "large": request.COOKIES.get("zhifa_large") == "1", **extra}


def _agency_filter(request, j) -> int | None:
    agency_id = parse_id(request.GET.get("agency"))
    if agency_id and not Agency.objects.filter(pk=agency_id, jurisdiction__path__startswith=j.path).exists():
        return -1  # an agency outside the subtree: nothing, not an error
    return agency_id


@login_not_required
def results(request, code):
    j = portal_jurisdiction(code)
    agency_id = _agency_filter(request, j)
    page = keyset_page(request, selectors.portal_results(j, agency_id=agency_id), 20)
    agencies = list(Agency.objects.filter(jurisdiction__path__startswith=j.path).order_by("jurisdiction__path", "name")
                    .values("pk", "name")[:500])
    return render(request, "inspections/portal/results.html", _ctx(
        request, j, page=page, rows=[selectors.public_facts(i) for i in page], agencies=agencies,
        agency_id=agency_id, query=query_without_cursor(request)))


@login_not_required
def result(request, code, pk: int):
    j = portal_jurisdiction(code)
    return render(request, "inspections/portal/result.html",
                  _ctx(request, j, r=selectors.public_facts(selectors.portal_result(j, pk))))


def _draw_url(request, j, draw_id) -> str:
    try:
        return request.build_absolute_uri(reverse("portal-inspection-draw", args=[j.code, draw_id]))
    except NoReverseMatch:  # the draws part's announcement page, where mounted
        return ""


def _feed_rows(request, code):
    j = portal_jurisdiction(code)
    agency_id = _agency_filter(request, j)
    return j, [selectors.public_facts(i) for i in selectors.portal_results(j, agency_id=agency_id)[:FEED_SIZE]]


def _title(r) -> str:
    return f"{r['target']}（{r['code']}）抽查检查结果：{r['summary']}"


@login_not_required
def results_json(request, code):
    j, rows = _feed_rows(request, code)
    home = request.build_absolute_uri(reverse("portal-inspection-results", args=[j.code]))
    items = []
    for r in rows:
        url = request.build_absolute_uri(reverse("portal-inspection-result", args=[j.code, r["id"]]))
        items.append({"id": str(r["id"]), "url": url, "title": _title(r),
                      "date_published": r["published_at"].isoformat(), "authors": [{"name": a} for a in r["agencies"]],
                      "tags": sorted({i["outcome_label"] for i in r["items"]}),
                      "_inspection": {"target": r["target"], "code": r["code"], "agencies": r["agencies"],
                                      "batch": r["batch"], "inspected_on": r["inspected_on"].isoformat(),
                                      "draw_url": _draw_url(request, j, r["draw_id"]),
                                      "items": [{"item": i["item"], "agency": i["agency"], "outcome": i["outcome"],
                                                 "outcome_label": i["outcome_label"], "case_opened": i["case_opened"]}
                                                for i in r["items"]]}})
    return JsonResponse({"version": "https://jsonfeed.org/version/1.1", "title": f"{j.name}双随机抽查结果公示",
                         "home_page_url": home, "items": items}, json_dumps_params={"ensure_ascii": False})


@login_not_required
def results_atom(request, code):
    j, rows = _feed_rows(request, code)
    feed = Atom1Feed(title=f"{j.name}双随机抽查结果公示",
                     link=request.build_absolute_uri(reverse("portal-inspection-results", args=[j.code])),
                     description="随机抽查检查结果", language="zh-hans")
    for r in rows:
        feed.add_item(title=_title(r),
                      link=request.build_absolute_uri(reverse("portal-inspection-result", args=[j.code, r["id"]])),
                      description=f"{'、'.join(r['agencies'])} · {r['batch']} · 检查日期 {r['inspected_on']:%Y-%m-%d}",
                      pubdate=r["published_at"], unique_id=f"zhifa:inspection-result:{r['id']}",
                      author_name="、".join(r["agencies"]))
    return HttpResponse(feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8")
