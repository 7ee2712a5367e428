"""Every write of case-file evaluation campaigns (STYLE habit 1): create, draw, evaluators, assignment, recusal,
scoring (self-check, spot check, reconciliation), closing with results and the sealed report, rectification, cancel.
Each move goes through core.workflow (permission first with the denial logged, then the row lock, the table, the
step and its typed ledger event, the save). Standards and pre-scores only through standards.py and prescore.py."""

import dataclasses
import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from zhifa.cases.models import Case, Stage, StageChange
from zhifa.core import sampling
from zhifa.core import workflow as wf
from zhifa.core.bounds import normalise
from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.ledger.services import evidence_put
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Adviser, Agency, AgencyStatus, Person, RoleGrant
from zhifa.org.selectors import supervised_agencies
from zhifa.rules.selectors import rule_get

from . import events, prescore, standards
from .errors import EvalErrorCode as E
from .models import (
    MAX_POPULATION,
    MAX_SAMPLE,
    MIN_REASON,
    MIN_SAMPLE,
    Assigned,
    EvalCampaign,
    EvalDocument,
    EvalDraw,
    EvalFile,
    EvalPopulation,
    EvalStep,
    Evaluator,
    EvaluatorSource,
    FileResult,
    MachineScore,
    Mark,
    MarkSource,
    Phase,
    Rectification,
    RectificationReport,
    Recusal,
    State,
    Verdict,
)
from .workflow import AGENCY_PERMISSION, BUREAU_PERMISSION, MOVES, organiser_may

RULE = ("总体：评查范围内各机关、各执法行为类别在期间内归档的全部案卷；摘要为每件一行“案件编号:机关编号”（十进制），按案件编号升序、"
        "以换行连接后的 SHA-256，在生成随机种子之前记入日志并提交。随机种子为 32 字节随机数。每件案卷的分值为 HMAC-SHA256（密钥为"
        "种子，消息为十进制案件编号）；各机关按分值（相同时按编号）升序取前 N 件，N 为抽取数，或抽取比例乘以该机关案卷数向上取整"
        "（至少一件）。")
RECTIFICATION_KEY = "evaluation.rectification_days"


def _record(campaign, move, *, actor, from_state: str, to_state: str, note: str, data: dict, step: str):
    entry = events.moved(campaign, move, actor=actor, action=step, from_state=from_state, to_state=to_state,
                         note=note, data=data)
    return EvalStep.objects.create(campaign=campaign, action=step, from_state=from_state, to_state=to_state,
                                   actor=actor, note=note, data=data, entry=entry)


WORKFLOW = wf.Workflow(
    name="evaluation.campaign", model=EvalCampaign, state_field="state", states=State, moves=tuple(MOVES.values()),
    noun="案卷评查", agency_of=lambda c: c.organiser, record=_record, select_related=("organiser__jurisdiction",),
    update_fields=("closed_on",))


def _text(value, what: str, *, limit: int, required: bool = True, field: str = "", minimum: int = 0,
          code: str = E.TEXT_REQUIRED) -> str:
    text = normalise(str(value or "")).strip()
    if required and len(text) < max(1, minimum):
        more = f"（不少于 {minimum} 个字）" if minimum > 1 else ""
        raise ZhifaError(code, f"请填写{what}{more}。", details={"field": field or what})
    if len(text) > limit:
        raise ZhifaError(E.TEXT_TOO_LONG, f"{what}不能超过 {limit} 个字。", details={"field": field or what})
    return text


# --- standards pinned on the campaign -----------------------------------------------------------------------------

def standard_dict(standard: standards.Standard) -> dict:
    return dataclasses.asdict(standard)


def standard_of(campaign: EvalCampaign, action_type: str) -> standards.Standard:
    """The standard pinned on the campaign for `action_type` (as in force on the opening day)."""
    d = dict(campaign.standards[action_type])
    d["items"] = tuple(standards.Item(**i) for i in d["items"])
    return standards.Standard(**d)


# --- who may be an evaluator --------------------------------------------------------------------------------------

def member_agency_ids(user) -> set[int]:
    """The agencies a user belongs to: their person's agency, an agency role grant, an adviser's home agency."""
    ids = set(Person.objects.filter(user_id=user.pk).values_list("agency_id", flat=True))
    ids |= set(RoleGrant.objects.filter(user_id=user.pk, revoked_at__isnull=True, agency__isnull=False)
               .values_list("agency_id", flat=True))
    ids |= set(Adviser.objects.filter(person__user_id=user.pk, home_agency__isnull=False)
               .values_list("home_agency_id", flat=True))
    return ids


def evaluator_source(campaign: EvalCampaign, user) -> str | None:
    """Where an eligible evaluator comes from, or None: the supervisors of the organising bureau (its supervisory
    permission over its jurisdiction) and the pooled legal advisers whose pool lies within its jurisdiction."""
    organiser = campaign.organiser
    if not organiser.is_justice_bureau:
        return EvaluatorSource.AGENCY if org_perms.can(user, AGENCY_PERMISSION, agency=organiser) else None
    if org_perms.can(user, BUREAU_PERMISSION, jurisdiction=organiser.jurisdiction):
        return EvaluatorSource.SUPERVISOR
    if Adviser.objects.filter(person__user_id=user.pk, active=True,
                              pool_jurisdiction__path__startswith=organiser.jurisdiction.path).exists():
        return EvaluatorSource.ADVISER
    return None


def refuse_member(user, agency: Agency, *, members: set[int] | None = None) -> None:
    """Never an evaluator of a file of one's own agency (stable code evaluation_evaluator_from_evaluated_agency)."""
    if agency.pk in (member_agency_ids(user) if members is None else members):
        raise ZhifaError(E.EVALUATOR_FROM_AGENCY, f"{_name(user)}是{agency.name}的人员，不能评查本机关的案卷（应当回避）。",
                         status=409, details={"user": user.pk, "agency": agency.pk})


def _name(user) -> str:
    person = getattr(user, "person", None) if user is not None else None
    return getattr(person, "name", None) or getattr(user, "username", "该人员")


