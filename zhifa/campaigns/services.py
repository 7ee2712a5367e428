"""Every write of special inspections (STYLE habit 1): create, draw, record findings, report, publish, acknowledge,
cancel. Each move goes through core.workflow (permission first with the denial logged, then the row lock, the table,
the step and its typed ledger event, the save)."""

import datetime as dt
import secrets
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.core import workflow as wf
from zhifa.core.bounds import normalise
from zhifa.core.errors import ZhifaError
from zhifa.ledger.services import evidence_put
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Agency
from zhifa.org.selectors import supervised_agencies

from . import draw, events, rendering
from .errors import CampaignErrorCode as E
from .models import (
    MAX_CHECK_ITEM_LENGTH,
    MAX_CHECK_ITEMS,
    MAX_POPULATION,
    MAX_SAMPLE,
    MIN_CANCEL_REASON_AFTER_DRAW,
    MIN_SAMPLE,
    NUMBER_WORD,
    Campaign,
    CampaignDocument,
    CampaignStep,
    DocumentKind,
    Draw,
    Finding,
    NoticeDelivery,
    NoticeReceipt,
    Population,
    Result,
    SampledCase,
    State,
)
from .workflow import AGENCY_PERMISSION, BUREAU_PERMISSION, MOVES


def _record(campaign, move, *, actor, from_state: str, to_state: str, note: str, data: dict, step: str):
    entry = events.moved(campaign, move, actor=actor, action=step, from_state=from_state, to_state=to_state,
                         note=note, data=data)
    return CampaignStep.objects.create(campaign=campaign, action=step, from_state=from_state, to_state=to_state,
                                       actor=actor, note=note, data=data, entry=entry)


WORKFLOW = wf.Workflow(
    name="campaigns.campaign", model=Campaign, state_field="state", states=State, moves=tuple(MOVES.values()),
    noun="专项监督检查", agency_of=lambda c: c.bureau, record=_record, select_related=("bureau__jurisdiction",),
    update_fields=("published_on",))


def _text(value, what: str, *, limit: int, required: bool = True, field: str = "") -> str:
    text = normalise(str(value or "")).strip()
    if required and not text:
        raise ZhifaError(E.TEXT_REQUIRED, f"请填写{what}。", details={"field": field or what})
    if len(text) > limit:
        raise ZhifaError(E.TEXT_TOO_LONG, f"{what}不能超过 {limit} 个字。", details={"field": field or what})
    return text


def subtree_agencies(bureau: Agency):
    """The agencies a bureau may inspect (org.selectors.supervised_agencies)."""
    return supervised_agencies([bureau])


def checklist_clean(items) -> list[str]:
    """The check items: short texts, one per line on the form; blank lines dropped, repeats refused."""
    if isinstance(items, str):
        items = items.splitlines()
    cleaned = [normalise(str(i)).strip() for i in (items or [])]
    cleaned = [i for i in cleaned if i]
    if not cleaned:
        raise ZhifaError(E.CHECKLIST_INVALID, "检查项目不能为空，请至少填写一项。", details={"field": "checklist"})
    if len(cleaned) > MAX_CHECK_ITEMS:
        raise ZhifaError(E.CHECKLIST_INVALID, f"检查项目至多 {MAX_CHECK_ITEMS} 项。", details={"field": "checklist"})
    for item in cleaned:
        if len(item) > MAX_CHECK_ITEM_LENGTH:
            raise ZhifaError(E.CHECKLIST_INVALID, f"每个检查项目不能超过 {MAX_CHECK_ITEM_LENGTH} 个字：{item[:20]}……",
                             details={"field": "checklist"})
    if len(set(cleaned)) != len(cleaned):
        raise ZhifaError(E.CHECKLIST_INVALID, "检查项目不能重复。", details={"field": "checklist"})
    return cleaned


def acting_bureau_check(*, actor, bureau: Agency) -> None:
    """Only the justice bureau's supervisors (or those of a bureau above it) act for it; a refusal is logged."""
    if not org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=bureau.jurisdiction):
        org_perms.deny(actor, BUREAU_PERMISSION, detail=f"campaigns create as agency:{bureau.pk}")


