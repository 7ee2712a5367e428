"""Builders for the tests of the case time-limit models (M01 M02 M03 M08 M09 M12 M13 M14).

A model reads what the case services leave behind — cases, stage changes, documents with their ledger entries,
parties, publications — so these builders write those rows directly, each at the moment the test needs
(`time_machine`), instead of walking each case through months of services. What the services themselves check is
proved by zhifa/cases' and zhifa/publicity's own tests.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import time_machine

from zhifa.cases import events as case_events
from zhifa.cases.models import Case, Document, Party, StageChange
from zhifa.supervision.registry import Context

TZ = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def context(model, today: dt.date, *, case_ids=None, agency_ids=None, overrides=None, per_agency=None):
    """A Context for one model: its defaults, `overrides` for every agency, `per_agency[agency_id]` for one."""
    def params(agency_id):
        return {**model.defaults, "enabled": True, **(overrides or {}), **((per_agency or {}).get(agency_id, {}))}
    return Context(today=today, case_ids=None if case_ids is None else frozenset(case_ids),
                   agency_ids=None if agency_ids is None else frozenset(agency_ids), params=params)


def case(desk, *, opened: dt.date, action_type="penalty", procedure="ordinary", stage="start", agency=None,
         unit=None, place=None) -> Case:
    with time_machine.travel(at(opened, 9), tick=False):
        return Case.objects.create(agency=agency or desk.agency, handling_unit=unit or desk.unit,
                                   number=f"测罚〔2026〕{next(_numbers)}号", title="某某违法案", action_type=action_type,
                                   procedure=procedure, place=place or desk.place, legal_basis="《某某法》",
                                   stage=stage, opened_by=desk.officer)


def move(desk, case_: Case, from_stage: str, to_stage: str, on: dt.date) -> StageChange:
    """A stage change at `on` (the case row's own stage is set by the builder that made it)."""
    with time_machine.travel(at(on, 11), tick=False):
        return StageChange.objects.create(case=case_, from_stage=from_stage, to_stage=to_stage, actor=desk.officer)


def filed(desk, case_: Case, on: dt.date) -> StageChange:
    return move(desk, case_, "start", "investigation", on)


def decided(desk, case_: Case, on: dt.date) -> StageChange:
    return move(desk, case_, "decision", "service_enforcement", on)


def document(desk, case_: Case, form: str, elements: dict, on: dt.date, *, supersedes: Document | None = None):
    with time_machine.travel(at(on, 14), tick=False):
        entry = case_events.document_recorded(case_, actor=desk.officer, form=form, elements=elements,
                                              supersedes=supersedes.pk if supersedes else None,
                                              correction_reason="更正" if supersedes else "")
        return Document.objects.create(case=case_, form=form, elements=elements, recorded_by=desk.officer, entry=entry,
                                       version=(supersedes.version + 1) if supersedes else 1, supersedes=supersedes,
                                       correction_reason="更正" if supersedes else "")


def party(case_: Case, id_number: str, *, name="某某公司", kind="organisation") -> Party:
    return Party.objects.create(case=case_, kind=kind, name=name, id_number=id_number)


def levels(hits) -> dict[int, str]:
    """{case id: level} of a model's hits."""
    return {h.case_id: h.level for h in hits}
