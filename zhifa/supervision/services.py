"""Every write of the supervision app (issue 20 §1, §3; SUP-04): the engine that turns the problem models' hits into
alerts, the supervisor's closing of an alert, and the switching and thresholds of a model in a jurisdiction.

The engine (`run_models`) runs nightly over everything (tasks.py, `manage.py supervision_run`) and after each ledger
event over what the event touched, for the models whose triggers name the event's kind (`on_entry_saved`, connected
in apps.py). It evaluates the models, reads the open alerts of all of them in the run's scope in one query and the
rule `supervision.models` from a per-process cache checked against the rule's versions (one small query per run),
and writes only where the alerts differ from the hits: in batches of subjects, each its own transaction, under the
subjects' lock and after evaluating them again (run_models says why). Each change is a move of the alert's table
(workflow.py) with its step row and its typed ledger event.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import threading
import time
from collections import defaultdict
from contextlib import contextmanager, nullcontext

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.core import db_router
from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, Jurisdiction
from zhifa.rules.selectors import rule_resolver
from zhifa.rules.services import rule_entry_set

from . import events
from .errors import SupervisionErrorCode
from .models import Alert, AlertStep
from .permissions import CONFIGURE
from .registry import LEVEL_RANK, REGISTRY, Context, Hit, Level, ProblemModel, Scope, params_of, triggered_by
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
    # The log entry keeps what the move replaced (the engine's earlier detail, due date and evidence), beside the
    # alert's new values that `events.moved` writes.
    replaced = {k: v for k, v in data.items() if k.startswith("from_") and k != "from_level"}
    entry = events.moved(alert, move, actor=actor, action=step, from_state=from_state, to_state=to_state,
                         from_level=from_level, to_level=to_level, note=note, data=replaced)
    row = AlertStep(alert=alert, action=step, from_state=from_state, to_state=to_state, from_level=from_level,
                    to_level=to_level, detail=alert.detail[:500], due=alert.due, evidence=alert.evidence,
                    note=note[:500], actor=actor, entry=entry)
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

# Subjects (cases, or agencies for agency-scope models) per transaction when the engine writes: a nightly run that opens
# or closes thousands of alerts holds its locks and its transaction for one batch at a time (review #16).
RUN_BATCH = 500
# PostgreSQL advisory lock spaces (the two-int4 form, apart from the ledger sequencer's one-bigint key): one lock per
# subject, taken by every run that writes the subject's alerts, and shared by an event-driven run while it reads them.
_LOCK_SPACE = {Scope.CASE: 0x53550001, Scope.AGENCY: 0x53550002}


def _lock_subjects(scope: str, ids, *, shared: bool = False) -> None:
    """Serialise the engine's runs over these subjects until the transaction ends (review #7).

    PostgreSQL: one advisory transaction lock per subject, in id order (two runs never wait on each other in a
    cycle). SQLite: nothing to take here; the transaction began with BEGIN IMMEDIATE (settings: transaction_mode), so
    it already holds the database's one write lock, and nothing commits while it evaluates and writes."""
    if connection.vendor != "postgresql" or not ids:
        return
    keys = sorted({int(pk) % 2_147_483_647 for pk in ids})
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, k) FROM (SELECT unnest(%s::int[]) AS k ORDER BY 1) AS s",
                       [_LOCK_SPACE[scope], keys])


# The rule supervision.models resolved per (jurisdiction, day), kept by the process between runs. Its versions are
# append-only (a change is a new row, superseding the old one; nothing is edited or deleted), so the count, last id and
# last creation time of the key's rows change with every change and name the state the cache was built from. Kept only
# from reads outside a transaction, which see committed rows alone (a version a rolled-back transaction wrote is never
# cached).
_rules_cached: tuple[tuple, object] | None = None


def _rules_token() -> tuple:
    from zhifa.rules.models import RuleVersion  # rules has no selector for a key's version state

    # Plain SQL: on every event's run, the ORM's building of this aggregate cost more than the query itself.
    table, q = RuleVersion._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX({q('id')}), MAX({q('created_at')}) FROM {q(table)} WHERE {q('key')} = %s",
                       [RULE_KEY])
        return tuple(cursor.fetchone())


def _rules_resolve():
    """rules.selectors.rule_resolver(RULE_KEY), from the process's cache while the rule is unchanged: one small
    aggregate per run instead of every version and their resolution."""
    global _rules_cached
    token = _rules_token()
    cached = _rules_cached
    if cached is not None and cached[0] == token:
        return cached[1]
    resolve = rule_resolver(RULE_KEY)
    if not connection.in_atomic_block:
        _rules_cached = (token, resolve)
    return resolve


