"""The national baseline of the assessment's indicator table (rule `assessment.indicators`, issue 21 §6; SUP-02),
loaded from rules/data/national.json. Only its own key; the key's choice is in the rules app's migrations."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

KEYS = ["assessment.indicators"]


def load(apps, schema_editor):
    import zhifa.rules

    RuleVersion = apps.get_model("rules", "RuleVersion")
    path = Path(zhifa.rules.__file__).resolve().parent / "data" / "national.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    effective_from = dt.date.fromisoformat(data["effective_from"])
    for key in KEYS:
        rule = data["rules"][key]
        if not RuleVersion.objects.filter(jurisdiction=None, key=key, effective_from=effective_from).exists():
            RuleVersion.objects.create(jurisdiction=None, key=key, value=rule["value"], effective_from=effective_from,
                                       source=rule["source"], ruleset=data["ruleset"])


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial"), ("rules", "0012_instrument_deadlines")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
