"""The machine checks by code (prescore.CHECKS): what each decides and from which records (issue 21 §3; SUP-06)."""

from __future__ import annotations

from types import SimpleNamespace

from django.db.models import Count

from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Document, DocumentRendition, Procedure, Stage
from zhifa.org.models import ActionType
from zhifa.records.models import CaseFileSeal, Recording
from zhifa.supervision.problems._shared import local
from zhifa.supervision.problems.m04_officers import ON_SITE_FORMS

from ..prescore import CHECKS, Outcome
from .base import Batch, model_check

STAGE_ORDER = {s: i for i, s in enumerate(Stage.values)}

def _title(form: str) -> str:
    return FORMS[form].title if form in FORMS else form


def _on_site(hit):
    """M04's findings about too few officers on site only."""
    kept = [p for p in hit.evidence.get("problems", []) if p.get("problem") == "too_few"]
    return _part(hit, kept)


def _uncertified(hit):
    kept = [p for p in hit.evidence.get("problems", []) if p.get("problem") == "uncertified"]
    return _part(hit, kept)


def _part(hit, kept):
    if not kept:
        return None
    from dataclasses import replace

    lines = [p for p in hit.detail.rstrip("。").split("；")]
    if len(kept) == len(hit.evidence.get("problems", [])):
        return hit
    words = "少于" if kept[0].get("problem") == "too_few" else "执法证"
    detail = "；".join(line for line in lines if words in line) or hit.detail
    return replace(hit, detail=detail.rstrip("。") + "。", evidence={"problems": kept})


def _naming_officers(batch: Batch) -> set[int]:
    """The files holding a record that names its officers: a text record in force with `officers`, or an AV record
    (what M04 reads; two queries)."""
    ids = sorted(batch.case_ids)
    docs = Document.objects.filter(case_id__in=ids, superseded_by__isnull=True, elements__has_key="officers")
    return (set(docs.values_list("case_id", flat=True).distinct())
            | set(Recording.objects.filter(case_id__in=ids).values_list("case_id", flat=True).distinct()))


def _holding_records(batch: Batch) -> set[int]:
    """The files holding any text record in force or any AV record (two queries)."""
    ids = sorted(batch.case_ids)
    return (set(Document.objects.filter(case_id__in=ids, superseded_by__isnull=True)
                .values_list("case_id", flat=True).distinct())
            | set(Recording.objects.filter(case_id__in=ids).values_list("case_id", flat=True).distinct()))


def _on_site_records(batch: Batch) -> set[int]:
    """The files holding an on-site record in force that names its officers (M04's two-officer rule; one query)."""
    return set(Document.objects.filter(case_id__in=sorted(batch.case_ids), superseded_by__isnull=True,
                                       form__in=ON_SITE_FORMS, elements__has_key="officers")
               .values_list("case_id", flat=True).distinct())


def _forms_for(item, procedure: str, held: dict[str, int]):
    """(the entry of the item's `forms` that applies to a file of `procedure` holding the forms `held`, the entries of
    its procedure): the first of its procedure whose decision document (`outcome`) the file holds, or that names none."""
    mine = [f for f in (item.forms if item is not None else ()) if f.procedure in ("*", procedure)]
    return next((f for f in mine if not f.outcome or f.outcome in held), None), mine


def documents_present(batch: Batch) -> dict[int, Outcome]:
    """Every document the standard's item lists for the file's procedure and outcome (Item.forms) is in force in it
    (one query, and one for the standards when the caller did not give the item).

    The list is the standard's, keyed on the decision the file holds: a file of a procedure the item lists nothing for
    (a type the data cannot judge, as an inspection without a finding), or closed without the decision document its
    list assumes (不予处罚, 撤销立案 …), is left to the evaluator, never failed for lacking a decision it may rightly
    not have."""
    items = {case_id: batch.item_of("documents_present", case_id) for case_id in batch.rows}
    forms = {code for item in items.values() if item is not None for f in item.forms
             for code in (*f.required, *([f.outcome] if f.outcome else []))}
    have: dict[int, dict[str, int]] = {}
    for row in (Document.objects.filter(case_id__in=sorted(batch.case_ids), form__in=sorted(forms),
                                        superseded_by__isnull=True).order_by("id").values("case_id", "form", "id")):
        have.setdefault(row["case_id"], {}).setdefault(row["form"], row["id"])
    out = {}
    for case_id, row in batch.rows.items():
        found = have.get(case_id, {})
        entry, mine = _forms_for(items[case_id], row["procedure"], found)
        if entry is None:
            if not mine:
                out[case_id] = Outcome(None, evidence=(
                    f"评查标准未列明本类案卷（{_kind(row)}）应有的文书，由评查人员判断。",))
            else:
                outcomes = "或".join(dict.fromkeys(f"《{_title(f.outcome)}》" for f in mine))
                out[case_id] = Outcome(None, evidence=(
                    f"卷内没有{outcomes}，本案可能以不予处罚、撤销立案等其他方式办结，应有文书由评查人员判断。",))
            continue
        need = entry.required
        missing = [f for f in need if f not in found]
        refs = tuple(("document", found[f]) for f in need if f in found)
        named = "、".join(f"《{_title(f)}》" for f in need)
        if missing:
            out[case_id] = Outcome(False, errors=len(missing), refs=refs, evidence=(
                f"本类案卷应有{named}；缺少{'、'.join(f'《{_title(f)}》' for f in missing)}。",))
        else:
            out[case_id] = Outcome(True, refs=refs, evidence=(f"本类案卷应有的{named}均在卷。",))
    return out