def _add_evaluators(campaign: EvalCampaign, users, step) -> list[Evaluator]:
    from django.contrib.auth import get_user_model

    existing = set(Evaluator.objects.filter(campaign=campaign).values_list("user_id", flat=True))
    rows = []
    for user in users:
        if not hasattr(user, "pk"):
            user = get_user_model().objects.filter(pk=user).first()
            if user is None:
                raise ZhifaError(E.EVALUATOR_NOT_ELIGIBLE, "评查人员不存在。", details={"field": "evaluators"})
        if user.pk in existing:
            continue
        source = evaluator_source(campaign, user)
        if source is None:
            raise ZhifaError(E.EVALUATOR_NOT_ELIGIBLE, f"{_name(user)}不是{campaign.organiser.name}的执法监督人员，也不在其"
                             "统筹调用的法律顾问、公职律师库中，不能担任评查人员。", details={"field": "evaluators", "user": user.pk})
        existing.add(user.pk)
        rows.append(Evaluator(campaign=campaign, user=user, source=source, step=step))
    return Evaluator.objects.bulk_create(rows)


# --- create -------------------------------------------------------------------------------------------------------

def _ratio(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        r = Decimal(str(value))
    except InvalidOperation:
        r = Decimal(-1)
    if not Decimal("0.001") <= r <= 1:
        raise ZhifaError(E.SAMPLE_INVALID, "抽取比例应在 0.001 至 1 之间（如 0.1 即 10%）。", details={"field": "sample_ratio"})
    return r


def _plan(*, organiser: Agency, actor, title: str, basis: str, agency_ids, all_agencies: bool, action_types,
          period_from: dt.date, period_to: dt.date, sample_size, sample_ratio, self_check: bool, lead, on: dt.date,
          pinned: dict | None = None) -> dict:
    """The checked plan of a campaign (organising and amending read it the same way): {"fields": the model's fields,
    "agencies": [Agency]}. The standards are pinned per action type as in force on `on`; a type already pinned
    (`pinned`, amending) keeps its standard."""
    probe = EvalCampaign(organiser=organiser)
    title = _text(title, "评查名称", limit=200, field="title")
    basis = _text(basis, "评查依据", limit=5000, required=False, field="basis")
    if period_from is None or period_to is None or period_from > period_to:
        raise ZhifaError(E.PERIOD_INVALID, "请填写归档期间的起止日期，开始日期不能晚于结束日期。", details={"field": "period_from"})
    ratio = _ratio(sample_ratio)
    if (sample_size in (None, "")) == (ratio is None):
        raise ZhifaError(E.SAMPLE_INVALID, "请填写每个机关抽取的案卷数或抽取比例（二者选一）。", details={"field": "sample_size"})
    if ratio is None and (not isinstance(sample_size, int) or isinstance(sample_size, bool)
                          or not MIN_SAMPLE <= sample_size <= MAX_SAMPLE):
        raise ZhifaError(E.SAMPLE_INVALID, f"每个机关抽取的案卷数应在 {MIN_SAMPLE} 至 {MAX_SAMPLE} 件之间。",
                         details={"field": "sample_size"})
    types = list(dict.fromkeys(action_types or []))
    if not types or any(t not in ActionType.values for t in types):
        raise ZhifaError(E.ACTION_TYPES_INVALID, "请选择要评查的执法行为类别。", details={"field": "action_types"})
    if organiser.is_justice_bureau:
        allowed = supervised_agencies([organiser])
        if all_agencies:
            agencies = list(allowed)
        else:
            ids = list(dict.fromkeys(int(i) for i in agency_ids or []))
            agencies = list(allowed.filter(pk__in=ids))
            if len(agencies) != len(ids):
                raise ZhifaError(E.AGENCY_NOT_SUPERVISED, f"所选机关不在{organiser.name}的监督范围内（本级及下级行政区划的执法机关）。",
                                 details={"field": "agencies"})
        if not agencies:
            raise ZhifaError(E.AGENCIES_REQUIRED, "请至少选择一个被评查的执法机关。", details={"field": "agencies"})
    else:
        agencies, self_check = [organiser], True
    if lead is not None and getattr(lead, "pk", None) != actor.pk and evaluator_source(probe, lead) is None:
        # The lead decides where two evaluators differ: one of the organiser's own evaluators' sources only.
        raise ZhifaError(E.LEAD_NOT_ELIGIBLE, f"{_name(lead)}不是{organiser.name}的执法监督人员，也不在其统筹调用的"
                         "法律顾问、公职律师库中，不能担任评查组长。", details={"field": "lead", "user": lead.pk})
    if lead is not None and organiser.is_justice_bureau:
        members = member_agency_ids(lead)
        if any(a.pk in members for a in agencies):
            raise ZhifaError(E.LEAD_NOT_ELIGIBLE, f"{_name(lead)}是被评查机关的人员，不能担任评查组长（应当回避）。",
                             status=409, details={"field": "lead", "user": lead.pk})
    standards_pinned = {}
    for t in types:
        if pinned and t in pinned:
            standards_pinned[t] = pinned[t]
            continue
        try:
            std = standards.standard_for(organiser.jurisdiction, t, on=on)
        except ZhifaError:
            raise
        except Exception as exc:
            raise ZhifaError(E.STANDARD_MISSING, f"{organiser.jurisdiction.name}没有在 {on} 有效的"
                             f"{ActionType(t).label}案卷评查标准，请先设定评查标准。", details={"field": "action_types"}) from exc
        standards_pinned[t] = standard_dict(std)
    fields = {"title": title, "basis": basis, "action_types": types, "period_from": period_from,
              "period_to": period_to, "sample_size": None if ratio is not None else sample_size, "sample_ratio": ratio,
              "self_check": bool(self_check), "standards": standards_pinned}
    return {"fields": fields, "agencies": agencies}


def campaign_create(*, actor, organiser: Agency, title: str, basis: str = "", agency_ids=(), all_agencies=False,
                    action_types=(), period_from: dt.date, period_to: dt.date, sample_size: int | None = None,
                    sample_ratio=None, self_check: bool = False, evaluators=(), lead=None,
                    today: dt.date | None = None) -> EvalCampaign:
    """组织案卷评查: a bureau over agencies of its subtree, or an agency for its own self-check (its agencies then
    itself, self_check forced). The standards in force today are pinned per action type."""
    probe = EvalCampaign(organiser=organiser)
    if not organiser_may(probe, actor):  # who may, before anything about the input is said
        org_perms.deny(actor, BUREAU_PERMISSION if organiser.is_justice_bureau else AGENCY_PERMISSION,
                       detail=f"evaluation create as agency:{organiser.pk}")
    today = today or timezone.localdate()
    plan = _plan(organiser=organiser, actor=actor, title=title, basis=basis, agency_ids=agency_ids,
                 all_agencies=all_agencies, action_types=action_types, period_from=period_from, period_to=period_to,
                 sample_size=sample_size, sample_ratio=sample_ratio, self_check=self_check, lead=lead, on=today)
    with transaction.atomic():
        campaign = EvalCampaign.objects.create(organiser=organiser, lead=lead or actor, created_by=actor,
                                               opened_on=today, **plan["fields"])
        campaign.agencies.set(plan["agencies"])
        entry = events.created(campaign, actor=actor)
        step = EvalStep.objects.create(campaign=campaign, action="create", from_state="", to_state=State.DRAFT,
                                       actor=actor, data={"agencies": len(plan["agencies"])}, entry=entry)
        if evaluators:
            _add_evaluators(campaign, evaluators, step)
    return campaign


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def campaign_amend(*, campaign: EvalCampaign, actor, title: str, basis: str = "", agency_ids=(), all_agencies=False,
                   action_types=(), period_from: dt.date, period_to: dt.date, sample_size: int | None = None,
                   sample_ratio=None, self_check: bool = False) -> EvalCampaign:
    """修改评查方案: while a draft (nothing drawn), the organiser changes the plan; the step records each field changed,
    before and after. The organiser, the lead and the evaluators are not changed here (evaluators are added by their own
    move). A standard already pinned stays; a new action type's is the one in force on the opening day. Once drawn, the
    plan is what the population was fixed from and no longer changes."""
    wf.authorise(WORKFLOW, "amend", campaign, actor)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["amend"], obj)
        plan = _plan(organiser=obj.organiser, actor=actor, title=title, basis=basis, agency_ids=agency_ids,
                     all_agencies=all_agencies, action_types=action_types, period_from=period_from,
                     period_to=period_to, sample_size=sample_size, sample_ratio=sample_ratio, self_check=self_check,
                     lead=None, on=obj.opened_on, pinned=obj.standards)
        changes = {name: [_jsonable(getattr(obj, name)), _jsonable(value)]
                   for name, value in plan["fields"].items() if name != "standards" and getattr(obj, name) != value}
        before = sorted(obj.agencies.values_list("pk", flat=True))
        after = sorted(a.pk for a in plan["agencies"])
        if before != after:
            changes["agencies"] = [before, after]
        if not changes:
            raise ZhifaError(E.NOTHING_CHANGED, "评查方案没有改动。")
        for name, value in plan["fields"].items():
            setattr(obj, name, value)
        obj.agencies.set(plan["agencies"])
        wf.apply(WORKFLOW, "amend", obj, actor, data={"changes": changes})
        wf.save(WORKFLOW, obj, update_fields=plan["fields"])
    return obj