def _plan(*, bureau: Agency, title, basis, agency_ids, all_agencies, action_types, period_from, period_to,
          sample_size, checklist) -> dict:
    """The campaign's plan checked and cleaned (creation and amendment check alike): its fields and its agencies."""
    title = _text(title, "检查名称", limit=200, field="title")
    basis = _text(basis, "检查依据和主题", limit=5000, field="basis")
    if period_from is None or period_to is None:
        raise ZhifaError(E.PERIOD_INVALID, "请填写检查期间的起止日期。", details={"field": "period_from"})
    if period_from > period_to:
        raise ZhifaError(E.PERIOD_INVALID, f"检查期间的开始日期（{period_from}）不能晚于结束日期（{period_to}）。",
                         details={"field": "period_from"})
    if not isinstance(sample_size, int) or isinstance(sample_size, bool) or not MIN_SAMPLE <= sample_size <= MAX_SAMPLE:
        raise ZhifaError(E.SAMPLE_SIZE_INVALID, f"每个机关抽取的案件数应在 {MIN_SAMPLE} 至 {MAX_SAMPLE} 件之间。",
                         details={"field": "sample_size"})
    types = list(dict.fromkeys(action_types or []))
    if not types or any(t not in ActionType.values for t in types):
        raise ZhifaError(E.ACTION_TYPES_INVALID, "请选择要检查的执法行为类别（行政许可、行政处罚、行政强制等）。",
                         details={"field": "action_types"})
    checklist = checklist_clean(checklist)
    allowed = subtree_agencies(bureau)
    if all_agencies:
        agencies = list(allowed)
    else:
        ids = list(dict.fromkeys(int(i) for i in agency_ids or []))
        agencies = list(allowed.filter(pk__in=ids))
        if len(agencies) != len(ids):
            outside = Agency.objects.filter(pk__in=set(ids) - {a.pk for a in agencies}).values_list("name", flat=True)
            names = "、".join(outside) or "所选机关"
            raise ZhifaError(E.AGENCY_NOT_SUPERVISED, f"{names}不在{bureau.name}的监督范围内（本级及下级行政区划的执法机关）。",
                             details={"field": "agencies"})
    if not agencies:
        raise ZhifaError(E.AGENCIES_REQUIRED, "请至少选择一个被检查的执法机关。", details={"field": "agencies"})
    return {"fields": {"title": title, "basis": basis, "action_types": types, "period_from": period_from,
                       "period_to": period_to, "sample_size": sample_size, "checklist": checklist},
            "agencies": agencies}


def campaign_create(*, actor, bureau: Agency, title: str, basis: str, agency_ids=(), all_agencies: bool = False,
                    action_types=(), period_from: dt.date, period_to: dt.date, sample_size: int,
                    checklist=None) -> Campaign:
    """组织: a justice bureau sets up a special inspection over agencies of its subtree (a draft until the draw)."""
    acting_bureau_check(actor=actor, bureau=bureau)  # who may, before anything about the input is said
    if not bureau.is_justice_bureau:
        raise ZhifaError(E.NOT_BUREAU, f"{bureau.name}不是司法行政部门，不能组织专项监督检查。")
    plan = _plan(bureau=bureau, title=title, basis=basis, agency_ids=agency_ids, all_agencies=all_agencies,
                 action_types=action_types, period_from=period_from, period_to=period_to, sample_size=sample_size,
                 checklist=checklist)
    agencies = plan["agencies"]
    with transaction.atomic():
        campaign = Campaign.objects.create(bureau=bureau, created_by=actor, **plan["fields"])
        campaign.agencies.set(agencies)
        entry = events.created(campaign, actor=actor)
        CampaignStep.objects.create(campaign=campaign, action="create", from_state="", to_state=State.DRAFT,
                                    actor=actor, data={"agencies": len(agencies)}, entry=entry)
    return campaign


