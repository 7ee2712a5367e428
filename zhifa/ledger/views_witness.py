"""Witness HTTP interface (c2sp.org/tlog-witness) and the log's cosigned checkpoint, as plain views (urls_witness.py,
under /ledger/):

- POST /ledger/witness/add-checkpoint — this instance's witness; its submission prefix is `<site>/ledger/witness`;
- GET  /ledger/witness/<hex SHA-256 of the origin>/checkpoint — its monitoring prefix (the same);
- GET  /ledger/checkpoint-cosigned.txt — this log's latest checkpoint with the witnesses' cosignatures appended.

Not under /api/: the protocol's bodies are plain text, errors included (a 409 carries the recorded size as
text/x.tlog.size), where the API answers every error in JSON. Anonymous, as the protocol is (only a checkpoint signed
by a configured log is cosigned), so no login and no CSRF token; add-checkpoint is rate-limited per client address
(ZHIFA_WITNESS_RATE, default 120/m, with ninja's cache-based throttle).
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from ninja.throttling import AnonRateThrottle

from zhifa.core.net import client_ip

from . import selectors, witness

TEXT = "text/plain; charset=utf-8"


class WitnessThrottle(AnonRateThrottle):
    """Per client address (a forwarded address only from a trusted proxy), at the rate configured when asked."""

    scope = "ledger_witness"

    def __init__(self):
        super().__init__(rate="120/m")

    def allow_request(self, request) -> bool:
        self.num_requests, self.duration = self.parse_rate(witness.witness_setting("ZHIFA_WITNESS_RATE", "120/m"))
        return super().allow_request(request)

    def get_ident(self, request):
        return client_ip(request)


@csrf_exempt
@login_not_required
@require_POST
def add_checkpoint(request):
    if not WitnessThrottle().allow_request(request):
        return HttpResponse("too many requests\n", status=429, content_type=TEXT)
    try:
        lines = witness.add_checkpoint(request.body)
    except witness.WitnessError as exc:
        return HttpResponse(exc.body, status=exc.status, content_type=exc.content_type)
    return HttpResponse(lines, content_type=TEXT)


@login_not_required
@require_GET
def witness_checkpoint(request, origin_hash):
    note = witness.latest_cosigned(origin_hash.lower())
    if note is None:
        return HttpResponse("not found\n", status=404, content_type=TEXT)
    response = HttpResponse(note, content_type=TEXT)
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
@require_GET
def checkpoint_cosigned(request):
    cp = selectors.latest_checkpoint()
    if cp is None:
        return HttpResponse("尚未生成签名检查点。\n", status=404, content_type=TEXT)
    response = HttpResponse(witness.cosigned_note(cp), content_type=TEXT)
    response["Cache-Control"] = "no-cache"
    return response
