"""Shared set-up of the tests of M15–M18: a benchmark table and fine assessments written through the services."""

import datetime as dt

from zhifa.core.permissions import Role
from zhifa.discretion import services
from zhifa.discretion.tests.helpers import issue
from zhifa.org.tests.factories import UserFactory, grant

TODAY = dt.date(2026, 6, 1)


def benchmark(agency, effective_from=dt.date(2026, 1, 1)):
    return issue(agency, grant(UserFactory(), Role.LEGAL_HEAD, agency=agency), effective_from=effective_from)


def assess(agency, case_id, *, actor, code="SC-001", tier="general", amount="20000", decided_on=TODAY, **kw):
    return services.fine_assessment_record(case_id=case_id, agency=agency, item_code=code, tier=tier, amount=amount,
                                           decided_on=decided_on, actor=actor, **kw)


def run(model, *, case_ids=None, agency_ids=None, overrides=None, today=TODAY):
    from zhifa.supervision.testing import context_for

    return list(model.evaluate(context_for(today, case_ids, agency_ids, overrides, code=model.code)))