def _jsonable(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def campaign_amend(*, campaign: Campaign, actor, title: str, basis: str, agency_ids=(), all_agencies: bool = False,
                   action_types=(), period_from: dt.date, period_to: dt.date, sample_size: int,
                   checklist=None) -> Campaign:
    """修改检查方案: while a draft (nothing drawn), the organising bureau changes the plan. The step records each field
    changed, before and after (the organising bureau itself is not changed: a campaign of another bureau is a new
    one). Once drawn, the plan is what the population was fixed from and no longer changes."""
    wf.authorise(WORKFLOW, "amend", campaign, actor)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["amend"], obj)
        plan = _plan(bureau=obj.bureau, title=title, basis=basis, agency_ids=agency_ids, all_agencies=all_agencies,
                     action_types=action_types, period_from=period_from, period_to=period_to,
                     sample_size=sample_size, checklist=checklist)
        changes = {name: [_jsonable(getattr(obj, name)), _jsonable(value)]
                   for name, value in plan["fields"].items() if getattr(obj, name) != value}
        before = sorted(obj.agencies.values_list("pk", flat=True))
        after = sorted(a.pk for a in plan["agencies"])
        if before != after:
            changes["agencies"] = [before, after]
        if not changes:
            raise ZhifaError(E.NOTHING_CHANGED, "检查方案没有改动。")
        for name, value in plan["fields"].items():
            setattr(obj, name, value)
        obj.agencies.set(plan["agencies"])
        wf.apply(WORKFLOW, "amend", obj, actor, data={"changes": changes})
        wf.save(WORKFLOW, obj, update_fields=plan["fields"])
    return obj


def _population_rows(campaign: Campaign):
    return (Case.objects.filter(agency__in=campaign.agencies.all(), action_type__in=campaign.action_types,
                                opened_at__date__gte=campaign.period_from, opened_at__date__lte=campaign.period_to)
            .order_by("pk").values_list("pk", "agency_id"))


def population_of(campaign: Campaign) -> list[tuple[int, int]]:
    """[(case id, agency id)] sorted by case id: the cases of the scoped agencies and action types whose filing date
    (立案时间, local date) falls in the period, both days included. Above MAX_POPULATION cases: refused (counted
    first, nothing loaded)."""
    rows = _population_rows(campaign)
    size = rows.count()
    if size > MAX_POPULATION:
        raise ZhifaError(E.POPULATION_TOO_LARGE, f"检查范围内共有 {size} 件案件，超过一次抽取的上限（{MAX_POPULATION} 件）；"
                         "请缩小检查范围（机关、执法行为类别或期间）后分别组织检查。",
                         details={"size": size, "limit": MAX_POPULATION})
    return [(pk, agency_id) for pk, agency_id in rows]


def population_fix(*, campaign: Campaign, actor) -> Population:
    """The draw's first transaction: the population fixed, its digest logged, and both committed before any seed
    exists. Fixed once per campaign: a draw that failed after this reuses it, never fixes a new one."""
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["draw"], obj)
        fixed = Population.objects.filter(campaign=obj).first()
        if fixed is not None:
            return fixed
        population = population_of(obj)
        if not population:
            raise ZhifaError(E.POPULATION_EMPTY, "检查范围内（所选机关、执法行为类别和期间）没有案件，无法抽取。")
        digest = draw.population_digest(population)
        entry = events.population_fixed(obj, actor=actor, size=len(population), digest=digest)
        return Population.objects.create(campaign=obj, cases=[[pk, a] for pk, a in population],
                                         size=len(population), digest=digest, entry=entry)


def earlier_draws(campaign: Campaign, digest: str) -> list[dict]:
    """The campaigns of the same bureau cancelled after a draw over the same population (same digest): a re-draw is
    recorded with them, never hidden (INS-03: re-draws recorded, never erased)."""
    rows = (Draw.objects.filter(population__digest=digest, campaign__bureau_id=campaign.bureau_id,
                                campaign__state=State.CANCELLED)
            .exclude(campaign_id=campaign.pk).select_related("campaign").order_by("campaign_id"))
    return [{"campaign": d.campaign_id, "title": d.campaign.title, "seed": d.seed} for d in rows]