def evaluators_add(*, campaign: EvalCampaign, actor, users) -> EvalCampaign:
    """确定评查人员: supervisors of the bureau or pooled legal advisers (evaluator_source)."""
    wf.authorise(WORKFLOW, "add_evaluators", campaign, actor)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["add_evaluators"], obj)
        users = list(users)
        step = wf.apply(WORKFLOW, "add_evaluators", obj, actor, to=obj.state,
                        data={"users": [getattr(u, "pk", u) for u in users]})
        _add_evaluators(obj, users, step)
        wf.save(WORKFLOW, obj)
    return obj


# --- the draw -----------------------------------------------------------------------------------------------------

def _population_rows(campaign: EvalCampaign):
    archived = StageChange.objects.filter(to_stage=Stage.ARCHIVE, at__date__gte=campaign.period_from,
                                          at__date__lte=campaign.period_to).values("case_id")
    return (Case.objects.filter(agency__in=campaign.agencies.all(), action_type__in=campaign.action_types,
                                stage=Stage.ARCHIVE, pk__in=archived).order_by("pk").values_list("pk", "agency_id"))


def population_of(campaign: EvalCampaign) -> list[tuple[int, int]]:
    """[(case id, agency id)] by case id: the archived cases of the scope whose archive date falls in the period."""
    rows = _population_rows(campaign)
    size = rows.count()
    if size > MAX_POPULATION:
        raise ZhifaError(E.POPULATION_TOO_LARGE, f"评查范围内共有 {size} 件案卷，超过一次抽取的上限（{MAX_POPULATION} 件），"
                         "请缩小范围。", details={"size": size, "limit": MAX_POPULATION})
    return list(rows)


def population_fix(*, campaign: EvalCampaign, actor) -> EvalPopulation:
    """The draw's first transaction: the population fixed, its digest logged, both committed before any seed."""
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["draw"], obj)
        fixed = EvalPopulation.objects.filter(campaign=obj).first()
        if fixed is not None:
            return fixed
        population = population_of(obj)
        if not population:
            raise ZhifaError(E.POPULATION_EMPTY, "评查范围内（所选机关、执法行为类别和归档期间）没有已归档的案卷，无法抽取。"
                             "评查组织后不能再更改评查范围：请撤销本次评查，放宽范围（增加机关或执法行为类别、延长归档期间）"
                             "后重新组织。")
        digest = sampling.population_digest(population)
        entry = events.population_fixed(obj, actor=actor, size=len(population), digest=digest)
        return EvalPopulation.objects.create(campaign=obj, cases=[[pk, a] for pk, a in population],
                                             size=len(population), digest=digest, entry=entry)