def _kind(row) -> str:
    return f"{ActionType(row['action_type']).label if row['action_type'] in ActionType.values else row['action_type']}" \
           f"，{Procedure(row['procedure']).label if row['procedure'] in Procedure.values else row['procedure']}"


def documents_in_order(batch: Batch) -> dict[int, Outcome]:
    """The documents in force were made in the order of the stages, from opening to service (one query)."""
    # The documents in force, as supervision.problems._shared.current_documents reads them, by the ids of the batch
    # (a list, not a subquery: SQLite scanned the documents for one file with the subquery).
    docs: dict[int, list[SimpleNamespace]] = {}
    for row in (Document.objects.filter(case_id__in=sorted(batch.case_ids), form__in=list(FORMS),
                                        superseded_by__isnull=True)
                .order_by("recorded_at", "id").values("id", "case_id", "form", "recorded_at")):
        docs.setdefault(row["case_id"], []).append(SimpleNamespace(pk=row["id"], **row))
    out = {}
    for case_id in batch.rows:
        rows = docs.get(case_id, [])
        if not rows:
            out[case_id] = Outcome(None, evidence=("案卷中没有文书，无法核查排列顺序，由评查人员判断。",))
            continue
        # A form recorded in a later stage too (also_in) may come later; one whose every stage lies before the stage
        # an earlier document already reached is out of order.
        wrong, floor, setter = [], -1, None
        for doc in rows:
            form = FORMS.get(doc.form)
            if form is None:
                continue
            allowed = {STAGE_ORDER[s] for s in (form.stage, *getattr(form, "also_in", ()))}
            if max(allowed) < floor:
                wrong.append((doc, setter))
            elif min(allowed) > floor:
                floor, setter = min(allowed), doc
        if wrong:
            out[case_id] = Outcome(False, errors=len(wrong), refs=tuple(("document", d.pk) for d, _ in wrong), evidence=tuple(
                f"《{_title(d.form)}》（{local(d.recorded_at)}）属于前一阶段，却在《{_title(p.form)}》（{local(p.recorded_at)}）之后制作"
                for d, p in wrong))
        else:
            out[case_id] = Outcome(True, refs=tuple(("document", d.pk) for d in rows[:1]), evidence=(
                f"卷内 {len(rows)} 份文书按立案、调查取证、审核决定、送达执行的顺序制作（首份 {local(rows[0].recorded_at)}，"
                f"末份 {local(rows[-1].recorded_at)}）。",))
    return out


def _seals(batch: Batch) -> dict[int, dict]:
    """{case id: its case-file seal} (one query, shared by the two checks of the case file)."""
    if "evaluation.seals" not in batch.memo:
        seals: dict[int, dict] = {}
        for row in CaseFileSeal.objects.filter(case_id__in=sorted(batch.case_ids)).values("case_id", "id", "sealed_at"):
            seals.setdefault(row["case_id"], row)
        batch.memo["evaluation.seals"] = seals
    return batch.memo["evaluation.seals"]


def casefile_sealed(batch: Batch) -> dict[int, Outcome]:
    """一案一卷, filed: the file is sealed as one case file (one query). Its index and page numbers are another item's
    (casefile_paged), so one missing seal is deducted once."""
    seals = _seals(batch)
    out = {}
    for case_id in batch.rows:
        seal = seals.get(case_id)
        if seal is None:
            out[case_id] = Outcome(False, evidence=("案卷尚未封存归档（无封存记录）。",))
        else:
            out[case_id] = Outcome(True, refs=(("casefile_seal", seal["id"]),), evidence=(
                f"案卷已于 {local(seal['sealed_at'])} 作为一案一卷封存归档。",))
    return out


def casefile_paged(batch: Batch) -> dict[int, Outcome]:
    """卷内目录和页码: the index (records.casefile.case_file_sheets) is generated from the case when it is sealed, in the
    order of the record, never edited; what the data can still get wrong is a document whose page count is unknown
    (its pages are then numbered by reading the file). An unsealed file has no index yet: that is the seal's item's
    defect, so this one is left to the evaluator rather than failed a second time (two queries)."""
    seals = _seals(batch)
    unknown = dict(DocumentRendition.objects.filter(document__case_id__in=sorted(batch.case_ids), kind="pdf",
                                                    pages__isnull=True)
                   .values("document__case_id").annotate(n=Count("id")).values_list("document__case_id", "n"))
    out = {}
    for case_id in batch.rows:
        seal = seals.get(case_id)
        if seal is None:
            out[case_id] = Outcome(None, evidence=("案卷尚未封存归档，系统未生成卷内目录，目录和页码由评查人员判断。",))
        elif unknown.get(case_id):
            out[case_id] = Outcome(None, refs=(("casefile_seal", seal["id"]),), evidence=(
                f"{unknown[case_id]} 份文书的页数未登记，页码须查阅案卷核对，由评查人员判断。",))
        else:
            out[case_id] = Outcome(True, refs=(("casefile_seal", seal["id"]),), evidence=(
                f"卷内目录于 {local(seal['sealed_at'])} 封存时由系统按记录顺序生成，各文书页数均已登记，页码连续。",))
    return out


