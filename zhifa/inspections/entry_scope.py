"""Where the log entries about random inspections may be read (registered in InspectionsConfig.ready): within the
agency concerned — its staff with the view permission, and the justice bureaus whose subtree holds it."""

from zhifa.core.bounds import parse_id


def _agency(model, path: str):
    def place(key: str, entry) -> dict | None:
        from zhifa.org.models import Agency

        pk = parse_id(key)
        if model is None:  # the directory's subject is the agency itself
            row = Agency.objects.select_related("jurisdiction").filter(pk=pk).first()
            return None if row is None else {"agency": row}
        row = model.objects.select_related(path).filter(pk=pk).first()
        if row is None:
            return None
        obj = row
        for part in path.split("__"):
            obj = getattr(obj, part)
            if part == "agency":
                break
        return {"agency": obj}
    return place


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    from .models import Draw, Inspection, ItemList, Plan

    register_subject_scope("inspections.item_list", _agency(ItemList, "agency__jurisdiction"))
    register_subject_scope("inspections.directory", _agency(None, ""))
    register_subject_scope("inspections.plan", _agency(Plan, "agency__jurisdiction"))
    register_subject_scope("inspections.draw", _agency(Draw, "batch__plan__agency__jurisdiction"))
    register_subject_scope("inspections.inspection", _agency(Inspection, "agency__jurisdiction"))