def campaign_draw(*, campaign: Campaign, actor) -> Campaign:
    """抽取: fix the population and commit it with its digest logged (population_fix), then, in a second transaction,
    make the seed and draw per agency (draw.py). Called outside any transaction, so that the first one commits."""
    wf.authorise(WORKFLOW, "draw", campaign, actor)
    fixed = population_fix(campaign=campaign, actor=actor)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["draw"], obj)
        # The population is committed before the randomness exists (INS-03's rule, applied here).
        population = [(pk, a) for pk, a in fixed.cases]
        earlier = earlier_draws(obj, fixed.digest)
        seed = secrets.token_bytes(32)
        picked = draw.pick(seed, population, obj.sample_size)
        data = {"population_size": fixed.size, "population_sha256": fixed.digest,
                "population_log_entry": fixed.entry_id, "seed": seed.hex(), "sample_size": obj.sample_size,
                "earlier_draws": earlier,
                "sampled": {str(a): [pk for pk, _ in rows] for a, rows in picked.items()}}
        step = wf.apply(WORKFLOW, "draw", obj, actor, data=data)
        Draw.objects.create(campaign=obj, population=fixed, seed=seed.hex(), rule=draw.RULE, earlier=earlier,
                            step=step)
        SampledCase.objects.bulk_create([
            SampledCase(campaign=obj, case_id=pk, agency_id=agency_id, order=n, score=score)
            for agency_id, rows in picked.items() for n, (pk, score) in enumerate(rows, start=1)])
        wf.save(WORKFLOW, obj)
    return obj


def latest_findings(campaign: Campaign):
    """The findings that count: the latest per (sampled case, item), i.e. those not superseded."""
    return Finding.objects.filter(sampled__campaign=campaign, superseded_by__isnull=True)


def findings_record(*, campaign: Campaign, actor, sampled_id: int, results) -> Campaign:
    """记录检查结果: for one sampled case, a result per check item (符合 / 存在问题 / 严重问题) with its text. An item
    already recorded the same way is left as is; a changed one is a new row superseding the old."""
    wf.authorise(WORKFLOW, "record_findings", campaign, actor)
    clean = {}
    for row in results or []:
        item = row.get("item")
        if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item < len(campaign.checklist):
            raise ZhifaError(E.FINDING_INVALID, "检查项目不存在。", details={"item": item})
        result = row.get("result") or ""
        if result not in Result.values:
            raise ZhifaError(E.FINDING_INVALID, f"“{campaign.checklist[item]}”的检查结果应为符合、存在问题或严重问题。",
                             details={"item": item})
        text = _text(row.get("text"), f"“{campaign.checklist[item]}”的情况说明", limit=2000,
                     required=result != Result.OK, field=f"item_{item}")
        clean[item] = (result, text)
    if not clean:
        raise ZhifaError(E.FINDING_INVALID, "请至少填写一个检查项目的结果。")
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["record_findings"], obj)
        sampled = SampledCase.objects.filter(pk=sampled_id, campaign=obj).first()
        if sampled is None:
            raise ZhifaError(E.SAMPLED_CASE_INVALID, "该案件不是本次检查抽取的案件。")
        current = {f.item: f for f in latest_findings(obj).filter(sampled=sampled)}
        changes = [(item, result, text, current.get(item)) for item, (result, text) in sorted(clean.items())
                   if item not in current or (current[item].result, current[item].text) != (result, text)]
        if not changes:
            raise ZhifaError(E.FINDINGS_UNCHANGED, "检查结果没有变化，未作记录。")
        data = {"sampled": sampled.pk, "case": sampled.case_id, "agency": sampled.agency_id,
                "findings": [{"item": item, "check": obj.checklist[item], "result": result, "text": text,
                              "supersedes": old.pk if old else None} for item, result, text, old in changes]}
        step = wf.apply(WORKFLOW, "record_findings", obj, actor, data=data)
        for item, result, text, old in changes:
            Finding.objects.create(sampled=sampled, item=item, result=result, text=text, supersedes=old, step=step)
        wf.save(WORKFLOW, obj)
    return obj


def missing_findings(campaign: Campaign) -> int:
    """How many (sampled case, item) pairs have no result yet."""
    sampled = SampledCase.objects.filter(campaign=campaign).count()
    return sampled * len(campaign.checklist) - latest_findings(campaign).count()


