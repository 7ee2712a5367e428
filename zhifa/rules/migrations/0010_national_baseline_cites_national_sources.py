"""The national baseline's rule versions cite the State Council guideline (国办发〔2018〕118号) and national laws, not
a local measure (issue 18, tryout defect 3: /rules/ "全国基线" cited a county's and a city bureau's measures).

Until now national.json's `source` notes cited the Kaiyuan water bureau's plan (KY) that restates the guideline, and
two notes cited regional or county measures (IM-M, AZ-R, AZ-P). The values came from the guideline itself, so only the
citation changes. Rule versions are never edited: a database migrated before this change gets, for each baseline row
still in force whose value is the one the data file ships and whose source differs, a new version with the same value
and the national source that supersedes it (as 0009 did). A row changed by hand (another value) is left alone. A
fresh database already has the new sources from 0002, 0003, 0005 and 0008, which read the same data file.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "national.json"


def supersede(apps, schema_editor):
    RuleVersion = apps.get_model("rules", "RuleVersion")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    effective_from = dt.date.fromisoformat(data["effective_from"])
    for key, rule in data["rules"].items():
        current = (RuleVersion.objects.filter(jurisdiction=None, key=key, effective_from=effective_from,
                                              superseded_by__isnull=True).order_by("-pk").first())
        if current is None or current.value != rule["value"] or current.source == rule["source"]:
            continue
        RuleVersion.objects.create(jurisdiction=None, key=key, value=rule["value"], effective_from=effective_from,
                                   source=rule["source"], ruleset=data["ruleset"], supersedes=current)


class Migration(migrations.Migration):
    dependencies = [("rules", "0009_mask_other_persons_names")]
    operations = [migrations.RunPython(supersede, migrations.RunPython.noop)]
