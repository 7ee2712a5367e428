"""A test-only problem model whose hits the tests plant, and cases to hang alerts on (S1's engine tests)."""

import itertools

import pytest

from zhifa.cases.models import Case
from zhifa.ledger.events import register as register_kind
from zhifa.supervision.registry import REGISTRY, Hit, ProblemModel, Scope

POKE = register_kind("test.supervision_poke", "测试：触发问题模型")
_numbers = itertools.count(1)


class Planted(ProblemModel):
    """Reports exactly the planted hits that fall in the context's scope; counts its runs."""

    code = "M98"
    name = "测试模型"
    basis = "测试依据"
    description = "测试用"
    scope = Scope.CASE
    triggers = (POKE,)
    defaults = {"days": 30, "ratio": 0.5, "strict": False}

    def __init__(self):
        self.hits: list[Hit] = []
        self.contexts = []

    def evaluate(self, ctx):
        self.contexts.append(ctx)
        for hit in self.hits:
            if ctx.case_ids is not None and hit.case_id not in ctx.case_ids:
                continue
            if ctx.agency_ids is not None and hit.agency_id not in ctx.agency_ids:
                continue
            yield hit


class PlantedAgency(Planted):
    code = "M97"
    name = "测试模型（执法主体）"
    scope = Scope.AGENCY
    triggers = ()


@pytest.fixture
def planted(monkeypatch):
    model = Planted()
    monkeypatch.setitem(REGISTRY, model.code, model)
    return model


@pytest.fixture
def planted_agency(monkeypatch):
    model = PlantedAgency()
    monkeypatch.setitem(REGISTRY, model.code, model)
    return model


def make_case(desk, agency=None, unit=None):
    agency = agency or desk.agency
    return Case.objects.create(agency=agency, handling_unit=unit or desk.unit, number=f"T-{next(_numbers):05d}",
                               title="测试案件", action_type="penalty", procedure="ordinary", place=agency.jurisdiction,
                               legal_basis="x", opened_by=desk.officer)
