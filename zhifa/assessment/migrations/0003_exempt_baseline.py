"""The national indicator table scores an indicator without data as "exempt" (无此项工作的不计分，按实际考核项目折算)
instead of full marks, for the rate and mean indicators (issue 21 review, finding 9); figures keep the rows not yet
due (finding 10).

A database migrated before this change holds the old table (every indicator `if_empty: "full"`) at the same effective
date: the new value supersedes it, as rules.services would (nothing is edited). A national row changed by hand
(another value) is left alone. A fresh database gets the new value from 0002, which reads the current data file.
"""

import copy
import datetime as dt
import json
from pathlib import Path

from django.db import migrations, models

KEY = "assessment.indicators"


def supersede(apps, schema_editor):
    import zhifa.rules

    RuleVersion = apps.get_model("rules", "RuleVersion")
    path = Path(zhifa.rules.__file__).resolve().parent / "data" / "national.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    effective_from = dt.date.fromisoformat(data["effective_from"])
    rule = data["rules"][KEY]
    shipped_before = copy.deepcopy(rule["value"])
    for item in shipped_before["indicators"]:
        item["if_empty"] = "full"
    current = RuleVersion.objects.filter(jurisdiction=None, key=KEY, effective_from=effective_from,
                                         superseded_by__isnull=True).first()
    if current is not None and current.value == shipped_before and current.value != rule["value"]:
        RuleVersion.objects.create(jurisdiction=None, key=KEY, value=rule["value"], effective_from=effective_from,
                                   source=rule["source"], ruleset=data["ruleset"], supersedes=current)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_indicator_baseline")]
    operations = [
        migrations.AddField(
            model_name="figure",
            name="pending",
            field=models.JSONField(default=list, help_text="rows not yet due on the computation day: left out"),
        ),
        migrations.RunPython(supersede, migrations.RunPython.noop),
    ]