def report_table(campaign: Campaign) -> list[dict]:
    """Per agency in the campaign's scope: cases sampled, cases with problems (存在问题, the serious ones included),
    of which serious (严重问题), and per check item the cases not 符合. An agency of the scope with no case filed in
    the period is a row of its own with nothing sampled (`no_cases`): it was inspected and had nothing to draw (the
    browser tryout: it vanished from the table, the report and the notice). Three queries whatever the size."""
    agencies = {}

    def blank(agency_id, name):
        return {"agency_id": agency_id, "agency": name, "sampled": 0, "problem": 0, "serious": 0,
                "items": [0] * len(campaign.checklist), "no_cases": False, "_cases": defaultdict(set)}

    for s in SampledCase.objects.filter(campaign=campaign).select_related("agency").order_by("agency_id", "order"):
        row = agencies.setdefault(s.agency_id, blank(s.agency_id, s.agency.name))
        row["sampled"] += 1
    for agency_id, name in campaign.agencies.order_by("id").values_list("id", "name"):
        if agency_id not in agencies:
            agencies[agency_id] = blank(agency_id, name) | {"no_cases": True}
    for sampled_id, agency_id, item, result in (latest_findings(campaign).exclude(result=Result.OK)
                                                .values_list("sampled_id", "sampled__agency_id", "item", "result")):
        row = agencies[agency_id]
        row["items"][item] += 1
        row["_cases"][result].add(sampled_id)
    out = []
    for agency_id in sorted(agencies):
        row = agencies[agency_id]
        cases = row.pop("_cases")
        row["serious"] = len(cases[Result.SERIOUS])
        row["problem"] = len(cases[Result.PROBLEM] | cases[Result.SERIOUS])
        out.append(row)
    return out


def _number(bureau: Agency, word: str, year: int) -> str:
    """The next 文号 of this bureau for this kind of document and year, under the bureau's row lock (taken by the
    caller): 甲司专通〔2026〕1号. The constraint campaign_document_number_once makes a numbering bug fail loudly."""
    prefix = bureau.abbreviation or f"{bureau.jurisdiction.name}司"
    taken = CampaignDocument.objects.filter(bureau=bureau, number__startswith=f"{prefix}{word}〔{year}〕")
    return f"{prefix}{word}〔{year}〕{taken.count() + 1}号"


def _seal(campaign: Campaign, *, kind: str, text: str, context_of, actor, issued_on: dt.date) -> CampaignDocument:
    # One number at a time per bureau. On PostgreSQL FOR NO KEY UPDATE: held through rendering and signing, it does
    # not block the FOR KEY SHARE that every insert referencing the bureau takes (new instruments, campaigns, ...).
    no_key = connection.features.has_select_for_no_key_update
    Agency.objects.select_for_update(no_key=no_key).filter(pk=campaign.bureau_id).first()
    number = _number(campaign.bureau, NUMBER_WORD[kind], issued_on.year)
    context = context_of(number)
    data, signer, pages = rendering.sealed_pdf(context, bureau=campaign.bureau,
                                               reason=f"{context['title']}（{number}）")
    put = evidence_put(ContentFile(data, name=f"{number}.pdf"), actor=actor, content_type="application/pdf")
    entry = events.document_sealed(campaign, actor=actor, kind=kind, number=number, sha256=put.blob.sha256,
                                   signer_sha256=signer)
    return CampaignDocument.objects.create(campaign=campaign, bureau_id=campaign.bureau_id, kind=kind, number=number, issued_on=issued_on, text=text,
                                           blob=put.blob, signer_sha256=signer, pages=pages, entry=entry)


def campaign_report(*, campaign: Campaign, actor, summary: str, today: dt.date | None = None) -> Campaign:
    """形成检查报告: once every sampled case has a result for every check item, the supervisor's summary and the
    computed table per agency, sealed with the bureau's signature."""
    wf.authorise(WORKFLOW, "report", campaign, actor)
    summary = _text(summary, "检查报告的总体情况", limit=20000, field="summary")
    today = today or timezone.localdate()
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["report"], obj)
        missing = missing_findings(obj)
        if missing:
            raise ZhifaError(E.FINDINGS_INCOMPLETE, f"还有 {missing} 个检查项目没有记录结果，每个抽取案件的每个检查项目都"
                             "须有结果后才能形成检查报告。", details={"missing": missing})
        table = report_table(obj)
        document = _seal(obj, kind=DocumentKind.REPORT, text=summary, actor=actor, issued_on=today,
                         context_of=lambda n: rendering.report_context(obj, number=n, issued_on=today, summary=summary,
                                                                        table=table))
        wf.apply(WORKFLOW, "report", obj, actor, note=summary,
                 data={"document": document.pk, "number": document.number, "table": table})
        wf.save(WORKFLOW, obj)
    return obj


