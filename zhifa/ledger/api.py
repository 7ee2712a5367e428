"""Ledger API. Checkpoints and proofs are public (hashes only, never a payload); an entry needs `ledger.view` where
its subject lives (selectors.entry_read_for, issue 15 §5), and out of scope is the same 404 as a missing entry."""

import base64

from django.db import DatabaseError
from django.http import HttpResponse
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from zhifa.core.api import Offset as Index  # a position in the log: 0 … 2⁶³−1
from zhifa.core.api import Pagination
from zhifa.core.errors import ZhifaError

from . import selectors, services
from .errors import LedgerErrorCode
from .export import entry_json, proof_json
from .permissions import require

router = Router(tags=["防篡改日志"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class ProofOut(Schema):
    seq: int
    tree_size: int
    leaf_hash: str
    path: list[str]
    root: str
    entry: dict | None = None


class ConsistencyOut(Schema):
    first: int
    second: int
    first_root: str
    second_root: str
    path: list[str]


class CheckpointOut(Schema):
    size: int
    root: str
    note: str
    key: str


class FindingOut(Schema):
    id: int
    kind: str
    detail: str
    found_at: str
    reviewed: bool


@router.get("/checkpoint", auth=None, summary="最新签名检查点（C2SP signed note，公开）",
            openapi_extra={"responses": {200: {"description": "C2SP signed note（纯文本）",
                                               "content": {"text/plain": {"schema": {"type": "string"}}}}}})
def checkpoint_latest(request):
    cp = selectors.latest_checkpoint()
    if cp is None:
        raise ZhifaError(LedgerErrorCode.NO_CHECKPOINT, "尚未生成签名检查点。", status=404)
    return HttpResponse(cp.note, content_type="text/plain; charset=utf-8")


@router.get("/verifier-keys", auth=None, response=list[str], summary="检查点验证公钥（公开；当前密钥在前，其后为曾用密钥）")
def verifier_keys(request):
    # Every configured key (issue 16, finding 7; review16 H2), the current one first, then the past ones, newest
    # first. Configuration only: a key announced in a database row but not configured is never listed. The validity
    # periods and the signed rotation statements are at /ledger/verifier-keys (ledger.verifier_keys).
    from .verifier_keys import used_keys

    current = services.trusted_keys()[0]
    return [current] + [k for k in reversed(used_keys()) if k != current]


@router.post("/checkpoints", response={201: CheckpointOut}, summary="立即生成签名检查点（系统管理员）")
def checkpoint_now(request):
    require(request, "ledger.manage", "只有系统管理员可以手动生成检查点。")
    try:
        cp = services.checkpoint_create()
    except DatabaseError as exc:
        # A hardened deployment (ledger_harden_db --sequencer): the application's role may not write the tree; the
        # sequencer's scheduled job signs. Said plainly instead of a 500.
        if "permission denied" not in str(exc).lower():
            raise
        raise ZhifaError(LedgerErrorCode.SEQUENCER_ONLY, "本实例的数据库角色无权写入日志树：检查点由签名服务（定序角色的定时"
                         "任务 ledger_checkpoint）生成，请稍后查看。", status=409) from exc
    return Status(201, {"size": cp.size, "root": _b64(bytes(cp.root)), "note": cp.note, "key": cp.key})


@router.get("/proofs/inclusion", auth=None, response=ProofOut, summary="包含证明（RFC 9162 §2.1.3）")
def inclusion(request, seq: Index, tree_size: Index | None = None):
    return proof_json(selectors.inclusion_proof(seq, tree_size))


@router.get("/proofs/consistency", auth=None, response=ConsistencyOut, summary="一致性证明（RFC 9162 §2.1.4）")
def consistency(request, first: Index, second: Index):
    path, r1, r2 = selectors.consistency_proof(first, second)
    return {"first": first, "second": second, "first_root": _b64(r1), "second_root": _b64(r2),
            "path": [_b64(p) for p in path]}


@router.get("/entries/{seq}", response=ProofOut, summary="日志条目及其包含证明")
def entry(request, seq: Index, tree_size: Index | None = None):
    require(request, "ledger.view")
    item = selectors.entry_read_for(actor=request.user, seq=seq, request=request)  # scoped; a case's: REC-15 too
    return proof_json(selectors.inclusion_proof(seq, tree_size), item) | {"entry": entry_json(item, seq)}


@router.get("/findings", response=list[FindingOut], summary="证据与日志完整性问题")
@paginate(Pagination, rows=lambda rows, request: [
    {"id": f.pk, "kind": f.kind, "detail": f.detail, "found_at": f.found_at.isoformat(),
     "reviewed": bool(f.reviews.all())} for f in rows])
def findings(request):
    require(request, "ledger.view")
    return selectors.finding_list_for(actor=request.user)  # scoped as the entries they are logged in
