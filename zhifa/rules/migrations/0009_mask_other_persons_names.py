"""`publicity.mask_kinds` gains "person_name" (natural persons other than the party) in the national baseline and in
the IM-M and AZ rule sets.

A database migrated before this change holds the old value at the same effective date: the new value supersedes it,
as `rules.services.ruleset_apply` would (nothing is edited). That is the national baseline's row, and every
jurisdiction's row that `rules_apply im-m` or `rules_apply az` wrote with the value those sets shipped before (the
set may have been applied at any node, so every node is looked at). A row a jurisdiction customised (another
value, or written by hand) is left alone. A fresh database already has the new national value from 0008; the
jurisdiction sets are applied later, from the current data files.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

KEY = "publicity.mask_kinds"
DATA = Path(__file__).resolve().parent.parent / "data"
# The value im-m.json and az.json shipped before "person_name" was added (git 6f5f36b), in that order.
SHIPPED_BEFORE = ["id_number", "phone", "bank_account", "property_certificate", "home_address", "property_status"]
JURISDICTION_SETS = ["im-m", "az"]


def _read(name: str) -> tuple[dict, dt.date]:
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return data, dt.date.fromisoformat(data["effective_from"])


def supersede(apps, schema_editor):
    RuleVersion = apps.get_model("rules", "RuleVersion")
    data, effective_from = _read("national")
    rule = data["rules"][KEY]
    current = RuleVersion.objects.filter(jurisdiction=None, key=KEY, effective_from=effective_from,
                                         superseded_by__isnull=True).first()
    if current is not None and current.value != rule["value"]:
        RuleVersion.objects.create(jurisdiction=None, key=KEY, value=rule["value"], effective_from=effective_from,
                                   source=rule["source"], ruleset=data["ruleset"], supersedes=current)
    for name in JURISDICTION_SETS:
        data, effective_from = _read(name)
        rule = data["rules"][KEY]
        stale = RuleVersion.objects.filter(jurisdiction__isnull=False, key=KEY, effective_from=effective_from,
                                           ruleset=data["ruleset"], superseded_by__isnull=True).order_by("pk")
        for current in stale:
            if current.value != SHIPPED_BEFORE:
                continue  # customised at that node, or already the new value
            RuleVersion.objects.create(jurisdiction_id=current.jurisdiction_id, key=KEY, value=rule["value"],
                                       effective_from=effective_from, source=rule["source"],
                                       ruleset=data["ruleset"], supersedes=current)


class Migration(migrations.Migration):
    dependencies = [("rules", "0008_publicity_baseline")]
    operations = [migrations.RunPython(supersede, migrations.RunPython.noop)]
