"""The nightly run (issue 20 §3): `manage.py supervision_run` runs every model over everything; a failing model makes
it exit 2 (cron mails it) after the others ran."""

import pytest
from django.core.management import CommandError, call_command

from zhifa.supervision.models import Alert
from zhifa.supervision.registry import Hit, Level
from zhifa.supervision.tests.sup_world import make_case


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_command_runs_the_models_and_reports(desk, planted, capsys):
    case = make_case(desk)
    planted.hits = [Hit(agency_id=case.agency_id, case_id=case.pk, level=Level.ALARM, detail="x")]
    call_command("supervision_run", "--date", "2026-06-01", "--model", "M98")
    assert "M98: hits 1, opened 1" in capsys.readouterr().out
    assert Alert.objects.filter(case=case, state="open").exists()


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_failing_model_exits_2(desk, planted):
    def broken(ctx):
        raise RuntimeError("boom")

    planted.evaluate = broken
    with pytest.raises(CommandError) as exc:
        call_command("supervision_run", "--model", "M98")
    assert exc.value.returncode == 2 and "M98" in str(exc.value)


@pytest.mark.django_db
def test_bad_arguments_are_refused():
    with pytest.raises(CommandError, match="没有这些问题模型"):
        call_command("supervision_run", "--model", "M77")
    with pytest.raises(CommandError, match="日期格式"):
        call_command("supervision_run", "--date", "June")