class _Params:
    """Each agency's parameters of each model as of `today`, from the rule's versions (read once per run at most)."""

    def __init__(self, today: dt.date, agency_ids: set[int] | None, paths: dict[int, str] | None = None):
        self.today = today
        self.resolve = _rules_resolve()
        self.paths: dict[int, str] = dict(paths or {})
        missing = None if agency_ids is None else set(agency_ids) - set(self.paths)
        if missing is None or missing:
            self._load(missing)
        self._values: dict[int, dict | None] = {}
        self._of: dict[tuple[str, int], dict] = {}

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
        key = (model.code, agency_id)
        if key not in self._of:
            self._of[key] = params_of(model, self.rule_value(agency_id))
        return dict(self._of[key])  # a copy: a model may not change what the next hit reads


def _empty_summary() -> dict:
    return {"hits": 0, "opened": 0, "raised": 0, "lowered": 0, "closed": 0, "updated": 0, "seconds": 0.0}


@contextmanager
def _on_primary():
    """The engine reads what it writes against: the primary, even when an event's run follows a request whose reads
    go to the replica (core.db_router) — a lagging replica would reopen what a newer run closed."""
    if not db_router.reads_on_replica():
        yield
        return
    db_router.use_replica_reads(False)
    try:
        yield
    finally:
        db_router.use_replica_reads(True)


def run_models(today: dt.date | None = None, *, case_ids=None, agency_ids=None, codes=None,
               event_kind: str | None = None) -> dict:
    """Run the registered models (or `codes`) and make the alerts match their hits; returns {code: summary}.

    Scope: `case_ids` / `agency_ids` narrow the run (None: everything). Only alerts inside the scope are touched, so a
    run over case 7 never closes an alert of case 8. A case-scope model sees `case_ids`; an agency-scope model sees the
    agencies of those cases (its figures are about the whole agency). `event_kind`: only the models whose `triggers`
    name that ledger event kind (an event's run skips the models it cannot change). A model that fails is logged and
    reported in its summary (`error`); the others still run.

    How (review #7, #8, #16): each model is evaluated first, without a lock; then the open alerts are read (an
    event's run: of all its models in one query, after evaluating them all; the nightly run: model by model, so it
    never holds every model's hits over everything at once). Where they already match the hits nothing is written
    (the usual event: no transaction, no lock). Where they do not, the subjects that differ are taken in batches of RUN_BATCH, each batch
    one transaction: lock the subjects (_lock_subjects), evaluate the model again over them under the lock, then move
    the alerts. Whoever writes a subject's alerts has therefore evaluated after the previous writer committed, so an
    older view never overwrites a newer one; and an event-driven run reads the alerts under a shared lock
    (PostgreSQL), so it never mistakes a writer's uncommitted state for the alerts it has to correct."""
    with _on_primary():
        return _run(today, case_ids=case_ids, agency_ids=agency_ids, codes=codes, event_kind=event_kind)


def _run(today, *, case_ids, agency_ids, codes, event_kind) -> dict:
    today = today or timezone.localdate()
    case_ids = frozenset(case_ids) if case_ids is not None else None
    agency_ids = frozenset(agency_ids) if agency_ids is not None else None
    wanted = set(REGISTRY) if codes is None else set(codes)
    if event_kind is not None:
        wanted &= set(triggered_by(event_kind))
    chosen = [REGISTRY[c] for c in sorted(REGISTRY) if c in wanted]
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
    scoped = case_ids is not None or agency_ids is not None
    summary: dict[str, dict] = {}
    memo: dict = {}  # Context.memo: shared by the models of an event's run (the nightly run: one per model)
    plans = []
    for model in chosen:
        started = time.perf_counter()
        try:
            ctx = _context(model, today, case_ids, agency_ids, case_agencies, params, memo if scoped else {})
            best, hits = _evaluate(model, ctx, params)
            summary[model.code] = _empty_summary() | {"hits": hits}
        except Exception as exc:  # one model's failure must not stop the others (nor the user's transaction)
            logger.exception("supervision model %s failed", model.code)
            summary[model.code] = _empty_summary() | {"error": f"{type(exc).__name__}: {exc}"}
        else:
            if scoped:
                plans.append((model, ctx, best))  # settled together below, after one read of their alerts
            else:
                # The nightly run settles each model before the next one is evaluated: it never holds every model's
                # hits over everything at once. One read of the model's open alerts, then batches.
                _settle(model, ctx, best, _open_alerts([(model, ctx, best)], scoped=False), params,
                        summary[model.code])
        summary[model.code]["seconds"] += time.perf_counter() - started
    if plans:
        started = time.perf_counter()
        seen = _open_alerts(plans, scoped=True)
        share = (time.perf_counter() - started) / len(plans)
        for model, ctx, best in plans:
            started = time.perf_counter()
            _settle(model, ctx, best, seen, params, summary[model.code])
            summary[model.code]["seconds"] += share + time.perf_counter() - started
    for row in summary.values():
        row["seconds"] = round(row["seconds"], 4)
    return summary


