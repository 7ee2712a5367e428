"""The registry of problem models (issue 20 §1; SUP-04): what a model is, what it reports, how it is found.

A problem model is code (its trigger, in `evaluate`) plus data (its thresholds and on/off state, per jurisdiction
and versioned, in the rule `supervision.models`). Each model lives in a module of `zhifa.supervision.problems`
and registers itself there with `register`. The engine (`zhifa.supervision.services.run_models`) runs models, nightly over
everything and on each event over the cases the event touched, and turns their hits into alerts.

A model never writes: `evaluate` reads and yields `Hit`s. One hit per (case, model) — or per (agency, model) for
models about an agency as a whole — at the level the data warrants *now*; the engine opens, raises, lowers and
closes alerts so that the alerts always match the latest evaluation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from django.db import models


class Level(models.TextChoices):
    """提醒 / 预警 / 报警 (issue 20 §3): a step at 4/5 of its time limit warns; past it, the alarm replaces it."""

    NOTICE = "notice", "提醒"
    WARNING = "warning", "预警"
    ALARM = "alarm", "报警"


LEVEL_RANK = {Level.NOTICE: 1, Level.WARNING: 2, Level.ALARM: 3}


class Scope(models.TextChoices):
    CASE = "case", "案件"
    AGENCY = "agency", "执法主体"


@dataclass(frozen=True)
class Hit:
    """One finding of one model: the case (or, for agency-scope models, the agency) and how serious it is now."""

    agency_id: int
    case_id: int | None  # None only for agency-scope models
    level: str  # a Level value
    detail: str  # in Chinese, for the people who act: what is wrong, with the figures ("立案已 97 天，未作出决定")
    due: dt.date | None = None  # the time limit concerned, when there is one
    evidence: dict = field(default_factory=dict)  # JSON-serialisable facts the detail was computed from


@dataclass(frozen=True)
class Context:
    """What one run of a model may read.

    `case_ids` / `agency_ids` narrow an event-driven run to what the event touched (None: everything, the nightly
    run). `params(agency_id)` is the model's thresholds in force on `today` for that agency's jurisdiction
    (its `defaults` overlaid with the jurisdiction's rule), including `enabled`; the engine drops the hits of
    agencies where the model is switched off, so a model need not check `enabled` itself.
    """

    today: dt.date
    case_ids: frozenset[int] | None
    agency_ids: frozenset[int] | None
    params: Callable[[int], dict]
    # One dict shared by every model of an event's run (which evaluates up to 24 models over one case; the nightly
    # run gives each model its own): a read several models make (the case's current documents, its decision) may be
    # kept here, keyed by what it read (the function and the context's case_ids / agency_ids / today), and made once.
    # The engine's re-evaluation of a batch under its lock gets a fresh dict: no read from before the lock is reused.
    memo: dict = field(default_factory=dict, compare=False, hash=False)


class ProblemModel:
    """Subclass, set the class attributes, implement `evaluate`, decorate with `@register`."""

    code: ClassVar[str]  # "M01"
    name: ClassVar[str]  # Chinese, short: "普通程序处罚案件超期未决定"
    basis: ClassVar[str]  # the statute it enforces: "《行政处罚法》第六十条"
    description: ClassVar[str] = ""  # Chinese: what triggers it, at which levels, and what closes it
    scope: ClassVar[str] = Scope.CASE
    # Ledger event kinds after which the model is re-run for the case (or agency) the event is about; an event of
    # any other kind never runs it (run_models(event_kind=...), on_entry_saved). Empty: the nightly run only.
    triggers: ClassVar[tuple[str, ...]] = ()
    # Threshold parameters and their shipped values (JSON); a jurisdiction's rule overrides them. "enabled" is
    # added by the engine (True unless a rule says otherwise).
    defaults: ClassVar[dict] = {}

    def evaluate(self, ctx: Context) -> Iterable[Hit]:
        raise NotImplementedError

    def cases_for_subject(self, subject: str) -> Iterable[int] | None:
        """For a trigger whose entry is about neither a case nor an agency (`ledger.blob:<sha256>`): the cases it
        touches, read when the event's transaction has committed. None: the event re-runs nothing."""
        return None

    def agencies_for_subject(self, subject: str) -> Iterable[int] | None:
        """The same for an agency-scope model (an instrument's event re-runs M22 for the agency it is addressed to)."""
        return None


REGISTRY: dict[str, ProblemModel] = {}


def register(cls: type[ProblemModel]) -> type[ProblemModel]:
    """Class decorator: put one instance of the model in the registry under its code (codes are unique)."""
    code = cls.code
    if code in REGISTRY and type(REGISTRY[code]) is not cls:
        raise ValueError(f"problem model {code} registered twice ({type(REGISTRY[code]).__name__}, {cls.__name__})")
    REGISTRY[code] = cls()
    return cls


def models_in_order() -> list[ProblemModel]:
    return [REGISTRY[code] for code in sorted(REGISTRY)]


# --- extensions for the engine (issue 20 §1): which models an event re-runs, and each model's parameters -------------

_TRIGGERS: dict[str, tuple[str, ...]] = {}
_TRIGGERS_BUILT_FOR: tuple[int, int] = (-1, -1)


def triggered_by(kind: str) -> tuple[str, ...]:
    """The codes of the models whose `triggers` name this ledger event kind (an index rebuilt when the registry grows:
    instruments registers M22 from its own ready())."""
    global _TRIGGERS_BUILT_FOR
    state = (len(REGISTRY), id(REGISTRY))
    if state != _TRIGGERS_BUILT_FOR:
        index: dict[str, list[str]] = {}
        for code in sorted(REGISTRY):
            for trigger in REGISTRY[code].triggers:
                index.setdefault(trigger, []).append(code)
        _TRIGGERS.clear()
        _TRIGGERS.update({k: tuple(v) for k, v in index.items()})
        _TRIGGERS_BUILT_FOR = state
    return _TRIGGERS.get(kind, ())


def params_of(model: ProblemModel, rule_value: dict | None) -> dict:
    """A model's parameters in force: its `defaults`, `enabled: True`, overlaid with its entry in the rule's value
    (`{"M01": {"enabled": false, "days": 90}, ...}`); a code missing from the rule runs with its defaults."""
    own = (rule_value or {}).get(model.code) or {}
    return {**model.defaults, "enabled": True, **own}
