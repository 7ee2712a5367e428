"""The review catalogue (REV-02): issuing it and the superior's acknowledgement."""

import datetime as dt

from django.db import IntegrityError, transaction

from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, Level

from .. import events
from ..errors import ReviewErrorCode
from ..models import Catalogue, CatalogueFiling, CatalogueItem
from ..workflow import MEASURES, REVIEWED_ACTION_TYPES, Criterion
from ._common import _money

# --- the catalogue (REV-02) ----------------------------------------------------------------------------

def _clean_items(items: list[dict]) -> list[dict]:
    if not items:
        raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, "目录清单至少应有一个事项。")
    clean = []
    for n, item in enumerate(items, 1):
        where = f"第 {n} 项"
        action_type, criterion = item.get("action_type", ""), item.get("criterion", "")
        if action_type not in REVIEWED_ACTION_TYPES:
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：执法行为类别应为许可、处罚、强制或征收征用。")
        if not str(item.get("matter", "")).strip():
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：请填写事项名称。")
        if item.get("level", "") not in ("", *Level.values):
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：执法层级无效。")
        if criterion not in Criterion.values:
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：请选择认定标准。")
        amount = None
        if criterion in (Criterion.FINE_AT_LEAST, Criterion.PROPERTY_AT_LEAST):
            amount = _money(item.get("amount"), f"{where}金额")
            if amount <= 0:
                raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：金额标准应大于零。")
        measure = item.get("measure", "") if criterion == Criterion.MEASURE else ""
        if criterion == Criterion.MEASURE and measure not in MEASURES:
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：请选择措施。")
        clean.append({"action_type": action_type, "matter": str(item["matter"]).strip(), "level": item.get("level", ""),
                      "criterion": criterion, "amount": amount, "measure": measure,
                      "collective_discussion": bool(item.get("collective_discussion")),
                      "basis": str(item.get("basis", "")).strip()[:300]})
    return clean


def catalogue_issue(*, agency: Agency, items: list[dict], effective_from: dt.date, actor, review_all_ordinary=False,
                    note: str = "") -> Catalogue:
    """Issue a new version of the agency's catalogue, filed with the justice bureau of its jurisdiction."""
    org_perms.require(actor, "review.manage_catalogue", agency=agency)
    clean = _clean_items(items)
    bureau = Agency.objects.filter(jurisdiction=agency.jurisdiction_id, is_justice_bureau=True).first()
    if bureau is None:
        raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{agency.jurisdiction.name}的司法行政部门尚未登记，目录清单无法备案。")
    with transaction.atomic():
        Agency.objects.select_for_update(of=("self",)).filter(pk=agency.pk).first()
        last = Catalogue.objects.filter(agency=agency).order_by("-version").first()
        entry = events.catalogue_issued(
            agency, actor=actor, version=(last.version + 1) if last else 1, effective_from=effective_from.isoformat(),
            review_all_ordinary=bool(review_all_ordinary), filed_with=bureau.pk,
            items=[i | {"amount": str(i["amount"]) if i["amount"] is not None else None} for i in clean])
        catalogue = Catalogue.objects.create(
            agency=agency, version=(last.version + 1) if last else 1, supersedes=last, effective_from=effective_from,
            review_all_ordinary=bool(review_all_ordinary), note=note.strip(), filed_with=bureau, issued_by=actor,
            entry=entry)
        CatalogueItem.objects.bulk_create([CatalogueItem(catalogue=catalogue, **i) for i in clean])
        return catalogue


def catalogue_acknowledge(*, catalogue: Catalogue, actor, remarks: str = "") -> CatalogueFiling:
    """The justice bureau records the filing (备案登记)."""
    org_perms.require(actor, "review.acknowledge_catalogue", jurisdiction=catalogue.filed_with.jurisdiction)
    try:
        with transaction.atomic():
            entry = events.catalogue_acknowledged(catalogue, actor=actor, remarks=remarks)
            return CatalogueFiling.objects.create(catalogue=catalogue, acknowledged_by=actor, remarks=remarks.strip(),
                                                  entry=entry)
    except IntegrityError:
        raise ZhifaError(ReviewErrorCode.CATALOGUE_FILED, "该版本目录清单已备案登记。") from None