def _settle(model: ProblemModel, ctx: Context, best: dict, seen: dict, params: _Params, row: dict) -> None:
    """Make the model's alerts match `best` where `seen` (its open alerts read before) says they differ, batch by
    batch; adds the counts (or the error) to the model's summary `row`."""
    differing = _differing(model, best, seen.get(model.code, {}))
    for counts in _apply_in_batches(model, ctx, params, differing):
        if "error" in counts:
            row["error"] = counts["error"]
            return
        for name in ("opened", "raised", "lowered", "closed", "updated"):
            row[name] += counts[name]


def _context(model, today, case_ids, agency_ids, case_agencies, params, memo) -> Context:
    if model.scope == Scope.AGENCY and case_ids is not None:
        agencies = (case_agencies or frozenset()) | (agency_ids or frozenset())
        return Context(today=today, case_ids=None, agency_ids=agencies, params=lambda a: params.of(model, a),
                       memo=memo)
    return Context(today=today, case_ids=case_ids, agency_ids=agency_ids, params=lambda a: params.of(model, a),
                   memo=memo)


def _key(model: ProblemModel, case_id, agency_id):
    return ("agency", agency_id) if model.scope == Scope.AGENCY else ("case", case_id)


def _evaluate(model: ProblemModel, ctx: Context, params: _Params) -> tuple[dict, int]:
    """The model's hits in the context, the highest per subject, where the model is switched on; and their count."""
    best: dict[tuple, Hit] = {}
    hits = 0
    for hit in model.evaluate(ctx):
        hits += 1
        if model.scope == Scope.CASE and hit.case_id is None:
            raise ValueError(f"{model.code} is a case model but reported a hit without a case")
        if hit.level not in LEVEL_RANK:
            raise ValueError(f"{model.code} reported the level {hit.level!r}, not one of {sorted(LEVEL_RANK)}")
        if not params.of(model, hit.agency_id).get("enabled", True):
            continue  # switched off where the agency is: no alert (and the open ones close)
        key = _key(model, hit.case_id, hit.agency_id)
        if key not in best or LEVEL_RANK[hit.level] > LEVEL_RANK[best[key].level]:
            best[key] = hit
    return best, hits


def _scope_filter(model: ProblemModel, ctx: Context) -> Q:
    if model.scope == Scope.AGENCY:
        q = Q(case__isnull=True)
    else:
        q = Q(case__isnull=False)
        if ctx.case_ids is not None:
            q &= Q(case_id__in=ctx.case_ids)
    if ctx.agency_ids is not None:
        q &= Q(agency_id__in=ctx.agency_ids)
    return q


def _open_alerts(plans, *, scoped: bool) -> dict[str, dict[tuple, tuple]]:
    """The open alerts of every planned model in its scope, in one query: {code: {subject key: (level, detail, due,
    evidence)}}. An event-driven run reads them under shared subject locks (PostgreSQL), so a run writing them now has
    committed first; the nightly run reads without (what it finds changed, it evaluates again under the lock)."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for model, ctx, _best in plans:
        groups[(model.scope, ctx.case_ids, ctx.agency_ids)].append(model.code)
    where = Q()
    for (_scope, case_ids, agency_ids), codes in groups.items():
        probe = Context(today=dt.date.min, case_ids=case_ids, agency_ids=agency_ids, params=dict)
        where |= Q(model__in=codes) & _scope_filter(REGISTRY[codes[0]], probe)
    rows = Alert.objects.filter(where, state=AlertState.OPEN).order_by().values_list(
        "model", "case_id", "agency_id", "level", "detail", "due", "evidence")
    found: dict[str, dict[tuple, tuple]] = defaultdict(dict)
    with transaction.atomic() if scoped and connection.vendor == "postgresql" else nullcontext():
        if scoped:
            for (scope, case_ids, agency_ids), _codes in groups.items():
                _lock_subjects(scope, case_ids if scope == Scope.CASE else agency_ids, shared=True)
        for code, case_id, agency_id, level, detail, due, evidence in rows:
            key = ("agency", agency_id) if case_id is None else ("case", case_id)
            found[code][key] = (level, detail, due, evidence)
    return found


def _plain(value):
    """A JSON value as the database gives it back (tuples as lists, keys as strings), to compare evidence."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _same(hit: Hit, seen: tuple) -> bool:
    level, detail, due, evidence = seen
    return (level, detail, due) == (hit.level, hit.detail[:500], hit.due) and (
        evidence == hit.evidence or evidence == _plain(hit.evidence))


