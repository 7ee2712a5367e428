"""Every write of the supervision app (issue 20 §1, §3; SUP-04): the engine that turns the problem models' hits into
alerts, the supervisor's closing of an alert, and the switching and thresholds of a model in a jurisdiction.

The engine (`run_models`) runs nightly over everything (tasks.py, `manage.py supervision_run`) and after each ledger
event over what the event touched (`on_entry_saved`, connected in apps.py). For each model it reads the model's hits,
the rule `supervision.models` once (rules.selectors.rule_resolver: one query per run, never one per agency) and the
model's open alerts in the run's scope (one query), then opens, raises, lowers and closes alerts in bulk. Each
change is a move of the alert's table (workflow.py) with its step row and its typed ledger event.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
import time
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, Jurisdiction
from zhifa.rules.selectors import rule_resolver, rules_effective
from zhifa.rules.services import rule_version_create

from . import events
from .errors import SupervisionErrorCode
from .models import Alert, AlertStep
from .permissions import CONFIGURE
from .registry import LEVEL_RANK, REGISTRY, Context, Level, ProblemModel, Scope, params_of, triggered_by
from .workflow import MOVES, NEW, REASON_DISABLED, REASON_NO_LONGER, AlertState

logger = logging.getLogger("zhifa.supervision")

RULE_KEY = "supervision.models"

# Steps written inside the engine are collected here and inserted in bulk (one INSERT per model run, not per alert).
_bulk_steps: contextvars.ContextVar[list | None] = contextvars.ContextVar("supervision_bulk_steps", default=None)


def _record(alert: Alert, move: wf.Move, *, actor, from_state: str, to_state: str, note: str, data: dict,
            step: str) -> AlertStep:
    """The workflow's `record`: the typed ledger event, then the step row (saved now, or collected by the engine)."""
    from_level = data.get("from_level", alert.level)
    to_level = data.get("to_level", alert.level)
    entry = events.moved(alert, move, actor=actor, action=step, from_state=from_state, to_state=to_state,
                         from_level=from_level, to_level=to_level, note=note, data={})
    row = AlertStep(alert=alert, action=step, from_state=from_state, to_state=to_state, from_level=from_level,
                    to_level=to_level, detail=alert.detail[:500], note=note[:500], actor=actor, entry=entry)
    collected = _bulk_steps.get()
    if collected is None:
        row.save()
    else:
        collected.append(row)
    return row


ALERT = wf.Workflow(
    name="supervision.alert", model=Alert, state_field="state", states=AlertState, moves=tuple(MOVES.values()),
    agency_of=lambda alert: alert.agency, record=_record, noun="监督预警", select_related=("agency__jurisdiction",),
    update_fields=("level", "closed_at", "close_reason", "closed_by", "level_changed_at"))


# --- the engine -----------------------------------------------------------------------------------------------------

class _Params:
    """Each agency's parameters of each model as of `today`, from one read of the rule."""

    def __init__(self, today: dt.date, agency_ids: set[int] | None, paths: dict[int, str] | None = None):
        self.today = today
        self.resolve = rule_resolver(RULE_KEY)
        self.paths: dict[int, str] = dict(paths or {})
        missing = None if agency_ids is None else set(agency_ids) - set(self.paths)
        if missing is None or missing:
            self._load(missing)
        self._values: dict[int, dict | None] = {}

    def _load(self, agency_ids):
        qs = Agency.objects.all() if agency_ids is None else Agency.objects.filter(pk__in=agency_ids)
        self.paths.update(qs.values_list("id", "jurisdiction__path"))

    def rule_value(self, agency_id: int) -> dict | None:
        if agency_id not in self._values:
            if agency_id not in self.paths:
                self._load({agency_id})  # an agency a model names outside the run's scope: one read, then cached
            path = self.paths.get(agency_id)
            node = Jurisdiction(path=path) if path else None
            self._values[agency_id] = self.resolve(node, self.today)
        return self._values[agency_id]

    def of(self, model: ProblemModel, agency_id: int) -> dict:
        return params_of(model, self.rule_value(agency_id))


def _empty_summary() -> dict:
    return {"hits": 0, "opened": 0, "raised": 0, "lowered": 0, "closed": 0, "updated": 0, "seconds": 0.0}


