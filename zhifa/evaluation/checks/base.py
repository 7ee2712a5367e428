"""The batch a set of checks reads from, and the check built on supervision problem models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.org.models import Jurisdiction
from zhifa.rules.selectors import rule_resolver
from zhifa.supervision.problems import _shared
from zhifa.supervision.registry import REGISTRY, Context, Hit, Level, params_of

from ..prescore import Outcome

SUPERVISION_RULE = "supervision.models"
# Keys of a hit's evidence that name a record: (evidence key, record kind of Outcome.refs).
REF_KEYS = {"document": "document", "recording": "recording", "publication": "publication", "notice": "document",
            "assessment": "discretion_assessment", "review": "review"}


class Batch:
    """The cases of one pre-scoring call and what several checks read about them, each read once (`memo`)."""

    def __init__(self, case_ids: Iterable[int], today: dt.date | None = None, items: dict | None = None):
        self.case_ids = frozenset(case_ids)
        self.today = today or timezone.localdate()
        self.items = dict(items or {})  # {check code: standards.Item}: the item a check decides, when the caller knows it
        self.memo: dict = {}
        self._hits: dict[str, dict[int, list[Hit]]] = {}
        self._rows: dict[int, dict] | None = None
        self._resolve = None

    @property
    def rows(self) -> dict[int, dict]:
        """{case id: the case's own fields and its agency's jurisdiction path} (one query)."""
        if self._rows is None:
            self._rows = {
                r["id"]: r for r in Case.objects.filter(pk__in=sorted(self.case_ids)).values(
                    "id", "agency_id", "action_type", "procedure", "stage", "number", "agency__jurisdiction__path")}
        return self._rows

    def context(self) -> Context:
        return Context(today=self.today, case_ids=self.case_ids, agency_ids=None, params=lambda _a: {}, memo=self.memo)

    def decided_at(self) -> dict[int, dt.datetime]:
        """The one day of decision the supervision models count from (supervision.problems._shared.decided_at)."""
        return _shared.decided_at(self.context())

    def params(self, code: str, agency_id: int) -> dict:
        """A model's parameters in force for the agency's jurisdiction today (supervision.registry.params_of)."""
        if self._resolve is None:
            self._resolve = rule_resolver(SUPERVISION_RULE)
        paths = {r["agency_id"]: r["agency__jurisdiction__path"] for r in self.rows.values()}
        key = ("params", code, agency_id)
        if key not in self.memo:
            path = paths.get(agency_id)
            value = self._resolve(Jurisdiction(path=path) if path else None, self.today)
            self.memo[key] = params_of(REGISTRY[code], value)
        return dict(self.memo[key])

    def hits(self, code: str) -> dict[int, list[Hit]]:
        """{case id: the hits of problem model `code` on it}, the model run once over the whole batch."""
        if code not in self._hits:
            model = REGISTRY[code]
            ctx = Context(today=self.today, case_ids=self.case_ids, agency_ids=None,
                          params=lambda agency_id: self.params(code, agency_id), memo=self.memo)
            out: dict[int, list[Hit]] = {}
            if self.case_ids:
                for hit in model.evaluate(ctx):
                    if hit.case_id in self.case_ids:
                        out.setdefault(hit.case_id, []).append(hit)
            self._hits[code] = out
        return self._hits[code]

    def item_of(self, check: str, case_id: int):
        """The standard's item that `check` decides for the file: the caller's (prescore `items`), else the item naming
        the check in the standard in force for the file's jurisdiction and action type today (one query per batch)."""
        if check in self.items:
            return self.items[check]
        from ..standards import RULE_KEY, _entry, standard_from_value

        row = self.rows.get(case_id)
        if row is None:
            return None
        if RULE_KEY not in self.memo:
            self.memo[RULE_KEY] = rule_resolver(RULE_KEY)
        path = row["agency__jurisdiction__path"]
        value = self.memo[RULE_KEY](Jurisdiction(path=path) if path else None, self.today)
        name, entry = _entry(value or {}, row["action_type"])
        if entry is None:
            return None
        key = (RULE_KEY, path, row["action_type"])
        if key not in self.memo:
            self.memo[key] = standard_from_value(row["action_type"], entry)
        return next((it for it in self.memo[key].items if it.check == check), None)

    def enabled(self, code: str, case_id: int) -> bool:
        row = self.rows.get(case_id)
        return row is None or bool(self.params(code, row["agency_id"]).get("enabled", True))


