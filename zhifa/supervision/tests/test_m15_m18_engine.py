"""M15–M18 through the engine: a fine assessment recorded for a real case raises its alert after the commit, and the
correction closes it (SUP-04, SUP-07)."""

import pytest

from zhifa.supervision.models import Alert
from zhifa.supervision.services import run_models

from .s2_builders import case
from .s5_discretion import TODAY, assess, benchmark

pytestmark = [pytest.mark.req("SUP-04"), pytest.mark.req("SUP-07"), pytest.mark.django_db]


def test_the_nightly_run_opens_and_closes_the_alerts_of_a_real_case(desk, users):
    benchmark(desk.agency)
    planted = case(desk, opened=TODAY, stage="decision")
    clean = case(desk, opened=TODAY, stage="decision")
    assess(desk.agency, planted.pk, actor=users.officer_a1, tier="heavier", amount="50000.01")
    assess(desk.agency, clean.pk, actor=users.officer_a1, tier="heavier", amount="50000")
    run_models(TODAY, codes=["M15", "M16", "M17", "M18"])
    open_alerts = Alert.objects.filter(state="open")
    assert list(open_alerts.values_list("case_id", "model", "level")) == [(planted.pk, "M15", "alarm")]
    assess(desk.agency, planted.pk, actor=users.officer_a1, tier="heavier", amount="45000")  # corrected
    run_models(TODAY, codes=["M15"])
    assert not Alert.objects.filter(state="open").exists()


def test_recording_an_assessment_reruns_the_models_for_its_case(desk, users, django_capture_on_commit_callbacks):
    benchmark(desk.agency)
    planted = case(desk, opened=TODAY, stage="decision")
    with django_capture_on_commit_callbacks(execute=True):
        assess(desk.agency, planted.pk, actor=users.officer_a1, tier="general", amount="40000", decided_on=TODAY)
    assert Alert.objects.filter(case=planted, model="M16", state="open").exists()
