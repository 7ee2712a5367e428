"""The national baseline's `publicity.mask_kinds` gains "person_name" (natural persons other than the party).

A database migrated before this change holds the old value at the same effective date: the new value supersedes it,
as `rules.services.ruleset_apply` would (nothing is edited). A fresh database already has the new value from 0008.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

KEY = "publicity.mask_kinds"


def supersede(apps, schema_editor):
    RuleVersion = apps.get_model("rules", "RuleVersion")
    data = json.loads((Path(__file__).resolve().parent.parent / "data" / "national.json").read_text(encoding="utf-8"))
    rule = data["rules"][KEY]
    effective_from = dt.date.fromisoformat(data["effective_from"])
    current = RuleVersion.objects.filter(jurisdiction=None, key=KEY, effective_from=effective_from,
                                         superseded_by__isnull=True).first()
    if current is None or current.value == rule["value"]:
        return
    RuleVersion.objects.create(jurisdiction=None, key=KEY, value=rule["value"], effective_from=effective_from,
                               source=rule["source"], ruleset=data["ruleset"], supersedes=current)


class Migration(migrations.Migration):
    dependencies = [("rules", "0008_publicity_baseline")]
    operations = [migrations.RunPython(supersede, migrations.RunPython.noop)]
