"""Lists of public items collected in bulk (spreadsheet upload)."""

import io

from django.db import transaction

from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.org.models import Agency

from ..errors import PublicityErrorCode
from ..models import Publication
from ..workflow import COLUMNS, LIST_KINDS, State, UpdateReason
from ._common import _permission_first, _record, _require


def _rows_text(kind: str, rows: list[dict]) -> str:
    columns = COLUMNS[kind]
    return "\n".join("；".join(f"{c.label}：{row.get(c.code, '')}" for c in columns if row.get(c.code)) for row in rows)


def _validate_rows(kind: str, rows: list[dict]) -> list[dict]:
    if kind not in LIST_KINDS:
        raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "未知的公示清单类别。")
    if not rows:
        raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "清单至少应有一条。")
    problems, clean = [], []
    for n, row in enumerate(rows, start=1):
        item = {c.code: str(row.get(c.code) or "").strip() for c in COLUMNS[kind]}
        missing = [c.label for c in COLUMNS[kind] if c.required and not item[c.code]]
        if missing:
            problems.append(f"第 {n} 条缺少：{'、'.join(missing)}")
        clean.append(item)
    if problems:
        raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "清单内容不完整：" + "；".join(problems[:10]), details=problems)
    return clean


@_permission_first("publicity.edit", lambda kw: kw["agency"])
@transaction.atomic
def list_collect(*, agency: Agency, kind: str, title: str, rows: list[dict], actor,
                 supersedes: Publication | None = None, update_reason: str = "") -> Publication:
    """A list of basic information (PUB-02) or random-inspection results (PUB-13), as a whole version."""
    _require(actor, "publicity.edit", agency)
    clean = _validate_rows(kind, rows)
    if supersedes is not None:
        if supersedes.agency_id != agency.pk or supersedes.kind != kind or supersedes.state != State.PUBLISHED:
            raise WrongStateError("只能更新本机关已发布的同类清单。")
        if update_reason not in UpdateReason.values:
            raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "请选择更新原因（国办发〔2018〕118号“加强事后公开”：执法决定信息公开发布、撤销和更新机制）。")
    if not title.strip():
        raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "请填写标题。")
    pub = Publication.objects.create(
        kind=kind, agency=agency, jurisdiction_path=agency.jurisdiction.path, title=title.strip(), rows=clean,
        original_text=_rows_text(kind, clean), collected_by=actor, supersedes=supersedes,
        version=(supersedes.version + 1) if supersedes else 1, update_reason=update_reason)
    _record(pub, None, actor=actor, from_state=pub.state, to_state=State.COLLECTED, note="", step="collect",
            data={"rows": len(clean), "reason": update_reason})
    return pub


def list_read_xlsx(*, kind: str, content: bytes) -> list[dict]:
    """The rows of an agency's sheet, by the column labels of workflow.COLUMNS (the first row is the header)."""
    from openpyxl import load_workbook

    if kind not in LIST_KINDS:
        raise ZhifaError(PublicityErrorCode.IMPORT_INVALID, "未知的公示清单类别。")
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises several types for a file that is not xlsx
        raise ZhifaError(PublicityErrorCode.IMPORT_INVALID, "无法读取该文件，请上传 Excel（.xlsx）文件。") from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, [])]
    by_label = {c.label: c.code for c in COLUMNS[kind]}
    missing = [c.label for c in COLUMNS[kind] if c.required and c.label not in header]
    if missing:
        raise ZhifaError(PublicityErrorCode.IMPORT_INVALID, f"表头缺少列：{'、'.join(missing)}", details=missing)
    out = []
    for values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        out.append({by_label[h]: ("" if v is None else str(v)) for h, v in zip(header, values, strict=False) if h in by_label})
    return out
