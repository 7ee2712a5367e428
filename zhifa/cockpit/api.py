"""Cockpit API: the same figures as the page (SUP-01), and the export for the level above (SUP-03, docs/export.md)."""

from typing import Annotated

from django.utils import timezone
from ninja import Field, Router, Schema

from zhifa.core.api import Id, Offset
from zhifa.core.files import file_response

from . import export, selectors
from .selectors import RATES

router = Router(tags=["监督驾驶舱"])
Code = Annotated[str, Field(max_length=20, description="区划代码")]


class FiguresOut(Schema):
    alerts: dict[str, int]
    overdue: int
    rates: dict[str, float | None] = Field(description="按时公开率、全过程记录率、法制审核率（%，无应达标事项时为 null）")
    counts: dict[str, list[int]] = Field(description="各比率的 [达标数, 应达标数]")


class RowOut(Schema):
    kind: str
    code: str
    label: str
    agencies: int
    figures: FiguresOut


class CockpitOut(Schema):
    today: str
    jurisdiction: str | None
    agency_id: int | None
    total: FiguresOut
    children: list[RowOut]
    agencies: list[RowOut]
    by_model: list[dict]
    trend: list[dict]
    overdue: int


def _figures(f: selectors.Figures) -> dict:
    return {"alerts": {str(k): v for k, v in f.alerts.items()}, "overdue": f.overdue,
            "rates": {k: f.rate(k) for k, _ in RATES}, "counts": {k: list(v) for k, v in f.counts.items()}}


def _row(r: selectors.Row) -> dict:
    return {"kind": r.kind, "code": r.code, "label": r.label, "agencies": r.agencies, "figures": _figures(r.figures)}


@router.get("/summary", response=CockpitOut, summary="监督驾驶舱：辖区或执法主体的预警、超期事项和三项制度落实情况")
def cockpit(request, j: Code | None = None, agency: Id | None = None):
    node = found = None
    if agency is not None:
        found = selectors.agency_get_for(actor=request.user, id=agency, request=request)
    elif j:
        node = selectors.node_get_for(actor=request.user, code=j, request=request)
    else:
        node = selectors.home_node(request.user)
    data = selectors.cockpit_for(actor=request.user, today=timezone.localdate(), node=node, agency=found,
                                 request=request)
    return {"today": data.today.isoformat(), "jurisdiction": node.code if node else None,
            "agency_id": found.pk if found else None, "total": _figures(data.total),
            "children": [_row(r) for r in data.children], "agencies": [_row(r) for r in data.agencies],
            "by_model": data.by_model, "trend": data.trend, "overdue": len(data.overdue)}


@router.get("/export", summary="向上级监督平台导出数据批次（按日志序号增量，附签名检查点；格式见 docs/export.md）",
            openapi_extra={"responses": {200: {"description": "批次 zip：manifest.json、各类 JSON Lines、batch.xlsx、检查点",
                                               "content": {"application/zip": {"schema": {"type": "string",
                                                                                          "format": "binary"}}}}}})
def export_batch(request, since_seq: Offset = 0):
    """since_seq: the first log seq of the batch (inclusive), i.e. the previous batch's to_seq (the header
    X-Zhifa-Export-To-Seq). A batch reads at most export.MAX_ENTRIES entries. Without payloads: the entries' payloads,
    案由 and natural persons' names (committed by HMAC) stay here; an operator exports them for an entitled receiver
    with `manage.py supervision_export --with-payloads` (docs/export.md)."""
    batch = export.build(actor=request.user, since_seq=since_seq, request=request)
    response = file_response(request, export.zip_bytes(batch), filename=f"{export.batch_name(batch)}.zip",
                             content_type="application/zip", generated=True, download=True)
    response["X-Zhifa-Export-To-Seq"] = str(batch.to_seq)
    return response