def run_models(today: dt.date | None = None, *, case_ids=None, agency_ids=None, codes=None) -> dict:
    """Run the registered models (or `codes`) and make the alerts match their hits; returns {code: summary}.

    Scope: `case_ids` / `agency_ids` narrow the run (None: everything). Only alerts inside the scope are touched, so a
    run over case 7 never closes an alert of case 8. A case-scope model sees `case_ids`; an agency-scope model sees the
    agencies of those cases (its figures are about the whole agency). A model that fails is logged and reported in
    its summary (`error`); the others still run."""
    today = today or timezone.localdate()
    case_ids = frozenset(case_ids) if case_ids is not None else None
    agency_ids = frozenset(agency_ids) if agency_ids is not None else None
    chosen = [REGISTRY[c] for c in sorted(REGISTRY) if codes is None or c in set(codes)]
    if not chosen:
        return {}
    case_agencies: frozenset[int] | None = None
    paths: dict[int, str] = {}
    if case_ids is not None:
        # The cases' agencies and their places in the tree in one read (the event-driven run's usual first query).
        paths = dict(Case.objects.filter(pk__in=case_ids).order_by()
                     .values_list("agency_id", "agency__jurisdiction__path").distinct())
        case_agencies = frozenset(paths)
    preload = None if case_ids is None and agency_ids is None else set(case_agencies or ()) | set(agency_ids or ())
    params = _Params(today, preload, paths)
    summary = {}
    for model in chosen:
        started = time.perf_counter()
        try:
            result = _run_one(model, today, case_ids, agency_ids, case_agencies, params)
        except Exception as exc:  # one model's failure must not stop the others (nor the user's transaction)
            logger.exception("supervision model %s failed", model.code)
            result = _empty_summary() | {"error": f"{type(exc).__name__}: {exc}"}
        result["seconds"] = round(time.perf_counter() - started, 4)
        summary[model.code] = result
    return summary


def _context(model, today, case_ids, agency_ids, case_agencies, params) -> Context:
    if model.scope == Scope.AGENCY and case_ids is not None:
        agencies = (case_agencies or frozenset()) | (agency_ids or frozenset())
        return Context(today=today, case_ids=None, agency_ids=agencies, params=lambda a: params.of(model, a))
    return Context(today=today, case_ids=case_ids, agency_ids=agency_ids, params=lambda a: params.of(model, a))


def _key(model: ProblemModel, case_id, agency_id):
    return ("agency", agency_id) if model.scope == Scope.AGENCY else ("case", case_id)


def _run_one(model, today, case_ids, agency_ids, case_agencies, params) -> dict:
    ctx = _context(model, today, case_ids, agency_ids, case_agencies, params)
    best: dict[tuple, object] = {}
    hits = 0
    for hit in model.evaluate(ctx):
        hits += 1
        if model.scope == Scope.CASE and hit.case_id is None:
            raise ValueError(f"{model.code} is a case model but reported a hit without a case")
        if not params.of(model, hit.agency_id).get("enabled", True):
            continue  # switched off where the agency is: no alert (and the open ones close below)
        key = _key(model, hit.case_id, hit.agency_id)
        if key not in best or LEVEL_RANK[hit.level] > LEVEL_RANK[best[key].level]:
            best[key] = hit
    if ctx.case_ids is not None and _unchanged(model, ctx, best):
        return _empty_summary() | {"hits": hits}  # the usual event: nothing to write, no savepoint, no lock
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                counts = _apply(model, ctx, best)
            break
        except IntegrityError:
            # Another run opened the same alert between our read and our write: read again, once.
            if attempt == 2:
                raise
    counts["hits"] = hits
    return counts


def _unchanged(model: ProblemModel, ctx: Context, best: dict) -> bool:
    """Whether the open alerts in scope already match the hits (one unlocked read; an event-driven run's shortcut)."""
    rows = _open_in_scope(model, ctx, lock=False).values_list("case_id", "agency_id", "level", "detail", "due",
                                                                "evidence")
    seen = {_key(model, case_id, agency_id): (level, detail, due, evidence)
            for case_id, agency_id, level, detail, due, evidence in rows}
    return seen.keys() == best.keys() and all(
        seen[k] == (hit.level, hit.detail[:500], hit.due, hit.evidence) for k, hit in best.items())


def _open_in_scope(model: ProblemModel, ctx: Context, *, lock: bool = True):
    qs = Alert.objects.filter(state=AlertState.OPEN, model=model.code)
    if model.scope == Scope.AGENCY:
        qs = qs.filter(case__isnull=True)
    else:
        qs = qs.filter(case__isnull=False)
        if ctx.case_ids is not None:
            qs = qs.filter(case_id__in=ctx.case_ids)
    if ctx.agency_ids is not None:
        qs = qs.filter(agency_id__in=ctx.agency_ids)
    return (qs.select_for_update(of=("self",)) if lock else qs).order_by("id")