def _differing(model: ProblemModel, best: dict, seen: dict) -> list[int]:
    """The subjects (case or agency ids) whose open alert does not match the model's hit: to open, move or close."""
    keys = {k for k in best.keys() | seen.keys() if k not in best or k not in seen or not _same(best[k], seen[k])}
    return sorted(pk for _family, pk in keys)


def _apply_in_batches(model: ProblemModel, ctx: Context, params: _Params, subjects: list[int]):
    """Yield each batch's counts: per batch one transaction that locks its subjects, evaluates the model over them
    again (what the data says now, after every earlier writer committed) and makes their alerts match. A failing
    batch is rolled back alone and ends the model's run (`error`); the batches before it stay."""
    for start in range(0, len(subjects), RUN_BATCH):
        batch = frozenset(subjects[start:start + RUN_BATCH])
        # A fresh memo: nothing read before the lock is reused under it.
        if model.scope == Scope.AGENCY:
            narrow = Context(today=ctx.today, case_ids=None, agency_ids=batch, params=ctx.params, memo={})
        else:
            narrow = Context(today=ctx.today, case_ids=batch, agency_ids=ctx.agency_ids, params=ctx.params, memo={})
        try:
            with transaction.atomic():
                _lock_subjects(model.scope, batch)
                best, _hits = _evaluate(model, narrow, params)
                counts = _apply(model, narrow, best)
        except Exception as exc:
            logger.exception("supervision model %s failed", model.code)
            yield {"error": f"{type(exc).__name__}: {exc}"}
            return
        yield counts


def _open_in_scope(model: ProblemModel, ctx: Context):
    return (Alert.objects.filter(_scope_filter(model, ctx), state=AlertState.OPEN, model=model.code)
            .select_for_update(of=("self",)).order_by("id"))


def _apply(model: ProblemModel, ctx: Context, best: dict) -> dict:
    """Inside the batch's transaction, under its subjects' lock: open, raise, lower, refresh and close the alerts so
    they match `best`. Every change is a move of the alert's table (workflow.MOVES) with its step and typed ledger
    event; an alert whose level, detail, due date and evidence all match is not touched (review #8)."""
    counts = _empty_summary()
    now = timezone.now()
    current = {_key(model, a.case_id, a.agency_id): a for a in _open_in_scope(model, ctx)}
    steps: list[AlertStep] = []
    token = _bulk_steps.set(steps)
    try:
        changed = []
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
            if _same(hit, (alert.level, alert.detail, alert.due, alert.evidence)):
                continue
            # The new words and figures go into the step that records the change (raise, lower, or refresh when the
            # level stays): the alert's row shows the latest evaluation, its steps every one that changed it.
            # What the step replaces goes into its log entry too, so each entry reads on its own (review M6).
            before = {"from_detail": alert.detail, "from_due": alert.due.isoformat() if alert.due else None,
                      "from_evidence": alert.evidence}
            alert.detail, alert.due, alert.evidence = hit.detail[:500], hit.due, _plain(hit.evidence)
            moved_level = LEVEL_RANK[hit.level] - LEVEL_RANK[alert.level]
            name = "raise" if moved_level > 0 else "lower" if moved_level < 0 else "refresh"

            def relevel(obj, level=hit.level):
                if obj.level != level:
                    obj.level, obj.level_changed_at = level, now

            wf.apply(ALERT, name, alert, None, after=relevel,
                     data={"from_level": alert.level, "to_level": hit.level, **before})
            changed.append(alert)
            counts[{"raise": "raised", "lower": "lowered", "refresh": "updated"}[name]] += 1
        if changed:
            Alert.objects.bulk_update(changed, ["state", "level", "level_changed_at", "closed_at", "close_reason",
                                                "detail", "due", "evidence"])
        new = []
        for key, hit in best.items():
            if key in current:
                continue
            alert = Alert(agency_id=hit.agency_id, case_id=hit.case_id if model.scope == Scope.CASE else None,
                          model=model.code, scope=model.scope, level=Level(hit.level), state=NEW,
                          detail=hit.detail[:500], due=hit.due, evidence=_plain(hit.evidence), opened_at=now,
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
    rule `supervision.models` at that node (versioned and logged by rules.services), holding what the node itself set
    with this model's entry replaced (rules.services.rule_entry_set: the key is inherited by entry, so the other
    models keep following the nodes above). Never silent: the version names its source, and the log has both the
    rule's version and this app's `supervision.model_configured`."""
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
    with transaction.atomic():
        version = rule_entry_set(key=RULE_KEY, name=code, entry={"enabled": enabled, **clean},
                                 effective_from=effective_from, source=source, jurisdiction=jurisdiction, actor=actor)
        events.model_configured(jurisdiction, actor=actor, code=code, enabled=enabled, params=clean,
                                effective_from=effective_from.isoformat(), source=version.source,
                                rule_version=version.pk)
    return version
