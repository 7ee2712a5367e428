"""Writes of the discretion benchmarks (SUP-07): issuing a table from Excel, and recording a case's fine assessment.

The fine check itself (read-only) is `checks.fine_check`; `fine_proposal_validate` here is the one call a decision
form makes before a fine is decided: it refuses a fine outside the statutory range and a departure from the tier
without written reasons.
"""

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field

from django.db import transaction

from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from . import events
from .checks import FineCheck, fine_check, fine_check_require, money
from .errors import DiscretionErrorCode as Code
from .importing import RowError, read_workbook
from .models import BenchmarkTable, FineAssessment, Harm, Item, ItemTier, Tier
from .selectors import MANAGE, item_in_force


@dataclass
class ImportResult:
    table: BenchmarkTable | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.table is not None and not self.errors


def table_import(file, *, agency: Agency, effective_from: dt.date, title: str, actor, document_number: str = "",
                 note: str = "", request=None) -> ImportResult:
    """Issue a new version of `agency`'s benchmark table from an Excel workbook, all or nothing.

    The permission is checked (and a denial logged) before the file is read. Every bad row is returned in
    `errors` and nothing is written; otherwise the table, its items and tiers and a ledger entry (holding the
    file's SHA-256) are written in one transaction, superseding the previous version."""
    org_perms.require(actor, MANAGE, agency=agency, request=request)
    title = (title or "").strip()
    if not title:
        raise ZhifaError(Code.TABLE_INVALID, "请填写裁量基准的名称。")
    if len(title) > 200 or len(document_number or "") > 100:
        raise ZhifaError(Code.TABLE_INVALID, "名称不超过 200 字，文号不超过 100 字。")
    if agency.is_justice_bureau:
        raise ZhifaError(Code.TABLE_INVALID, "司法行政部门的监督职能不适用行政处罚裁量基准，请为执法主体导入。")
    content = file.read()
    if hasattr(file, "seek"):
        file.seek(0)


    parsed = read_workbook(io.BytesIO(content))
    if not parsed.ok:
        return ImportResult(errors=parsed.errors)
    sha256 = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        Agency.objects.select_for_update(of=("self",)).filter(pk=agency.pk).first()
        last = BenchmarkTable.objects.filter(agency=agency).order_by("-version").first()
        if last is not None and effective_from < last.effective_from:
            raise ZhifaError(Code.TABLE_INVALID, f"新版本的施行日期不得早于第 {last.version} 版的施行日期"
                                                 f"（{last.effective_from.isoformat()}）。")
        version = (last.version + 1) if last else 1
        entry = events.table_issued(agency, actor=actor, version=version, effective_from=effective_from.isoformat(),
                                    title=title, document_number=(document_number or "").strip(), sha256=sha256,
                                    items=len(parsed.items))
        table = BenchmarkTable.objects.create(
            agency=agency, version=version, supersedes=last, title=title,
            document_number=(document_number or "").strip(), effective_from=effective_from, note=(note or "").strip(),
            source_sha256=sha256, issued_by=actor, entry=entry)
        items = Item.objects.bulk_create([
            Item(table=table, position=i, code=it["code"], name=it["name"],
                 violated_provision=it["violated_provision"], penalty_provision=it["penalty_provision"],
                 range_kind=it["range_kind"], statutory_min=it["statutory_min"], statutory_max=it["statutory_max"],
                 base_label=it["base_label"], first_violation_exempt=it["first_violation_exempt"])
            for i, it in enumerate(parsed.items, start=1)])
        ItemTier.objects.bulk_create([
            ItemTier(item=item, **t) for item, it in zip(items, parsed.items, strict=True) for t in it["tiers"]])
    return ImportResult(table=table)


def fine_proposal_validate(*, agency, item_code: str, tier: str, amount, on: dt.date, base_amount=None,
                           reasons: str = "") -> FineCheck:
    """The gate where a fine is proposed: the check, then a refusal for a hard error (outside the statutory range)
    or for a departure from the tier without written reasons. Returns the check when the fine may be decided."""
    return fine_check_require(
        fine_check(agency=agency, item_code=item_code, tier=tier, amount=amount, on=on, base_amount=base_amount),
        reasons=reasons)


def fine_assessment_record(*, case_id: int, agency: Agency, item_code: str, tier: str, amount, decided_on: dt.date,
                           actor, base_amount=None, reasons: str = "", first_violation: bool = False,
                           harm: str = Harm.OTHER, corrected_in_time: bool = False) -> FineAssessment:
    """Record what the case's decision decided about its fine, against the table in force on `decided_on`.

    Written when the decision is recorded (by the case's own service, in its transaction), and again as a new
    version when it is corrected. It records what was decided — the gate is `fine_proposal_validate` — so a
    decision that came around the gate (a pushed decision, an old one) is still seen by M15–M18."""
    org_perms.require(actor, "cases.handle", agency=agency)
    amount = money(amount)
    base = money(base_amount, "倍数基数金额") if base_amount not in (None, "") else None
    if tier not in Tier.values:
        raise ZhifaError(Code.TIER_UNKNOWN, "裁量阶次不在可选范围内。")
    if harm not in Harm.values:
        raise ZhifaError(Code.TABLE_INVALID, "危害后果不在可选范围内。")
    table, item = item_in_force(agency, (item_code or "").strip(), decided_on)
    if table is None:
        raise ZhifaError(Code.NO_TABLE, "本机关在决定之日尚无施行中的行政裁量权基准。")
    if item is None:
        raise ZhifaError(Code.ITEM_UNKNOWN, f"本机关裁量基准中没有编码为“{item_code}”的事项。")
    with transaction.atomic():
        last = (FineAssessment.objects.select_for_update().filter(case_id=case_id).order_by("-version").first())
        version = (last.version + 1) if last else 1
        entry = events.fine_assessed(case_id=case_id, actor=actor, payload={
            "version": version, "agency": agency.pk, "table": table.pk, "table_version": table.version,
            "item_code": item.code, "tier": tier, "amount": str(amount),
            "base_amount": str(base) if base is not None else None, "reasons": (reasons or "").strip(),
            "first_violation": bool(first_violation), "harm": harm, "corrected_in_time": bool(corrected_in_time),
            "decided_on": decided_on.isoformat()})
        return FineAssessment.objects.create(
            case_id=case_id, agency=agency, version=version, supersedes=last, table=table, item=item,
            item_code=item.code, tier=tier, amount=amount, base_amount=base, reasons=(reasons or "").strip(),
            first_violation=bool(first_violation), harm=harm, corrected_in_time=bool(corrected_in_time),
            decided_on=decided_on, recorded_by=actor, entry=entry)
