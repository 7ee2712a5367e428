"""The public pages of the set-up part (INS-01, INS-02, PUB-13), no login: the index of random inspections of a
jurisdiction's portal, the item lists published by the agencies of its subtree (all the fields NM names) and the
plans filed with their batches. Only published lists and filed plans are read (selectors_setup.portal_*); no person's
name but the agency's, no recusal link, no directory.

Like the special inspections' notices (campaigns/portal_views.py), these pages are not in the portal's page cache
(zhifa/portal/page_cache.RULES names none of their routes): each request is rendered, so a list shows the moment it is
approved, without a generation to bump."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render

from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.publicity.selectors import portal_jurisdiction

from . import items
from . import selectors_setup as sel


def _ctx(request, j, **extra) -> dict:
    return {"j": j, "large": request.COOKIES.get("zhifa_large") == "1", **extra}


@login_not_required
def index(request, code):
    j = portal_jurisdiction(code)
    return render(request, "inspections/portal/index.html", _ctx(
        request, j, lists=sel.portal_item_lists(j)[:10], plans=sel.portal_plans(j)[:10]))


@login_not_required
def item_lists(request, code):
    j = portal_jurisdiction(code)
    page = keyset_page(request, sel.portal_item_lists(j), 20)
    return render(request, "inspections/portal/items.html", _ctx(request, j, page=page,
                                                                 query=query_without_cursor(request)))


@login_not_required
def item_list(request, code, pk: int):
    j = portal_jurisdiction(code)
    lst = sel.portal_item_list(j, pk)
    rows = list(lst.items.all())
    for i in rows:
        i.percent = items.percent(i.ratio)
    return render(request, "inspections/portal/items_detail.html", _ctx(request, j, lst=lst, items=rows))


@login_not_required
def plan_list(request, code):
    j = portal_jurisdiction(code)
    page = keyset_page(request, sel.portal_plans(j), 20)
    return render(request, "inspections/portal/plans.html", _ctx(request, j, page=page,
                                                                 query=query_without_cursor(request)))


@login_not_required
def plan(request, code, pk: int):
    j = portal_jurisdiction(code)
    p = sel.portal_plan(j, pk)
    return render(request, "inspections/portal/plans_detail.html", _ctx(request, j, plan=p, batches=p.batches.all()))
