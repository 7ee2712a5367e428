"""Helpers for the problem models' tests (issue 20 plan): a `Context` as the engine would build it."""

from __future__ import annotations

import datetime as dt
import sys

from .registry import REGISTRY, Context, ProblemModel


def _calling_model() -> ProblemModel | None:
    """The problem model whose `evaluate` (or a helper it calls) asks for its parameters: the nearest frame up the
    stack whose `self` is a ProblemModel. Tests only: the engine builds one Context per model and needs no guess."""
    frame = sys._getframe(2)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, ProblemModel):
            return candidate
        frame = frame.f_back
    return None


def context_for(today: dt.date, case_ids=None, agency_ids=None, overrides: dict | None = None, *,
                code: str | None = None) -> Context:
    """A Context for `evaluate(ctx)` in a model's test: every agency's parameters are the model's `defaults` with
    `enabled: True`, overlaid with `overrides[code]` (`overrides`: {code: params}), as the engine gives them when the
    rule `supervision.models` sets nothing else.

    Which model: `code` when given; else the one code `overrides` names; else the model whose `evaluate` asks."""
    overrides = overrides or {}
    fixed = code or (next(iter(overrides)) if len(overrides) == 1 else None)

    def params(agency_id: int) -> dict:
        model = REGISTRY.get(fixed) if fixed else None
        model = model or _calling_model()
        if model is None:
            raise LookupError("context_for: name the model (code=...) whose parameters are asked for")
        return {**model.defaults, "enabled": True, **overrides.get(model.code, {})}

    return Context(today=today, case_ids=frozenset(case_ids) if case_ids is not None else None,
                   agency_ids=frozenset(agency_ids) if agency_ids is not None else None, params=params)
