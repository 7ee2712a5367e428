"""The national baseline of the supervision rules (issue 20): the problem models' on/off state and thresholds
(`supervision.models`), loaded from data/national.json as 0008 loads the publicity keys."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

KEYS = ["supervision.models"]


def load(apps, schema_editor):
    RuleVersion = apps.get_model("rules", "RuleVersion")
    data = json.loads((Path(__file__).resolve().parent.parent / "data" / "national.json").read_text(encoding="utf-8"))
    effective_from = dt.date.fromisoformat(data["effective_from"])
    for key in KEYS:
        rule = data["rules"][key]
        if not RuleVersion.objects.filter(jurisdiction=None, key=key, effective_from=effective_from).exists():
            RuleVersion.objects.create(jurisdiction=None, key=key, value=rule["value"], effective_from=effective_from,
                                       source=rule["source"], ruleset=data["ruleset"])


class Migration(migrations.Migration):
    dependencies = [("rules", "0010_national_baseline_cites_national_sources")]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