def av_recorded(batch: Batch) -> dict[int, Outcome]:
    """AV coverage (M06 on the mandatory-AV activities of recording.mandatory_av), with the clips counted."""
    base = model_check(("M06",), "", requires=_holding_records, lacking=(
        "卷内没有在用的文书，也没有音像记录，无法确定有无应当全程音像记录的执法活动，由评查人员判断。"))(batch)
    clips = dict(Recording.objects.filter(case_id__in=sorted(batch.case_ids)).values("case_id")
                 .annotate(n=Count("id")).values_list("case_id", "n"))
    out = {}
    for case_id, outcome in base.items():
        if outcome.passed is True:
            n = clips.get(case_id, 0)
            line = (f"应当全程音像记录的执法活动均有音像记录（卷内音像记录 {n} 段）。" if n
                    else "卷内没有本地区规定应当全程音像记录的执法活动，无须音像记录。")
            outcome = Outcome(True, evidence=(line, *outcome.evidence[1:]), refs=outcome.refs)
        out[case_id] = outcome
    return out


def _penalty(row) -> bool:
    return row["action_type"] == ActionType.PENALTY


def _register(code: str, label: str, fn) -> None:
    CHECKS[code] = (label, fn)


_register("officers_certified", "执法人员在执法当日持有有效执法证件",
          model_check(("M04",), "卷内文书和音像记录所载执法人员在执法当日均持有本类别、覆盖执法地点的有效执法证件。",
                      select=_uncertified, requires=_naming_officers,
                      lacking="卷内没有载明执法人员的文书或音像记录，无法核查执法人员的执法证件，由评查人员判断。"))
_register("two_officers", "现场执法的持证执法人员不少于两人",
          model_check(("M04",), "现场执法文书所载持证执法人员均不少于规定人数。", select=_on_site,
                      requires=_on_site_records,
                      lacking="卷内没有载明执法人员的现场执法文书（现场检查笔录、询问笔录等），无法核查现场执法人数，"
                              "由评查人员判断。"))
_register("review_passed", "重大执法决定经法制审核通过后作出",
          model_check(("M05",), "决定不属于重大执法决定，或经法制审核通过后作出。", needs_decision=True))
_register("av_recorded", "应当全程音像记录的执法活动有音像记录", av_recorded)
_register("time_limits", "立案、作出决定和送达在法定期限内",
          model_check(("M01", "M02", "M12"), "立案、作出决定和送达决定书均在期限内。", needs_decision=True))
_register("time_barred", "未超过追责期限",
          model_check(("M14",), "违法行为未超过追责期限。", needs_decision=True, applies=_penalty,
                      not_applicable="非行政处罚案件，不涉及追责期限。"))
_register("rights_told", "作出处罚决定前告知陈述、申辩和听证权利",
          model_check(("M11", "M10"), "作出决定前已告知拟作出的处罚内容及事实、理由、依据和陈述、申辩（听证）权利。",
                      needs_decision=True, applies=_penalty, not_applicable="非行政处罚案件，无须事先告知。"))
_register("discretion", "罚款在法定幅度和裁量基准内，首违不罚",
          model_check(("M15", "M16", "M18"), "罚款在法定幅度和裁量基准阶次内。", needs_decision=True,
                      applies=_penalty, not_applicable="非行政处罚案件，不涉及罚款裁量。", fail_on_warning=("M16",)))
_register("fine_collection", "罚缴分离",
          model_check(("M19",), "未见执法机关或执法人员自行收缴罚款。", needs_decision=True, applies=_penalty,
                      not_applicable="非行政处罚案件，不涉及罚款收缴。"))
_register("published", "执法决定按期公示，撤销的及时撤回",
          model_check(("M08", "M09"), "执法决定已在公示期限内公示（或依法不予公开）。", needs_decision=True))
_register("sealed_by_agency", "以本机关名义作出决定并加盖印章",
          model_check(("M24",), "决定以本机关名义作出并加盖本机关印章。", needs_decision=True))
_register("documents_present", "案卷文书齐全", documents_present)
_register("documents_in_order", "卷内文书按立案至送达顺序排列", documents_in_order)
_register("casefile_sealed", "一案一卷、封存归档", casefile_sealed)
_register("casefile_paged", "卷内目录和页码完整", casefile_paged)
