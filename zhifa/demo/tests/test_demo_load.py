"""`make demo` loads the fictional region; running it twice changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.core.names import display_name
from zhifa.demo.management.commands.demo_load import DEMO_TOTP_SECRET
from zhifa.org import selectors
from zhifa.org.models import Agency, AgencyStatus, Certificate, Jurisdiction, Person
from zhifa.rules.selectors import rule_get


@pytest.mark.django_db
def test_demo_region_has_the_promised_shape_and_reloads_idempotently(capsys):
    call_command("demo_load")
    out = capsys.readouterr().out
    assert "region_supervisor" in out and "zhifa-demo-2026" in out
    # Issue 14 §6: the second factor stays on in the demo; the accounts that need it share the published key.
    assert DEMO_TOTP_SECRET in out and "demo_totp" in out
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert {"admin", "region_supervisor", "agency_head", "reviewer"} <= enrolled and "officer" not in enrolled
    # Pages name people (core.names): no demo login is shown as its login name (county_supervisor was).
    logins = get_user_model().objects.select_related("person")
    assert [u.get_username() for u in logins if display_name(u) == u.get_username()] == []
    assert Jurisdiction.objects.filter(level="city").count() == 2
    assert Jurisdiction.objects.filter(level="county").count() == 4
    assert 18 <= Agency.objects.count() <= 30
    assert 150 <= Person.objects.count() <= 260
    assert Agency.objects.filter(status=AgencyStatus.PENDING).count() == 2
    today = selectors.today()
    expired = Certificate.objects.filter(valid_to__lt=today).count()
    assert expired >= 5, "some certificates must have expired"
    assert all(code.startswith("99") for code in Jurisdiction.objects.values_list("code", flat=True))
    nanze = Jurisdiction.objects.get(name__startswith="南泽")
    dongling = Jurisdiction.objects.get(name__startswith="东岭")
    assert rule_get("review.time_limit", jurisdiction=nanze, as_of=today).value["days"] == 10  # AZ
    assert rule_get("review.time_limit", jurisdiction=dongling, as_of=today).value["days"] == 5  # IM-M
    counts = (Agency.objects.count(), Person.objects.count())
    call_command("demo_load")
    assert "已存在" in capsys.readouterr().out
    assert (Agency.objects.count(), Person.objects.count()) == counts


@pytest.mark.django_db
def test_demo_cases_cover_every_stage_with_real_media():
    from zhifa.cases.models import Case, Stage
    from zhifa.records.models import CaseFileSeal, Recording
    from zhifa.records.probe import probe

    call_command("demo_load")
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    seizure = Case.objects.get(action_type="coercion")
    assert seizure.stage == Stage.DECISION and seizure.interruptions.count() == 1
    clips = list(Recording.objects.filter(case=seizure))
    assert len(clips) == 2 and all(c.duration_seconds and c.duration_seconds >= 7 for c in clips)
    from django.core.files.storage import default_storage

    with default_storage.open(clips[0].blob.storage_name) as fh:
        assert probe(fh).duration_seconds >= 7
    # Three archived case files (issue 21: a case-file evaluation has files to draw), each sealed.
    assert CaseFileSeal.objects.filter(case__stage=Stage.ARCHIVE).count() == 3