def _apply(model: ProblemModel, ctx: Context, best: dict) -> dict:
    counts = _empty_summary()
    now = timezone.now()
    current = {_key(model, a.case_id, a.agency_id): a for a in _open_in_scope(model, ctx)}
    steps: list[AlertStep] = []
    token = _bulk_steps.set(steps)
    try:
        changed, refreshed = [], []
        for key, alert in current.items():
            hit = best.get(key)
            if hit is None:
                enabled = ctx.params(alert.agency_id).get("enabled", True)
                reason = REASON_NO_LONGER if enabled else REASON_DISABLED

                def close(obj, reason=reason):
                    obj.closed_at, obj.close_reason = now, reason

                wf.apply(ALERT, "auto_close", alert, None, note=reason, after=close,
                         data={"from_level": alert.level, "to_level": alert.level})
                changed.append(alert)
                counts["closed"] += 1
                continue
            moved_level = LEVEL_RANK[hit.level] - LEVEL_RANK[alert.level]
            fresh = (hit.detail[:500], hit.due, hit.evidence)
            if fresh != (alert.detail, alert.due, alert.evidence):
                alert.detail, alert.due, alert.evidence = fresh
                refreshed.append(alert)
            if moved_level:
                name = "raise" if moved_level > 0 else "lower"
                data = {"from_level": alert.level, "to_level": hit.level}

                def relevel(obj, level=hit.level):
                    obj.level, obj.level_changed_at = level, now

                wf.apply(ALERT, name, alert, None, data=data, after=relevel)
                changed.append(alert)
                counts["raised" if moved_level > 0 else "lowered"] += 1
        if changed:
            Alert.objects.bulk_update(changed, ["state", "level", "level_changed_at", "closed_at", "close_reason",
                                                "detail", "due", "evidence"])
        pure = [a for a in refreshed if a not in changed]
        if pure:
            Alert.objects.bulk_update(pure, ["detail", "due", "evidence"])
            counts["updated"] = len(pure)
        new = []
        for key, hit in best.items():
            if key in current:
                continue
            alert = Alert(agency_id=hit.agency_id, case_id=hit.case_id if model.scope == Scope.CASE else None,
                          model=model.code, scope=model.scope, level=Level(hit.level), state=NEW,
                          detail=hit.detail[:500], due=hit.due, evidence=hit.evidence, opened_at=now,
                          level_changed_at=now)
            move = MOVES["open"]
            wf.check_source(ALERT, move, alert)
            alert.state = move.target
            new.append(alert)
        if new:
            Alert.objects.bulk_create(new)
            for alert in new:
                _record(alert, MOVES["open"], actor=None, from_state="", to_state=AlertState.OPEN, note="",
                        data={"from_level": "", "to_level": alert.level}, step="open")
            counts["opened"] = len(new)
        if steps:
            AlertStep.objects.bulk_create(steps)
    finally:
        _bulk_steps.reset(token)
    return counts


# --- event-driven evaluation ------------------------------------------------------------------------------------------

_pending = threading.local()
SUBJECT_FAMILIES = {"cases.case": "case", "org.agency": "agency"}
PENDING_BATCH = 2000


def on_entry_saved(sender, instance, created=True, using=None, **kwargs):
    """post_save of ledger.Entry (the ledger's one writer sends it for every event): when a model's `triggers` name the
    event's kind, re-run those models for the case (or agency) the event is about once the transaction commits.
    Cheap on every event: a dict lookup, and for a triggering one a subject parse and an on_commit callback."""
    kind = instance.kind
    if kind.startswith("supervision."):
        return  # the engine's own entries never re-trigger it
    codes = triggered_by(kind)
    if not codes:
        return
    family, _, pk = instance.subject.partition(":")
    target = SUBJECT_FAMILIES.get(family)
    if target is not None and pk.isdigit():
        key = (target, int(pk))
    else:
        key = ("subject", instance.subject)  # resolved by the models themselves after the commit
    pending = getattr(_pending, "targets", None)
    if pending is None:
        pending = _pending.targets = defaultdict(set)
    pending[key].update(codes)
    transaction.on_commit(run_pending, using=using)


def run_pending() -> None:
    """Run what the committed events asked for (the first callback of a transaction takes all; a rolled-back
    transaction's targets are evaluated with the next commit, which reads the data as committed). Never raises: the
    user's transaction has committed, and a failing model is logged."""
    pending = getattr(_pending, "targets", None)
    if not pending:
        return
    _pending.targets = None
    by_codes: dict[frozenset, dict[str, set]] = defaultdict(lambda: {"case": set(), "agency": set()})
    for (target, pk), codes in pending.items():
        if target == "subject":
            for code in codes:
                try:
                    found = REGISTRY[code].cases_for_subject(pk)
                    agencies = REGISTRY[code].agencies_for_subject(pk)
                except Exception:
                    logger.exception("supervision model %s could not resolve %s", code, pk)
                    continue
                if found:
                    by_codes[frozenset({code})]["case"].update(found)
                if agencies:
                    by_codes[frozenset({code})]["agency"].update(agencies)
            continue
        by_codes[frozenset(codes)][target].add(pk)
    today = timezone.localdate()
    for codes, targets in by_codes.items():
        for target in ("case", "agency"):
            ids = sorted(targets[target])
            # A bulk load commits many cases at once: runs of a bounded size keep each IN (...) list small.
            for start in range(0, len(ids), PENDING_BATCH):
                batch = ids[start:start + PENDING_BATCH]
                try:
                    if target == "case":
                        run_models(today, case_ids=batch, codes=codes)
                    else:
                        run_models(today, agency_ids=batch, codes=codes)
                except Exception:
                    logger.exception("event-driven supervision run failed for %s", sorted(codes))


