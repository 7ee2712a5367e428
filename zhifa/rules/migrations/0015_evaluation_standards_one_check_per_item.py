"""The national evaluation standards decide each item by one check of its own (issue 21 review, finding 7; SUP-06).

F05 (卷内目录和页码) had the check of F03 (封存归档), so one unsealed file lost both; it now has its own check
(casefile_paged). F08 and C12 named more than their checks read: F08 keeps the seal (sealed_by_agency) and F10 (文号、
签名、日期) is for the evaluator; C12 keeps 罚缴分离 (fine_collection) and C14 (执行到位) is for the evaluator. F09's
documents a file must hold are the standard's data (`forms`, by procedure and the decision the file holds), no longer
a constant of the code. Codes are kept; the new items are added.
The 行政处罚 standard's basis (依据) cites what applies to every field's penalty files — 行政处罚法, the State
Council's 三项制度 guidance (国办发〔2018〕118号) and the provinces' 案卷评查 practice — not one ministry's standard.

Rule versions are never edited: a database migrated before this change (0014 loaded the old value) gets, for the
national row still in force whose value differs from the data file's, a new version with the file's value that
supersedes it, as 0009 and 0010 did. A fresh database already has the new value from 0014, which reads the same file.
A jurisdiction's own version is left alone: it was set by a bureau and stays theirs to change.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

KEY = "evaluation.standards"
DATA = Path(__file__).resolve().parent.parent / "data" / "national.json"


def supersede(apps, schema_editor):
    RuleVersion = apps.get_model("rules", "RuleVersion")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    effective_from = dt.date.fromisoformat(data["effective_from"])
    rule = data["rules"][KEY]
    current = (RuleVersion.objects.filter(jurisdiction=None, key=KEY, effective_from=effective_from,
                                          superseded_by__isnull=True).order_by("-pk").first())
    if current is None or current.value == rule["value"]:
        return
    RuleVersion.objects.create(jurisdiction=None, key=KEY, value=rule["value"], effective_from=effective_from,
                               source=rule["source"], ruleset=data["ruleset"], supersedes=current)


class Migration(migrations.Migration):
    dependencies = [("rules", "0014_evaluation_standards")]
    operations = [migrations.RunPython(supersede, migrations.RunPython.noop)]
