"""The public side of the draws (INS-02, INS-03; IM-P): every draw of a jurisdiction's subtree, announced from the
moment it is frozen (the populations' digests and the future randomness source, before the randomness exists), its
result once made, re-draws with their reasons, and the record anyone replays offline. No login. Recusal links are
shown only by their reason code's label (procedure.RECUSAL_REASONS), never the declared reason."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.publicity.selectors import portal_jurisdiction

from . import draws, record, selectors_draws


def _ctx(request, j, **extra) -> dict:
    return {"j": j, "large": request.COOKIES.get("zhifa_large") == "1", **extra}


@login_not_required
def draw_list(request, code):
    j = portal_jurisdiction(code)
    page = keyset_page(request, selectors_draws.portal_draws(j), 30)
    return render(request, "inspections/portal/draws.html", _ctx(request, j, page=page,
                                                                 query=query_without_cursor(request)))


@login_not_required
def draw_detail(request, code, pk: int):
    j = portal_jurisdiction(code)
    draw = selectors_draws.portal_draw(j, pk)
    return render(request, "inspections/portal/draw.html", _ctx(
        request, j, draw=draw, batch=draw.batch, frozen=draw.frozen, agencies=draws.agencies_of(draw.batch),
        result=selectors_draws.draw_result(draw) if draw.seed else [],
        strata=selectors_draws.strata_view(draw), class_names=selectors_draws.class_names(draw),
        names_hidden=not record.names_revealed(draw, public=True),
        redrawn_by=selectors_draws.redrawn_by(draw)))


@login_not_required
def draw_record(request, code, pk: int):
    j = portal_jurisdiction(code)
    draw = selectors_draws.portal_draw(j, pk)
    return HttpResponse(record.record_json(draw), content_type="application/json")


FEED_SIZE = 50


@login_not_required
def draws_atom(request, code):
    """The announcements as an Atom feed: an entry when a draw is frozen (its commitments, before the randomness
    exists) and updated when it is made or superseded, so a subscriber sees the commitment first."""
    j = portal_jurisdiction(code)
    feed = Atom1Feed(title=f"{j.name}双随机抽查抽取公示",
                     link=request.build_absolute_uri(reverse("portal-inspection-draws", args=[j.code])),
                     description="双随机抽取公示：抽取范围、随机源和抽取结果", language="zh-hans")
    for d in selectors_draws.portal_draws(j)[:FEED_SIZE]:
        url = request.build_absolute_uri(reverse("portal-inspection-draw", args=[j.code, d.pk]))
        if d.drawn_at:
            what = f"已抽取（{d.drawn_at:%Y-%m-%d %H:%M}）"
        else:
            what = f"已固定抽取范围，将以 {d.beacon_after:%Y-%m-%d %H:%M} 之后签署的第一个检查点为随机源抽取"
        if d.state == "superseded":
            what = "已重新抽取（原抽取保留）"
        feed.add_item(title=f"{d.batch.title} 第 {d.number} 次抽取：{what}", link=url,
                      description=f"{d.batch.plan.agency.name} · 抽取记录：{url}record.json",
                      pubdate=d.created_at, updateddate=d.drawn_at or d.created_at,
                      unique_id=f"zhifa:inspection-draw:{d.pk}", author_name=d.batch.plan.agency.name)
    return HttpResponse(feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8")