def per_agency(campaign: EvalCampaign):
    return lambda n: sampling.per_agency_count(n, size=campaign.sample_size,
                                               ratio=campaign.sample_ratio if campaign.sample_size is None else None)


def machine_store(files: list[EvalFile], campaign: EvalCampaign) -> int:
    """The machine's pre-scores of `files`, per item with a check, with their evidence (prescore.prescore: one batch
    per action type, its query count flat in the number of files)."""
    cases = dict(Case.objects.filter(pk__in=[f.case_id for f in files]).values_list("pk", "action_type"))
    rows = []
    for t in campaign.action_types:
        std = standard_of(campaign, t)
        checked = [it for it in std.items if it.check]
        ids = [f.case_id for f in files if cases.get(f.case_id) == t]
        if not checked or not ids:
            continue
        outcomes = prescore.prescore(ids, sorted({it.check for it in checked}), items={it.check: it for it in checked})
        for f in files:
            if cases.get(f.case_id) != t:
                continue
            for it in checked:
                o = outcomes.get(f.case_id, {}).get(it.check)
                if o is None:
                    o = prescore.Outcome(passed=None, evidence=("该项无法由系统判断，请评查人员评分。",))
                rows.append(MachineScore(file=f, item=it.code, check_code=it.check, passed=o.passed, errors=o.errors,
                                         evidence=list(o.evidence), refs=[list(r) for r in o.refs]))
    MachineScore.objects.bulk_create(rows)
    return len(rows)


def campaign_draw(*, campaign: EvalCampaign, actor) -> EvalCampaign:
    """抽取: fix and commit the population first (population_fix), then make the seed and draw per agency
    (core.sampling), and store the machine's pre-scores of the files drawn. Called outside any transaction."""
    wf.authorise(WORKFLOW, "draw", campaign, actor)
    fixed = population_fix(campaign=campaign, actor=actor)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["draw"], obj)
        population = [(pk, a) for pk, a in fixed.cases]
        seed = secrets.token_bytes(32)
        picked = sampling.pick(seed, population, per_agency(obj))
        data = {"population_size": fixed.size, "population_sha256": fixed.digest,
                "population_log_entry": fixed.entry_id, "seed": seed.hex(), "sample_size": obj.sample_size,
                "sample_ratio": str(obj.sample_ratio) if obj.sample_ratio is not None else None,
                "drawn": {str(a): [pk for pk, _ in rows] for a, rows in picked.items()}}
        step = wf.apply(WORKFLOW, "draw", obj, actor, data=data,
                        to=State.SELF_CHECK if obj.self_check else State.SCORING)
        EvalDraw.objects.create(campaign=obj, population=fixed, seed=seed.hex(), rule=RULE, step=step)
        files = EvalFile.objects.bulk_create([
            EvalFile(campaign=obj, case_id=pk, agency_id=agency_id, order=n, score=score)
            for agency_id, rows in picked.items() for n, (pk, score) in enumerate(rows, start=1)])
        if not all(f.pk for f in files):  # a backend without RETURNING: read them back
            files = list(EvalFile.objects.filter(campaign=obj))
        machine_store(files, obj)
        wf.save(WORKFLOW, obj)
    return obj


def replay(campaign: EvalCampaign) -> dict[int, list[int]]:
    """The draw again from its public record (population, seed, sample rule): {agency id: [case id, ...]}."""
    d = EvalDraw.objects.select_related("population").get(campaign=campaign)
    picked = sampling.pick(bytes.fromhex(d.seed), [tuple(r) for r in d.population.cases], per_agency(campaign))
    return {a: [pk for pk, _ in rows] for a, rows in picked.items()}


# --- assignment and recusal ---------------------------------------------------------------------------------------

def needed(campaign: EvalCampaign, file: EvalFile, action_type: str | None = None) -> int:
    t = action_type or Case.objects.values_list("action_type", flat=True).get(pk=file.case_id)
    return 2 if campaign.standards.get(t, {}).get("double") else 1


def _live(file_ids) -> dict[int, list[Assigned]]:
    out = {}
    for a in Assigned.objects.filter(file_id__in=file_ids, recusal__isnull=True).select_related("evaluator").order_by("id"):
        out.setdefault(a.file_id, []).append(a)
    return out


def _candidates(campaign: EvalCampaign) -> list:
    return [e.user for e in Evaluator.objects.filter(campaign=campaign).select_related("user__person").order_by("id")]


ASSIGN_RULE = ("系统自动分配：每件案卷按评查标准需要的人数（一名，或每件两名）分配，先分给已承担案卷最少的评查人员，"
               "不分给被评查机关的人员，也不分给已回避该案卷的人员。")


def unassigned(campaign: EvalCampaign) -> list[int]:
    """The campaign's files still lacking an evaluator (two where the standard says `double`), in order: the assign
    move has something to do only while there are any. Two queries."""
    files = list(EvalFile.objects.filter(campaign=campaign).order_by("id").values_list("pk", "case__action_type"))
    live = {}
    for file_id in Assigned.objects.filter(file__campaign=campaign, recusal__isnull=True).values_list("file_id", flat=True):
        live[file_id] = live.get(file_id, 0) + 1
    return [pk for pk, t in files if live.get(pk, 0) < (2 if campaign.standards.get(t, {}).get("double") else 1)]


def unassigned_count(campaign: EvalCampaign) -> int:
    return len(unassigned(campaign))


def _pick_evaluator(campaign, file, *, pool, members, load, exclude) -> object | None:
    choices = [u for u in pool if u.pk not in exclude and file.agency_id not in members[u.pk]]
    if not choices:
        return None
    return min(choices, key=lambda u: (load.get(u.pk, 0), u.pk))


