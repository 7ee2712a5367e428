"""The public side of special inspections (SUP-05; IM-P: 建立通报机制): the published notices (通报) of a
jurisdiction's subtree on the portal, no login. Mounted by zhifa/portal/urls.py (the portal sits above this app).
Only published notices are read (selectors.portal_notices); everything shown is escaped by the templates.

Not in the portal's page cache (zhifa/portal/page_cache.RULES names no route of these): each request is rendered, so a
notice shows the moment it is published, without a generation to bump."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render

from zhifa.core.files import stored_file_response
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.ledger import proofs
from zhifa.ledger.models import Entry
from zhifa.publicity.selectors import portal_jurisdiction

from . import selectors
from .models import CampaignStep, SampledCase
from .rendering import paragraphs, scope_line


def _ctx(request, j, **extra) -> dict:
    return {"j": j, "large": request.COOKIES.get("zhifa_large") == "1", **extra}


@login_not_required
def notices(request, code):
    j = portal_jurisdiction(code)
    page = keyset_page(request, selectors.portal_notices(j), 20)
    return render(request, "campaigns/portal/notices.html",
                  _ctx(request, j, page=page, query=query_without_cursor(request)))


@login_not_required
def notice(request, code, pk: int):
    j = portal_jurisdiction(code)
    campaign, document, agencies = selectors.portal_notice(j, pk)
    return render(request, "campaigns/portal/notice.html", _ctx(
        request, j, c=campaign, document=document, agencies=agencies, lines=paragraphs(document.text),
        scope=scope_line(campaign), draw=selectors.portal_draw(campaign)))


@login_not_required
def notice_population(request, code, pk: int):
    """The published campaign's draw record with its population (case and agency ids only): anyone can replay the
    draw (docs/campaigns.md, "The draw and how to replay it")."""
    j = portal_jurisdiction(code)
    campaign, record, population = selectors.portal_population(j, pk)
    # What the draw gave, to compare a replay with: per agency (id and name), the case ids drawn in rank order.
    drawn = {}
    for agency_id, agency_name, case_id in (SampledCase.objects.filter(campaign=campaign)
                                            .order_by("agency_id", "order")
                                            .values_list("agency_id", "agency__name", "case_id")):
        drawn.setdefault(agency_id, {"agency": agency_id, "agency_name": agency_name, "cases": []})["cases"].append(
            case_id)
    return JsonResponse({"campaign": campaign.pk, "sample_size": campaign.sample_size,
                         "population_size": record.population.size, "population_sha256": record.population.digest,
                         "population_log_entry_id": record.population.entry_id, "seed": record.seed,
                         "rule": record.rule, "earlier_draws": record.earlier, "population": population,
                         "drawn": list(drawn.values())})


@login_not_required
def notice_pdf(request, code, pk: int):
    j = portal_jurisdiction(code)
    _, document, _ = selectors.portal_notice(j, pk)
    return stored_file_response(request, storage_name=document.blob.storage_name, filename=f"{document.number}.pdf",
                                hint="application/pdf", size=document.blob.size)


@login_not_required
def notice_proof(request, code, pk: int):
    """The log entries a published notice rests on, each with its inclusion proof to the latest signed checkpoint:
    the population as fixed (whose digest was committed before the seed existed), the draw (which names the seed) and
    the sealed notice. Their order in the log (`seq`) shows the population came first; the proofs show the log holds
    them. Checked offline like a decision's proof (docs/ledger.md: `python -m zhifa.verify`). An entry not yet
    sequenced or signed has `proof: null` and says so."""
    j = portal_jurisdiction(code)
    campaign, document, _ = selectors.portal_notice(j, pk)
    record = selectors.portal_draw(campaign)
    wanted = [("notice", document.entry_id)]
    if record is not None:
        draw_entry = CampaignStep.objects.filter(pk=record.step_id).values_list("entry_id", flat=True).first()
        wanted = [("population", record.population.entry_id), ("draw", draw_entry)] + wanted
    entries = Entry.objects.in_bulk([entry_id for _, entry_id in wanted])
    checkpoint = None
    rows = []
    for role, entry_id in wanted:
        entry = entries[entry_id]
        served, cp = proofs.inclusion_to_latest(entry.seq)
        checkpoint = cp if cp is not None else checkpoint
        row = {"role": role, "entry_id": entry_id, "seq": entry.seq, "entry": proofs.entry_header(entry),
               "leaf_hash": proofs.leaf_hash_b64(entry), "proof": None}
        if served is not None:
            row["proof"] = {"tree_size": served.proof.tree_size, "path": [proofs.b64(h) for h in served.proof.path],
                            "root": proofs.b64(served.proof.root)}
        else:
            row["pending"] = "该记录已写入日志，等待下一个签名检查点后可核验。"
        rows.append(row)
    seqs = [r["seq"] for r in rows if r["role"] in ("population", "draw")]
    body = {"campaign": campaign.pk, "entries": rows, "checkpoint": checkpoint.note if checkpoint else None,
            "population_logged_before_draw": (seqs[0] < seqs[1]) if len(seqs) == 2 and None not in seqs else None}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