# --- the supervisor's moves ---------------------------------------------------------------------------------------------

def alert_close(*, alert: Alert | int, actor, reason: str) -> Alert:
    """A supervisor closes an alert by hand, with a reason (issue 20 §3). The permission is checked (and a refusal
    logged) before the reason is looked at, so a refusal never depends on the input."""
    alert = alert if isinstance(alert, Alert) else Alert.objects.select_related("agency__jurisdiction").get(pk=alert)
    wf.authorise(ALERT, "close", alert, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ZhifaError(SupervisionErrorCode.REASON_REQUIRED, "请填写关闭预警的理由。")
    if len(reason) > 500:
        raise ZhifaError(SupervisionErrorCode.REASON_REQUIRED, "关闭理由不能超过 500 字。")

    def close(obj):
        obj.closed_at, obj.close_reason, obj.closed_by = timezone.now(), reason, actor

    return wf.transition(ALERT, "close", alert, actor, note=reason, after=close)


# --- switching models and setting thresholds ------------------------------------------------------------------------------

def _same_type(default, value) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def params_validate(model: ProblemModel, params: dict) -> dict:
    """The thresholds a jurisdiction sets for `model`: only the model's own parameters, each of its default's type."""
    if not isinstance(params, dict):
        raise ZhifaError(SupervisionErrorCode.PARAMS_INVALID, "阈值应为对象。")
    unknown = sorted(set(params) - set(model.defaults))
    if unknown:
        raise ZhifaError(SupervisionErrorCode.PARAMS_INVALID,
                         f"问题模型 {model.code} 没有这些参数：{'、'.join(unknown)}。", details={"unknown": unknown})
    wrong = sorted(k for k, v in params.items() if not _same_type(model.defaults[k], v))
    if wrong:
        raise ZhifaError(SupervisionErrorCode.PARAMS_INVALID,
                         f"问题模型 {model.code} 的参数类型不对：{'、'.join(wrong)}。", details={"wrong_type": wrong})
    negative = sorted(k for k, v in params.items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0)
    if negative:
        raise ZhifaError(SupervisionErrorCode.PARAMS_INVALID,
                         f"问题模型 {model.code} 的参数不能为负数：{'、'.join(negative)}。", details={"negative": negative})
    return dict(params)


def model_configure(*, actor, jurisdiction: Jurisdiction | None, code: str, enabled: bool, params: dict | None = None,
                    effective_from: dt.date, source: str):
    """Switch a model on or off and set its thresholds for a jurisdiction from `effective_from` on: a new version of the
    rule `supervision.models` at that node (versioned and logged by rules.services), carrying the node's whole value
    (inherited from above where the node had none) with this model's entry replaced. Never silent: the version names
    its source, and the log has both the rule's version and this app's `supervision.model_configured`."""
    if actor is not None and not actor.is_superuser:
        if jurisdiction is None:
            org_perms.deny(actor, CONFIGURE, detail="supervision.models national baseline")
        org_perms.require(actor, CONFIGURE, jurisdiction=jurisdiction, detail=f"supervision.models {code}")
    model = REGISTRY.get(code)
    if model is None:
        raise ZhifaError(SupervisionErrorCode.MODEL_UNKNOWN, f"没有代码为“{code}”的问题模型。")
    if not isinstance(enabled, bool):
        raise ZhifaError(SupervisionErrorCode.PARAMS_INVALID, "启用状态应为是或否。")
    clean = params_validate(model, params or {})
    found = rules_effective(jurisdiction=jurisdiction, as_of=effective_from, keys=[RULE_KEY]).get(RULE_KEY)
    value = dict(found.value) if found is not None else {}
    value[code] = {"enabled": enabled, **clean}
    with transaction.atomic():
        version = rule_version_create(key=RULE_KEY, value=value, effective_from=effective_from, source=source,
                                      jurisdiction=jurisdiction, actor=actor)
        events.model_configured(jurisdiction, actor=actor, code=code, enabled=enabled, params=clean,
                                effective_from=effective_from.isoformat(), source=version.source,
                                rule_version=version.pk)
    return version