def assign(*, campaign: EvalCampaign, actor, pairs=None) -> EvalCampaign:
    """分配评查案卷: `pairs` [(file id, user id)], or None to give every file its evaluators (two where the standard
    says `double`), the least loaded first, never a member of the file's agency (refused when named), never one
    who recused from it."""
    from django.contrib.auth import get_user_model

    wf.authorise(WORKFLOW, "assign", campaign, actor)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["assign"], obj)
        files = {f.pk: f for f in EvalFile.objects.filter(campaign=obj).select_related("agency", "case")}
        live = _live(files)
        pool = _candidates(obj)
        members = {u.pk: member_agency_ids(u) for u in pool}
        recused = {}
        for file_id, user_id in Assigned.objects.filter(file__campaign=obj, recusal__isnull=False).values_list(
                "file_id", "evaluator_id"):
            recused.setdefault(file_id, set()).add(user_id)
        load = {}
        for rows in live.values():
            for a in rows:
                load[a.evaluator_id] = load.get(a.evaluator_id, 0) + 1
        made = []
        if pairs is not None:
            users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[u for _, u in pairs])}
            for file_id, user_id in pairs:
                f, user = files.get(file_id), users.get(user_id)
                if f is None:
                    raise ZhifaError(E.FILE_INVALID, "该案卷不是本次评查抽取的案卷。")
                if user is None or user.pk not in {u.pk for u in pool}:
                    raise ZhifaError(E.EVALUATOR_NOT_ELIGIBLE, "只能分配给本次评查的评查人员。", details={"user": user_id})
                refuse_member(user, f.agency, members=members[user.pk])
                taken = {a.evaluator_id for a in live.get(f.pk, [])} | recused.get(f.pk, set())
                if user.pk in taken or len(live.get(f.pk, [])) >= needed(obj, f, f.case.action_type):
                    raise ZhifaError(E.ALREADY_ASSIGNED, f"案卷{f.case.number}已分配足够的评查人员，或该人员已分配或已回避。",
                                     status=409)
                made.append((f, user))
                live.setdefault(f.pk, []).append(None)
        else:
            for f in files.values():
                current = live.get(f.pk, [])
                exclude = {a.evaluator_id for a in current} | recused.get(f.pk, set())
                for _ in range(needed(obj, f, f.case.action_type) - len(current)):
                    user = _pick_evaluator(obj, f, pool=pool, members=members, load=load, exclude=exclude)
                    if user is None:
                        raise ZhifaError(E.EVALUATORS_TOO_FEW, f"没有足够的可回避本机关（{f.agency.name}）的评查人员可分配，请增加评查人员。",
                                         status=409)
                    exclude.add(user.pk)
                    load[user.pk] = load.get(user.pk, 0) + 1
                    made.append((f, user))
        if not made:
            raise ZhifaError(E.ALREADY_ASSIGNED, "每件案卷均已分配评查人员。", status=409)
        step = wf.apply(WORKFLOW, "assign", obj, actor,
                        data={"assigned": [[f.pk, u.pk] for f, u in made]})
        Assigned.objects.bulk_create([Assigned(file=f, evaluator=u, step=step) for f, u in made])
        wf.save(WORKFLOW, obj)
    return obj


def recuse(*, campaign: EvalCampaign, actor, file_id: int, reason: str) -> Assigned | None:
    """回避: an evaluator steps back from a file with the reason (logged); the file is given to another evaluator of
    the campaign (not a member of its agency, not one who recused from it), or waits for the organiser."""
    wf.authorise(WORKFLOW, "recuse", campaign, actor)
    _require_assigned(campaign, actor, file_id, "recuse")
    reason = _text(reason, "回避理由", limit=2000, field="reason", minimum=MIN_REASON, code=E.REASON_REQUIRED)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["recuse"], obj)
        mine = (Assigned.objects.select_for_update(of=("self",)).filter(
            file_id=file_id, file__campaign=obj, evaluator_id=actor.pk, recusal__isnull=True)
            .select_related("file__agency").first())
        if mine is None:
            raise ZhifaError(E.NOT_ASSIGNED, "您没有被分配评查该案卷。", status=403)
        f = mine.file
        if FileResult.objects.filter(file=f).exists():
            raise ZhifaError(E.ALREADY_DECIDED, "该案卷已确定评查结果。", status=409)
        pool = _candidates(obj)
        exclude = set(Assigned.objects.filter(file=f).values_list("evaluator_id", flat=True))
        load = {}
        for uid in Assigned.objects.filter(file__campaign=obj, recusal__isnull=True).values_list("evaluator_id", flat=True):
            load[uid] = load.get(uid, 0) + 1
        other = _pick_evaluator(obj, f, pool=pool, members={u.pk: member_agency_ids(u) for u in pool}, load=load,
                                exclude=exclude)
        step = wf.apply(WORKFLOW, "recuse", obj, actor, note=reason,
                        data={"file": f.pk, "case": f.case_id, "agency": f.agency_id, "assignment": mine.pk,
                              "reassigned_to": other.pk if other else None})
        Recusal.objects.create(assignment=mine, reason=reason, step=step)
        new = Assigned.objects.create(file=f, evaluator=other, step=step, replaces=mine) if other else None
        wf.save(WORKFLOW, obj)
    return new


# --- scoring ------------------------------------------------------------------------------------------------------

def _short(text: str, limit: int = 24) -> str:
    """An item's text for a message: whole when short, else cut before its first bracket or at `limit` with an
    ellipsis (the tryout: a cut inside “（…” left the bracket open)."""
    if len(text) <= limit:
        return text
    head = text.split("（", 1)[0]
    return head if 0 < len(head) <= limit else text[:limit] + "……"


def _as_bool(v):
    if isinstance(v, bool):
        return v
    if v in ("1", "true", "yes", "pass", 1):
        return True
    if v in ("0", "false", "no", "fail", 0):
        return False
    return None


