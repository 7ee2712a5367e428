"""Ledger pages: the latest checkpoint (public), entry lookup with its proof checked, findings."""

import base64
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhifa.core.bounds import MAX_BIGINT, parse_int
from zhifa.core.errors import ZhifaError
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.core.permissions import can

from . import merkle, selectors, services
from .export import entry_json
from .models import Erasure, Finding
from .note import open_checkpoint
from .permissions import require


@login_not_required
def checkpoint_text(request):
    """The latest signed checkpoint as plain text: outsiders keep copies to detect a rewritten history."""
    cp = selectors.latest_checkpoint()
    if cp is None:
        return HttpResponse("尚未生成签名检查点。\n", status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(cp.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def ledger_home(request):
    require(request, "ledger.view")
    cp = selectors.latest_checkpoint()
    ctx = {"checkpoint": cp, "verifier": services.signer().verifier.encode(), "size": selectors.tree_size(),
           "open_findings": selectors.open_findings_count(actor=request.user)}
    seq = request.GET.get("seq", "").strip()
    if seq and cp is None:  # nothing signed yet: no proof can be checked (was an AttributeError, a 500)
        ctx["lookup_error"] = "尚未生成签名检查点，暂不能验证。"
    elif seq:
        try:
            if parse_int(seq, low=0, high=MAX_BIGINT) is None:
                raise ValueError("序号应为非负整数。")
            entry = selectors.entry_read_for(actor=request.user, seq=int(seq), request=request)
            proof = selectors.inclusion_proof(int(seq))
            opened = open_checkpoint(cp.note, [services.signer().verifier])
            merkle.verify_inclusion(proof.leaf_hash, proof.seq, opened.size, proof.path, opened.root)
            shown = entry_json(entry, int(seq))
            shown["payload"] = json.loads(entry.payload) if entry.payload else None  # '' once erased
            # The page names who erased the content by name and in local time (issue 18 §3); the JSON keeps the
            # log's own actor label and UTC time, as the exported entry does.
            erasure = (Erasure.objects.filter(entry=entry).select_related("actor__person").first()
                       if shown.get("erased") else None)
            actor_id = services.actor_user_id(entry.actor)
            actor = (get_user_model().objects.select_related("person").filter(pk=actor_id).first()
                     if actor_id is not None else None)
            ctx.update(entry=entry, entry_actor=actor, entry_json=json.dumps(shown, ensure_ascii=False, indent=2),
                       erasure=erasure, proof=proof, verified=True)
        except (ValueError, ZhifaError, merkle.VerificationError) as exc:
            ctx["lookup_error"] = getattr(exc, "message", str(exc))
            if isinstance(exc, ZhifaError):
                ctx["way_on"] = _way_on(exc, int(seq))
    first, second = request.GET.get("first", "").strip(), request.GET.get("second", "").strip()
    if first and second:
        try:
            first_n, second_n = (parse_int(v, low=0, high=MAX_BIGINT) for v in (first, second))
            if first_n is None or second_n is None:
                raise ValueError("树的大小应为非负整数。")
            path, r1, r2 = selectors.consistency_proof(first_n, second_n)
            merkle.verify_consistency(first_n, second_n, r1, r2, path)
            # Base64, as the signed checkpoint on the same page writes its root.
            ctx.update(consistency={"first": first_n, "second": second_n, "path": path,
                                    "first_root": base64.b64encode(r1).decode(),
                                    "second_root": base64.b64encode(r2).decode()})
        except (ValueError, ZhifaError, merkle.VerificationError) as exc:
            ctx["consistency_error"] = getattr(exc, "message", str(exc))
    return render(request, "ledger/home.html", ctx)


def _way_on(exc: ZhifaError, seq: int) -> dict | None:
    """What to do after a refusal that is not "no such entry" (tryout of issue 20: the lookup stopped at the
    sentence). An entry about a case is its record: someone in the case's scope but outside the case reads it after
    a consultation that states the reason (REC-15, 调阅; the refusal names the case in `details`, as the API's
    `case_consultation_reason_required` does). The way on is the case's consultation page, which comes back here;
    the agency that holds the record is named (the reader is within its scope, or the entry would be "missing")."""
    details = exc.details if isinstance(exc.details, dict) else {}
    case_id = details.get("case_id")
    if exc.status != 403 or not isinstance(case_id, int):
        return None
    entry = selectors.entry_get(seq)
    _prefix, key, scope = selectors.subject_parts(entry.subject)
    place = scope.locate(key, entry) if scope is not None and key else None
    agency = (place or {}).get("agency")
    back = f"{reverse('ledger-home')}?{urlencode({'seq': seq})}"
    return {"consult": f"{reverse('case-consult', args=[case_id])}?{urlencode({'next': back})}",
            "agency": agency.name if agency is not None else "", "minutes": settings.ZHIFA_CONSULTATION_MINUTES,
            # The proof carries no payload: public, for whoever only needs to know the entry is intact.
            "proof": f"/api/ledger/proofs/inclusion?{urlencode({'seq': seq})}"}


def findings(request):
    require(request, "ledger.view")
    # Scoped as the entries they are logged in (issue 15 §5); keyset pages, newest first (issue 19 §2).
    page = keyset_page(request, selectors.finding_list_for(actor=request.user), 50)
    return render(request, "ledger/findings.html", {"findings": page.object_list, "page": page,
                                                    "query": query_without_cursor(request),
                                                    "can_review": can(request.user, "ledger.manage")})


@require_POST
def finding_review(request, pk):
    require(request, "ledger.manage", "只有系统管理员可以登记处理情况。")
    finding = get_object_or_404(Finding, pk=pk)
    try:
        services.finding_review(finding=finding, note=request.POST.get("note", ""), actor=request.user)
        messages.success(request, "已登记处理情况。")
    except ZhifaError as exc:
        messages.error(request, exc.message)
    return redirect("ledger-findings")