def campaign_publish(*, campaign: Campaign, actor, text: str, today: dt.date | None = None) -> Campaign:
    """发布通报: the notice, sealed, published on the portal and sent to each agency inspected."""
    wf.authorise(WORKFLOW, "publish", campaign, actor)
    text = _text(text, "通报正文", limit=20000, field="text")
    today = today or timezone.localdate()
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["publish"], obj)
        agencies = list(Agency.objects.filter(pk__in=SampledCase.objects.filter(campaign=obj).values("agency_id"))
                        .order_by("jurisdiction__path", "name"))
        document = _seal(obj, kind=DocumentKind.NOTICE, text=text, actor=actor, issued_on=today,
                         context_of=lambda n: rendering.notice_context(obj, number=n, issued_on=today, text=text,
                                                                        agencies=agencies))
        obj.published_on = today
        step = wf.apply(WORKFLOW, "publish", obj, actor, note=text,
                        data={"document": document.pk, "number": document.number,
                              "agencies": [a.pk for a in agencies]})
        NoticeDelivery.objects.bulk_create([NoticeDelivery(campaign=obj, agency=a, step=step) for a in agencies])
        wf.save(WORKFLOW, obj)
    return obj


def notice_acknowledge(*, campaign: Campaign, actor, agency: Agency, note: str = "") -> Campaign:
    """签收: a head of an agency the notice was sent to acknowledges it, once per agency."""
    wf.authorise(WORKFLOW, "acknowledge", campaign, actor)  # a head of an agency the notice was sent to
    if not org_perms.can(actor, AGENCY_PERMISSION, agency=agency):  # … and of this one
        org_perms.deny(actor, AGENCY_PERMISSION, detail=f"campaigns acknowledge campaign:{campaign.pk} agency:{agency.pk}")
    note = _text(note, "签收意见", limit=2000, required=False)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["acknowledge"], obj)
        delivery = NoticeDelivery.objects.select_for_update().filter(campaign=obj, agency=agency).first()
        if delivery is None:
            raise ZhifaError(E.NOT_NOTIFIED, f"本通报未送达{agency.name}，无需签收。")
        if NoticeReceipt.objects.filter(delivery=delivery).exists():
            raise ZhifaError(E.ALREADY_ACKNOWLEDGED, f"{agency.name}已签收本通报。", status=409)
        step = wf.apply(WORKFLOW, "acknowledge", obj, actor, note=note, data={"agency": agency.pk})
        NoticeReceipt.objects.create(delivery=delivery, step=step)
        wf.save(WORKFLOW, obj)
    return obj


def campaign_cancel(*, campaign: Campaign, actor, reason: str) -> Campaign:
    """撤销: a draft or an inspection under way is called off, with the reason (what was drawn stays on record).
    After the draw the sample is known, so the reason must say something (MIN_CANCEL_REASON_AFTER_DRAW characters);
    a later draw over the same population names this campaign and its seed (earlier_draws)."""
    wf.authorise(WORKFLOW, "cancel", campaign, actor)
    reason = _text(reason, "撤销理由", limit=2000, field="reason")
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["cancel"], obj)
        drawn = Draw.objects.filter(campaign=obj).first()
        if drawn is not None and len(reason) < MIN_CANCEL_REASON_AFTER_DRAW:
            raise ZhifaError(E.CANCEL_REASON_TOO_SHORT, f"已抽取案件后撤销检查，须说明不少于 {MIN_CANCEL_REASON_AFTER_DRAW} 个字的"
                             "撤销理由；对相同总体再次组织检查时，本次抽取（含随机种子）将一并列明。",
                             details={"field": "reason", "min": MIN_CANCEL_REASON_AFTER_DRAW})
        wf.apply(WORKFLOW, "cancel", obj, actor, note=reason,
                 data={"drawn": drawn is not None, "seed": drawn.seed if drawn else None})
        wf.save(WORKFLOW, obj)
    return obj