def sheet(standard: standards.Standard, machine: dict[str, MachineScore], marks) -> dict[str, tuple]:
    """{item code: (passed, errors, source, reason)} for every item of `standard` from the marks given
    [{"item", "passed", "errors", "reason"}]: a machine-decided item not given is confirmed; a given one that differs
    from the machine is an override and needs its reason; an item only a person can judge must be given."""
    given = {}
    for m in marks or []:
        code = str(m.get("item", ""))
        try:
            standard.item(code)
        except KeyError:
            raise ZhifaError(E.MARKS_INVALID, f"评查标准中没有评查项目 {code}。", details={"item": code}) from None
        passed = _as_bool(m.get("passed"))
        if passed is None:
            raise ZhifaError(E.MARKS_INVALID, f"评查项目 {code} 应评为符合或不符合。", details={"item": code})
        try:
            errors = int(m.get("errors") or 0)
        except (TypeError, ValueError):
            errors = -1
        if errors < 0 or errors > 1000:
            raise ZhifaError(E.MARKS_INVALID, f"评查项目 {code} 的错误处数应为非负整数。", details={"item": code})
        given[code] = (passed, (max(errors, 1) if not passed else 0), normalise(str(m.get("reason") or "")).strip())
    out, missing = {}, []
    for it in standard.items:
        ms = machine.get(it.code)
        decided = ms is not None and ms.passed is not None
        mine = given.get(it.code)
        if mine is None:
            if decided:
                out[it.code] = (ms.passed, (max(ms.errors, 1) if not ms.passed else 0), MarkSource.CONFIRMED, "")
            else:
                missing.append(it.code)
            continue
        passed, errors, reason = mine
        if decided and (passed, errors) != (ms.passed, max(ms.errors, 1) if not ms.passed else 0):
            if len(reason) < MIN_REASON:
                raise ZhifaError(E.OVERRIDE_REASON_REQUIRED, f"改判机器评分（{it.code} {_short(it.text)}）须说明理由（不少于 "
                                 f"{MIN_REASON} 个字）。", details={"item": it.code, "field": f"reason_{it.code}"})
            out[it.code] = (passed, errors, MarkSource.OVERRIDDEN, reason[:2000])
        elif decided:
            out[it.code] = (passed, errors, MarkSource.CONFIRMED, reason[:2000])
        else:
            out[it.code] = (passed, errors, MarkSource.PERSON, reason[:2000])
    if missing:
        raise ZhifaError(E.MARKS_INCOMPLETE, f"还有 {len(missing)} 个评查项目需要评查人员评分：{'、'.join(missing)}。",
                         details={"missing": missing})
    return out


def machine_points(standard: standards.Standard, marks: dict[str, tuple]) -> int:
    """The points of the items the machine decided and the scorer confirmed."""
    return sum(standard.item(code).points for code, (_, _, source, _) in marks.items() if source == MarkSource.CONFIRMED)


def _require_assigned(campaign: EvalCampaign, actor, file_id, move: str) -> None:
    """An evaluator of the campaign acting on a file not assigned to them (or one they recused from): refused with
    the denial logged (core.workflow.deny, the one denial path), before any transaction opens."""
    if not Assigned.objects.filter(file_id=file_id, file__campaign=campaign, evaluator_id=actor.pk,
                                   recusal__isnull=True).exists():
        wf.deny(actor, f"{WORKFLOW.name}.{move}", detail=f"evaluation {move} file:{file_id}",
                message="您没有被分配评查该案卷。")


def _file_for(obj, file_id) -> EvalFile:
    f = EvalFile.objects.filter(pk=file_id, campaign=obj).select_related("agency__jurisdiction", "case").first()
    if f is None:
        raise ZhifaError(E.FILE_INVALID, "该案卷不是本次评查抽取的案卷。")
    return f


def _write_sheet(obj, f: EvalFile, *, phase: str, assignment, actor, step, marks: dict[str, tuple],
                 standard) -> Verdict:
    current = {m.item: m for m in Mark.objects.filter(file=f, phase=phase, assignment=assignment,
                                                     superseded_by__isnull=True)}
    new = []
    for code, (passed, errors, source, reason) in marks.items():
        old = current.get(code)
        if old is not None and (old.passed, old.errors, old.source, old.reason) == (passed, errors, source, reason):
            continue
        new.append(Mark(file=f, phase=phase, assignment=assignment, item=code, passed=passed, errors=errors,
                        source=source, reason=reason, supersedes=old, step=step))
    Mark.objects.bulk_create(new)
    result = standards.total(standard, {c: standards.ItemScore(c, p, e or 1) for c, (p, e, _, _) in marks.items()})
    previous = Verdict.objects.filter(file=f, phase=phase, assignment=assignment, superseded_by__isnull=True).first()
    return Verdict.objects.create(
        file=f, phase=phase, assignment=assignment, scorer=actor, score=Decimal(str(round(result.score, 2))),
        grade=result.grade, vetoed_by=list(result.vetoed_by), deductions=[list(d) for d in result.deductions],
        marks={c: [p, e] for c, (p, e, _, _) in marks.items()}, machine_points=machine_points(standard, marks),
        supersedes=previous, step=step)


def _result(obj, f: EvalFile, verdict: Verdict, step) -> FileResult:
    return FileResult.objects.create(file=f, campaign=obj, agency_id=f.agency_id, verdict=verdict, score=verdict.score,
                                     grade=verdict.grade, deductions=verdict.deductions, vetoed_by=verdict.vetoed_by,
                                     machine_points=verdict.machine_points, step=step)


def _settle(obj, f: EvalFile, step) -> str:
    """After a spot sheet: the file's result when every evaluator it needs has handed one in and they agree;
    "reconcile" when two differ (the lead decides); "waiting" otherwise."""
    live = list(Assigned.objects.filter(file=f, recusal__isnull=True).order_by("id"))
    verdicts = {v.assignment_id: v for v in Verdict.objects.filter(file=f, phase=Phase.SPOT, superseded_by__isnull=True,
                                                                     assignment__in=live)}
    if len(live) < needed(obj, f, f.case.action_type) or any(a.pk not in verdicts for a in live):
        return "waiting"
    sheets = [verdicts[a.pk] for a in live]
    if len(sheets) == 2 and sheets[0].marks != sheets[1].marks:
        return "reconcile"
    _result(obj, f, sheets[0], step)
    return "decided"


