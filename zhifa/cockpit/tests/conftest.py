"""Fixtures of the cockpit's tests: a planted problem model whose alerts go through the supervision engine (its
services write the alerts and their log entries), and cases opened through cases.services."""

import datetime as dt

import pytest

from zhifa.org.models import UnitKind
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UnitFactory
from zhifa.supervision.registry import REGISTRY, Hit, Level, ProblemModel, Scope

PLANTED = "X99"


class Planted(ProblemModel):
    """A test model: reports what the test plants, per agency (agency scope) — the engine opens and closes its
    alerts like any model's."""

    code = PLANTED
    name = "测试用问题模型"
    basis = "测试"
    scope = Scope.AGENCY
    hits: list[Hit] = []

    def evaluate(self, ctx):
        return [h for h in self.hits if ctx.agency_ids is None or h.agency_id in ctx.agency_ids]


@pytest.fixture
def planted():
    """plant({agency: level, ...}) opens the alerts through supervision.services.run_models."""
    from zhifa.supervision.services import run_models

    model = Planted()
    REGISTRY[PLANTED] = model

    def plant(levels: dict, today: dt.date | None = None):
        model.hits = [Hit(agency_id=a.pk, case_id=None, level=lv, detail="测试") for a, lv in levels.items()]
        return run_models(today, codes=[PLANTED])

    yield plant
    REGISTRY.pop(PLANTED, None)


@pytest.fixture
def opener():
    """open_case(agency, user): a case opened through cases.services by a certified officer of the agency."""
    from zhifa.cases import services

    def open_case(agency, user, title="检查某某商店"):
        unit = agency.units.filter(kind=UnitKind.HANDLING).first() or UnitFactory(agency=agency, name="执法大队",
                                                                                  kind=UnitKind.HANDLING)
        if not hasattr(user, "person"):
            CertificateFactory(person=PersonFactory(agency=agency, unit=unit, user=user))
        return services.case_open(agency=agency, handling_unit=unit, title=title, action_type="inspection",
                                  procedure="ordinary", place=agency.jurisdiction, legal_basis="《产品质量法》",
                                  actor=user)

    return open_case


__all__ = ["Level", "PLANTED"]