def refs_of(evidence) -> list[tuple[str, int]]:
    """The records a hit's evidence names (document, recording, publication …), walked through lists and dicts."""
    found: list[tuple[str, int]] = []

    def walk(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in REF_KEYS and isinstance(inner, int) and not isinstance(inner, bool):
                    found.append((REF_KEYS[key], inner))
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(evidence)
    return list(dict.fromkeys(found))


def _errors(hit: Hit) -> int:
    problems = hit.evidence.get("problems") if isinstance(hit.evidence, dict) else None
    return len(problems) if isinstance(problems, list) and problems else 1


def _named(codes) -> str:
    return "、".join(f"{code}（{REGISTRY[code].name}）" for code in codes)


def model_check(models: tuple[str, ...], clean: str, *, needs_decision: bool = False,
                applies: Callable[[dict], bool] | None = None, not_applicable: str = "",
                select: Callable[[Hit], Hit | None] | None = None, fail_on_warning: tuple[str, ...] = (),
                requires: Callable[[Batch], set[int]] | None = None, lacking: str = ""):
    """A check that fails a file on an alarm of any of the problem `models` on it, with the model's words.

    `clean`: the evidence line of a file without a finding. `needs_decision`: a file whose decision is not taken
    (as the models read it) cannot be decided. `applies(row)` False: the item does not concern the file (it passes,
    with `not_applicable` as the evidence). `select(hit)`: keep only part of a model's finding (None drops it). A
    warning (a limit not yet run out, a reason the data cannot check) leaves the item to the evaluator; a notice is
    shown and passes. `fail_on_warning`: models whose warning is itself a defect of the file (M16: a fine off the
    benchmark's tier with no reasons written). A finding at alarm level fails the file even without a decision (M01:
    a penalty case left undecided past its limit).

    `requires(batch)`: the ids of the files holding the records the models read (a fixed number of queries). A file
    without them is never passed — no finding on no record is no evidence, and a file missing its records is the very
    defect looked for — but left to the evaluator with `lacking` as the reason. A file some of whose models are
    switched off in its jurisdiction is not passed either: the evidence names the models that were run and the ones
    that were not, and the evaluator judges the rest."""

    def run(batch: Batch) -> dict[int, Outcome]:
        decided = batch.decided_at() if needs_decision else {}
        holding = requires(batch) if requires is not None else None
        out = {}
        for case_id, row in batch.rows.items():
            if applies is not None and not applies(row):
                out[case_id] = Outcome(True, evidence=(not_applicable,))
                continue
            if holding is not None and case_id not in holding:
                out[case_id] = Outcome(None, evidence=(lacking,))
                continue
            failed, pending, noted, refs, errors, off = [], [], [], [], 0, []
            for code in models:
                if not batch.enabled(code, case_id):
                    off.append(code)
                    continue
                for hit in batch.hits(code).get(case_id, ()):
                    hit = select(hit) if select is not None else hit
                    if hit is None:
                        continue
                    line = f"{code} {REGISTRY[code].name}：{hit.detail}"
                    refs += refs_of(hit.evidence)
                    if hit.level == Level.ALARM or (hit.level == Level.WARNING and code in fail_on_warning):
                        failed.append(line)
                        errors += _errors(hit)
                    elif hit.level == Level.WARNING:
                        pending.append(line)
                    else:
                        noted.append(line)
            refs = list(dict.fromkeys(refs))
            unrun = [f"本地区未启用监督模型 {_named(off)}，该部分未经系统核查。"] if off else []
            if failed:
                out[case_id] = Outcome(False, errors=errors, evidence=tuple(failed + pending + noted + unrun),
                                       refs=tuple(refs))
            elif needs_decision and case_id not in decided:
                out[case_id] = Outcome(None, evidence=(
                    "案卷中没有已作出的决定（未见作出决定的记录或已签发的决定书），无法核查，由评查人员判断。",))
            elif pending:
                out[case_id] = Outcome(None, evidence=tuple(
                    pending + noted + unrun + ["上述情形数据不能确定是否违反规定，由评查人员判断。"]), refs=tuple(refs))
            elif off and len(off) == len(models):
                out[case_id] = Outcome(None, evidence=(f"本地区未启用监督模型 {_named(off)}，由评查人员判断。",))
            elif off:
                ran = [code for code in models if code not in off]
                out[case_id] = Outcome(None, refs=tuple(refs), evidence=(
                    f"监督模型 {_named(ran)} 未发现问题；本地区未启用监督模型 {_named(off)}，该部分未经系统核查，"
                    "由评查人员判断。", *noted))
            else:
                out[case_id] = Outcome(True, evidence=tuple([clean] + noted), refs=tuple(refs))
        return out

    return run