def score(*, campaign: EvalCampaign, actor, file_id: int, marks) -> Verdict:
    """评分: the evaluator assigned confirms or overrides each machine item (an override with its reason) and scores
    the items only a person can judge. A sheet handed in again supersedes the former (until the file is decided)."""
    wf.authorise(WORKFLOW, "score", campaign, actor)
    _require_assigned(campaign, actor, file_id, "score")
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["score"], obj)
        f = _file_for(obj, file_id)
        mine = Assigned.objects.filter(file=f, evaluator_id=actor.pk, recusal__isnull=True).first()
        if mine is None:
            raise ZhifaError(E.NOT_ASSIGNED, "您没有被分配评查该案卷。", status=403)
        if FileResult.objects.filter(file=f).exists():
            raise ZhifaError(E.ALREADY_DECIDED, "该案卷已确定评查结果，不能再评分。", status=409)
        std = standard_of(obj, f.case.action_type)
        clean = sheet(std, {m.item: m for m in MachineScore.objects.filter(file=f)}, marks)
        step = wf.apply(WORKFLOW, "score", obj, actor,
                        data={"file": f.pk, "case": f.case_id, "agency": f.agency_id, "assignment": mine.pk})
        verdict = _write_sheet(obj, f, phase=Phase.SPOT, assignment=mine, actor=actor, step=step, marks=clean,
                               standard=std)
        _settle(obj, f, step)
        wf.save(WORKFLOW, obj)
    return verdict


def self_score(*, campaign: EvalCampaign, actor, file_id: int, marks) -> Verdict:
    """自查评分: a head of the file's agency scores it in the self-check phase. In an agency's own self-check the
    sheet is the file's result; in a bureau's campaign the bureau's evaluators then spot-check."""
    wf.authorise(WORKFLOW, "self_score", campaign, actor)
    f = _file_for(campaign, file_id)
    if not org_perms.can(actor, AGENCY_PERMISSION, agency=f.agency):  # … and of this file's agency, logged first
        wf.deny(actor, AGENCY_PERMISSION, detail=f"evaluation self_score file:{f.pk}",
                message="只能对本机关的案卷进行自查评分。")
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["self_score"], obj)
        if FileResult.objects.filter(file=f).exists():
            raise ZhifaError(E.ALREADY_DECIDED, "该案卷已确定评查结果。", status=409)
        std = standard_of(obj, f.case.action_type)
        clean = sheet(std, {m.item: m for m in MachineScore.objects.filter(file=f)}, marks)
        step = wf.apply(WORKFLOW, "self_score", obj, actor, data={"file": f.pk, "case": f.case_id,
                                                                  "agency": f.agency_id})
        verdict = _write_sheet(obj, f, phase=Phase.SELF, assignment=None, actor=actor, step=step, marks=clean,
                               standard=std)
        wf.save(WORKFLOW, obj)
    return verdict


def to_reconcile(campaign: EvalCampaign) -> list[int]:
    """The files whose two evaluators' sheets differ and that wait for the lead."""
    out = []
    files = EvalFile.objects.filter(campaign=campaign, result__isnull=True)
    live = _live(files.values("pk"))
    verdicts = {}
    for v in Verdict.objects.filter(file__in=files, phase=Phase.SPOT, superseded_by__isnull=True):
        verdicts[v.assignment_id] = v
    for file_id, rows in live.items():
        sheets = [verdicts.get(a.pk) for a in rows]
        if len(sheets) == 2 and all(sheets) and sheets[0].marks != sheets[1].marks:
            out.append(file_id)
    return sorted(out)


def reconcile(*, campaign: EvalCampaign, actor, file_id: int, marks, note: str = "") -> FileResult:
    """复核确定: where two evaluators' sheets differ, the lead scores the file (both sheets kept)."""
    wf.authorise(WORKFLOW, "reconcile", campaign, actor)
    note = _text(note, "复核意见", limit=2000, required=False)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["reconcile"], obj)
        f = _file_for(obj, file_id)
        refuse_member(actor, f.agency)  # the lead never decides a file of their own agency
        if Assigned.objects.filter(file=f, evaluator_id=actor.pk).exists():
            raise ZhifaError(E.LEAD_IS_EVALUATOR, "您是该案卷的评查人员之一，不能复核确定该案卷的分数，请由组织机关另行确定。",
                             status=409, details={"file": f.pk})
        if f.pk not in to_reconcile(obj):
            raise ZhifaError(E.NOT_DIFFERING, "该案卷没有需要复核的评分分歧（两名评查人员均已评分且结果不一致时才需复核）。",
                             status=409)
        std = standard_of(obj, f.case.action_type)
        clean = sheet(std, {m.item: m for m in MachineScore.objects.filter(file=f)}, marks)
        step = wf.apply(WORKFLOW, "reconcile", obj, actor, note=note,
                        data={"file": f.pk, "case": f.case_id, "agency": f.agency_id})
        verdict = _write_sheet(obj, f, phase=Phase.RECONCILED, assignment=None, actor=actor, step=step, marks=clean,
                               standard=std)
        result = _result(obj, f, verdict, step)
        wf.save(WORKFLOW, obj)
    return result


def spot_check(*, campaign: EvalCampaign, actor) -> EvalCampaign:
    """结束自查，开始评查 (a bureau's campaign only: an agency's own self-check is closed instead)."""
    wf.authorise(WORKFLOW, "spot_check", campaign, actor)
    if campaign.is_self_check:
        raise ZhifaError(E.ORGANISER_INVALID, "机关自查不经评查阶段，请直接完成评查。", status=409)
    missing = EvalFile.objects.filter(campaign=campaign).exclude(
        pk__in=Verdict.objects.filter(phase=Phase.SELF).values("file_id")).count()
    return wf.transition(WORKFLOW, "spot_check", campaign, actor, data={"not_self_scored": missing})


# --- closing, results, rectification ------------------------------------------------------------------------------

def _number(organiser: Agency, year: int) -> str:
    prefix = organiser.abbreviation or organiser.name
    taken = EvalDocument.objects.filter(organiser=organiser, number__startswith=f"{prefix}评查〔{year}〕").count()
    return f"{prefix}评查〔{year}〕{taken + 1}号"


