"""Migration 0010: a database migrated before the baseline cited national sources gets new versions (same value, the
national source) that supersede the old ones; nothing is edited (ADR 0004)."""

import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps

from zhifa.rules.models import RuleVersion

MIGRATION = importlib.import_module("zhifa.rules.migrations.0010_national_baseline_cites_national_sources")
DATA = json.loads((Path(MIGRATION.__file__).resolve().parent.parent / "data" / "national.json").read_text("utf-8"))


@pytest.mark.django_db
def test_an_old_baseline_note_is_superseded_with_the_same_value_and_the_national_source():
    key, rule = "publicity.decision_days", DATA["rules"]["publicity.decision_days"]
    current = RuleVersion.objects.get(jurisdiction=None, key=key, superseded_by__isnull=True)
    assert current.source == rule["source"]  # a fresh database has the national source already
    old = RuleVersion.objects.create(jurisdiction=None, key=key, value=rule["value"], effective_from=current.effective_from,
                                     source="KY 一（三）：20 个工作日内；行政许可、行政处罚 7 个工作日内",
                                     ruleset="national", supersedes=current)
    hand = RuleVersion.objects.get(jurisdiction=None, key="publicity.request_days", superseded_by__isnull=True)
    customised = RuleVersion.objects.create(jurisdiction=None, key=hand.key, value={"correction": 15}, source="本地设定",
                                            effective_from=hand.effective_from, ruleset="", supersedes=hand)
    before = RuleVersion.objects.count()

    MIGRATION.supersede(apps, None)

    new = RuleVersion.objects.get(supersedes=old)
    assert (new.value, new.source, new.jurisdiction_id) == (rule["value"], rule["source"], None)
    assert RuleVersion.objects.get(pk=old.pk).source.startswith("KY")  # the old row is kept as it was
    assert not RuleVersion.objects.filter(supersedes=customised).exists()  # a value changed by hand is left alone
    assert RuleVersion.objects.count() == before + 1
    MIGRATION.supersede(apps, None)
    assert RuleVersion.objects.count() == before + 1  # run again: nothing more