def campaign_close(*, campaign: EvalCampaign, actor, summary: str = "", today: dt.date | None = None) -> EvalCampaign:
    """完成评查并反馈结果: every file has its result (in an agency's own self-check, the self sheets become the
    results); each failed file is to be rectified within the per-jurisdiction days of the agency's place
    (rules "evaluation.rectification_days"); the campaign report is sealed with the organiser's signature."""
    from . import rendering, selectors

    wf.authorise(WORKFLOW, "close", campaign, actor)
    summary = _text(summary, "评查情况综述", limit=20000, field="summary")  # the sealed report's text: required
    today = today or timezone.localdate()
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["close"], obj)
        if obj.state == State.SELF_CHECK and not obj.is_self_check:
            raise WrongStateError("本次评查须在被评查机关自查后由评查人员评查，请先开始评查。",
                                     details={"state": obj.state, "move": "close"})
        step = wf.apply(WORKFLOW, "close", obj, actor, note=summary, data={})
        if obj.is_self_check:
            for v in Verdict.objects.filter(file__campaign=obj, phase=Phase.SELF, superseded_by__isnull=True,
                                            file__result__isnull=True).select_related("file"):
                _result(obj, v.file, v, step)
        missing = EvalFile.objects.filter(campaign=obj, result__isnull=True).count()
        if missing:
            raise ZhifaError(E.RESULTS_INCOMPLETE, f"还有 {missing} 件案卷没有确定评查结果（评分或复核），不能完成评查。",
                             details={"missing": missing})
        failed = list(FileResult.objects.filter(campaign=obj, grade=standards.Grade.FAIL)
                      .select_related("agency__jurisdiction"))
        rules = {}
        rows = []
        for r in failed:
            j = r.agency.jurisdiction
            if j.pk not in rules:
                rules[j.pk] = rule_get(RECTIFICATION_KEY, jurisdiction=j, as_of=today)
            rule = rules[j.pk]
            rows.append(Rectification(result=r, agency_id=r.agency_id, due_on=today + dt.timedelta(days=int(rule.value)),
                                      rule_version_id=rule.version.pk, step=step))
        Rectification.objects.bulk_create(rows)
        obj.closed_on = today
        tables = selectors.campaign_tables(obj)
        no_key = connection.features.has_select_for_no_key_update
        Agency.objects.select_for_update(no_key=no_key).filter(pk=obj.organiser_id).first()
        number = _number(obj.organiser, today.year)
        data, signer, pages = rendering.sealed_report(obj, number=number, issued_on=today, summary=summary,
                                                      tables=tables)
        put = evidence_put(ContentFile(data, name=f"{number}.pdf"), actor=actor, content_type="application/pdf")
        entry = events.document_sealed(obj, actor=actor, number=number, sha256=put.blob.sha256, signer_sha256=signer)
        EvalDocument.objects.create(campaign=obj, organiser_id=obj.organiser_id, number=number, issued_on=today,
                                    blob=put.blob, signer_sha256=signer, pages=pages, entry=entry)
        wf.save(WORKFLOW, obj)
    return obj


def rectify(*, campaign: EvalCampaign, actor, result_id: int, text: str, today: dt.date | None = None):
    """报告整改情况: a head of the file's agency records what was done about a failed file."""
    wf.authorise(WORKFLOW, "rectify", campaign, actor)
    text = _text(text, "整改情况", limit=5000, field="text")
    today = today or timezone.localdate()
    result = FileResult.objects.filter(pk=result_id, campaign=campaign).select_related("agency__jurisdiction").first()
    if result is not None and not org_perms.can(actor, AGENCY_PERMISSION, agency=result.agency):  # logged first
        wf.deny(actor, AGENCY_PERMISSION, detail=f"evaluation rectify result:{result_id}",
                message="只能报告本机关案卷的整改情况。")
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, campaign)
        wf.check_source(WORKFLOW, MOVES["rectify"], obj)
        rect = (Rectification.objects.select_for_update(of=("self",)).filter(result_id=result_id,
                                                                             result__campaign=obj)
                .select_related("agency__jurisdiction", "result__file").first())
        if rect is None:
            raise ZhifaError(E.NOT_TO_RECTIFY, "该案卷评查合格，无需整改。", status=409)
        if RectificationReport.objects.filter(rectification=rect).exists():
            raise ZhifaError(E.ALREADY_RECTIFIED, "该案卷已报告整改情况。", status=409)
        step = wf.apply(WORKFLOW, "rectify", obj, actor, note=text,
                        data={"result": rect.result_id, "agency": rect.agency_id, "case": rect.result.file.case_id,
                              "late": today > rect.due_on})
        report = RectificationReport.objects.create(rectification=rect, text=text, reported_on=today, step=step)
        wf.save(WORKFLOW, obj)
    return report


def campaign_cancel(*, campaign: EvalCampaign, actor, reason: str) -> EvalCampaign:
    """撤销: an open campaign is called off with its reason (what was drawn and scored stays on record)."""
    wf.authorise(WORKFLOW, "cancel", campaign, actor)
    reason = _text(reason, "撤销理由", limit=2000, field="reason", minimum=MIN_REASON, code=E.REASON_REQUIRED)
    return wf.transition(WORKFLOW, "cancel", campaign, actor, note=reason)


def organisers_for(*, actor):
    """The bureaus and agencies the actor may open a campaign for."""
    q = Q(pk__in=[])
    bureau = org_perms.scope_for(actor, BUREAU_PERMISSION)
    if not bureau.empty:
        q |= Q(bureau.jurisdiction_q("jurisdiction__"), is_justice_bureau=True)
    agency = org_perms.scope_for(actor, AGENCY_PERMISSION)
    if not agency.empty:
        q |= Q(agency.agency_q(), is_justice_bureau=False)
    return Agency.objects.filter(q).exclude(status=AgencyStatus.REVOKED).select_related("jurisdiction").order_by(
        "jurisdiction__path", "name")
